package scanner

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"lotse/hardware/qr"
)

// cameraFrame renders code as a 640×480 camera frame (JPEG bytes); an
// empty code gives an empty desk.
func cameraFrame(t testing.TB, code string) []byte {
	t.Helper()
	frame := image.NewGray(image.Rect(0, 0, 640, 480))
	draw.Draw(frame, frame.Bounds(), image.NewUniform(image.White), image.Point{}, draw.Src)
	if code != "" {
		img, err := qr.Encode(code, 240)
		if err != nil {
			t.Fatal(err)
		}
		draw.Draw(frame, img.Bounds().Add(image.Pt(200, 120)), img, image.Point{}, draw.Src)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, frame, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// withThumbnail inserts an APP1 segment holding a complete small JPEG, as
// EXIF thumbnails do, to check that its EOI does not end the frame.
func withThumbnail(t testing.TB, frame []byte) []byte {
	t.Helper()
	var thumb bytes.Buffer
	if err := jpeg.Encode(&thumb, image.NewGray(image.Rect(0, 0, 8, 8)), nil); err != nil {
		t.Fatal(err)
	}
	payload := append([]byte("Exif\x00\x00"), thumb.Bytes()...)
	n := len(payload) + 2
	seg := append([]byte{0xFF, 0xE1, byte(n >> 8), byte(n)}, payload...)
	return append(append([]byte{0xFF, 0xD8}, seg...), frame[2:]...)
}

func TestCameraImageFiles(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for i, code := range []string{"LOTSE:1:a", "", "LOTSE:1:a", "LOTSE:2:b"} {
		p := filepath.Join(dir, fmt.Sprintf("%d.jpg", i))
		if err := os.WriteFile(p, cameraFrame(t, code), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	rec := newRecorder()
	cam := &Camera{Name: "camera:test", Open: OpenImageFiles(paths...), OnStatus: rec.status, Logger: quietLogger()}
	if err := cam.Run(context.Background(), rec.deliver); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if got, want := fmt.Sprint(rec.codes()), "[LOTSE:1:a LOTSE:2:b]"; got != want {
		t.Errorf("codes = %s, want %s (repeat within 2 s suppressed)", got, want)
	}
	if rec.scans[0].Source != "camera:test" {
		t.Errorf("source = %q", rec.scans[0].Source)
	}
}

func TestCameraJPEGStream(t *testing.T) {
	var stream bytes.Buffer
	stream.WriteString("leading junk")
	stream.Write(withThumbnail(t, cameraFrame(t, "LOTSE:3:c")))
	stream.Write([]byte{0xFF, 0xD8, 0xFF, 0xDB, 0x00}) // a cut frame
	stream.Write(cameraFrame(t, ""))
	stream.WriteString("\r\n--boundary\r\nContent-Type: image/jpeg\r\n\r\n")
	stream.Write(cameraFrame(t, "LOTSE:4:d"))
	rec := newRecorder()
	cam := &Camera{Open: OpenJPEGStream(io.NopCloser(&stream)), Logger: quietLogger()}
	if err := cam.Run(context.Background(), rec.deliver); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if got, want := fmt.Sprint(rec.codes()), "[LOTSE:3:c LOTSE:4:d]"; got != want {
		t.Errorf("codes = %s, want %s", got, want)
	}
}

func TestJPEGFramesSplitsExactly(t *testing.T) {
	a := withThumbnail(t, cameraFrame(t, "x-1"))
	b := cameraFrame(t, "x-2")
	frames := NewJPEGFrames(io.NopCloser(bytes.NewReader(append(append([]byte("--b\r\n\r\n"), a...), b...))))
	for i, want := range [][]byte{a, b} {
		got, err := frames.NextBytes()
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("frame %d: %d bytes, want %d", i, len(got), len(want))
		}
	}
	if _, err := frames.NextBytes(); err != io.EOF {
		t.Errorf("after the last frame: %v, want io.EOF", err)
	}
}

// mjpegServer serves a multipart/x-mixed-replace stream of frames; every
// connection ends after the frames, like a camera server restarting.
func mjpegServer(t *testing.T, frames ...[]byte) (*httptest.Server, *atomic.Int32) {
	var connections atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		connections.Add(1)
		mw := multipart.NewWriter(w)
		w.Header().Set("Content-Type", "multipart/x-mixed-replace; boundary="+mw.Boundary())
		for _, f := range frames {
			part, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {"image/jpeg"}})
			if err != nil {
				return
			}
			part.Write(f)
			w.(http.Flusher).Flush()
		}
		mw.Close()
	}))
	t.Cleanup(srv.Close)
	return srv, &connections
}

func TestCameraMJPEGOverHTTPReconnects(t *testing.T) {
	srv, connections := mjpegServer(t, cameraFrame(t, ""), cameraFrame(t, "LOTSE:5:e"))
	rec := newRecorder()
	// A short dedupe window, so the code comes again on the next connection.
	cam := &Camera{
		Open:     OpenMJPEGURL(srv.URL),
		Dedupe:   &Deduper{Window: time.Millisecond},
		OnStatus: rec.status,
		Logger:   quietLogger(),
	}
	stop := runSource(t, cam, rec)
	rec.waitFor(t, "the code from two connections", func() bool { return rec.count("LOTSE:5:e") >= 2 })
	stop()
	if connections.Load() < 2 {
		t.Errorf("%d connections, want a reconnect", connections.Load())
	}
	if rec.stateCount(StateDisconnected) == 0 {
		t.Error("stream end not reported as disconnected")
	}
}

func TestCameraStopsWhileStreamIsSilent(t *testing.T) {
	r, w := io.Pipe()
	defer w.Close()
	rec := newRecorder()
	cam := &Camera{Open: OpenJPEGStream(r), OnStatus: rec.status, Logger: quietLogger()}
	stop := runSource(t, cam, rec)
	rec.waitFor(t, "connected", func() bool { return rec.stateCount(StateConnected) > 0 })
	stop() // fails the test if Run stays blocked in Next
}

func TestCameraUnreachableURLRetries(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close() // nothing listens there any more
	rec := newRecorder()
	cam := &Camera{Open: OpenMJPEGURL(srv.URL), OnStatus: rec.status, Logger: quietLogger()}
	stop := runSource(t, cam, rec)
	rec.waitFor(t, "a failed attempt", func() bool { return rec.stateCount(StateDisconnected) > 0 })
	stop()
}

// FuzzJPEGFrames feeds arbitrary bytes as a camera stream: the splitter
// must end with an error, never hang or panic, and each frame it returns
// starts with SOI and ends with EOI.
func FuzzJPEGFrames(f *testing.F) {
	f.Add(cameraFrame(f, "LOTSE:1:seed"))
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02, 0xFF, 0x00, 0xFF, 0xD0, 0xFF, 0xFF, 0xD9})
	f.Add([]byte("--b\r\n\xff\xd8\xff\xe1\x00\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		frames := NewJPEGFrames(io.NopCloser(bytes.NewReader(data)))
		for i := 0; ; i++ {
			b, err := frames.NextBytes()
			if err != nil {
				break
			}
			if len(b) < 4 || !bytes.HasPrefix(b, []byte{0xFF, 0xD8}) || !bytes.HasSuffix(b, []byte{0xFF, 0xD9}) {
				t.Fatalf("frame %d is not SOI…EOI: % x", i, b[:min(len(b), 8)])
			}
			if i > len(data) {
				t.Fatal("more frames than bytes")
			}
		}
	})
}

func TestOpenCameraAt(t *testing.T) {
	for _, where := range []string{"/dev/video0", "http://127.0.0.1:8081/stream", "https://cam.local/mjpeg"} {
		if open, err := OpenCameraAt(where); err != nil || open == nil {
			t.Errorf("%s: %v", where, err)
		}
	}
	for _, where := range []string{"video0", "rtsp://cam/stream", "C:\\cam", ""} {
		if _, err := OpenCameraAt(where); err == nil {
			t.Errorf("%q accepted as a camera", where)
		}
	}
	// A device that does not exist fails when the camera opens it, with
	// its name in the error, and Camera retries.
	open, _ := OpenCameraAt("/dev/video-lotse-missing")
	if _, err := open(context.Background()); err == nil || !strings.Contains(err.Error(), "/dev/video-lotse-missing") {
		t.Errorf("missing device: %v", err)
	}
}
