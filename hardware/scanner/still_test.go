package scanner

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/draw"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"lotse/hardware/qr"
)

// fakeClock is the camera's clock in tests: the frames move it on.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// scriptedFrames delivers frame(i) for i = 0 … n-1 at a frame rate on the
// fake clock, then io.EOF, and counts how many frames were decoded (Next)
// and how many passed over (Skip).
type scriptedFrames struct {
	clock        *fakeClock
	period       time.Duration
	n, i         int
	frame        func(i int) image.Image
	nexts, skips int
}

func (s *scriptedFrames) Next() (image.Image, error) {
	if s.i >= s.n {
		return nil, io.EOF
	}
	s.clock.advance(s.period)
	s.nexts++
	s.i++
	return s.frame(s.i - 1), nil
}

func (s *scriptedFrames) Close() error { return nil }

// skippingFrames adds Skip.
type skippingFrames struct{ *scriptedFrames }

func (s skippingFrames) Skip() error {
	if s.i >= s.n {
		return io.EOF
	}
	s.clock.advance(s.period)
	s.skips++
	s.i++
	return nil
}

// countDecodes counts the frames that reach the QR decoder.
func countDecodes(t *testing.T) *int {
	t.Helper()
	n := new(int)
	var mu sync.Mutex
	t.Cleanup(func() { decodeQR = qr.Decode })
	decodeQR = func(img image.Image) (string, error) {
		mu.Lock()
		*n++
		mu.Unlock()
		return qr.Decode(img)
	}
	return n
}

// lobbyWithCode is a lobby frame with a code held into it.
func lobbyWithCode(t testing.TB, code string, seed uint64) image.Image {
	t.Helper()
	frame := LobbyFrame(640, 480, seed)
	img, err := qr.Encode(code, 200)
	if err != nil {
		t.Fatal(err)
	}
	draw.Draw(frame, img.Bounds().Add(image.Pt(220, 140)), img, image.Point{}, draw.Src)
	return frame
}

// TestCameraSkipsUnchangedFrames: a view that has not changed since a look
// that found no finder patterns is not decoded again; sensor noise is no
// change, a code held into the view is.
func TestCameraSkipsUnchangedFrames(t *testing.T) {
	decodes := countDecodes(t)
	codeFrame := lobbyWithCode(t, "LOTSE:7:g", 1)
	tests := []struct {
		name        string
		frames      func(i int) image.Image
		n           int
		wantDecodes int
		wantCodes   string
	}{
		{"empty lobby", func(i int) image.Image { return LobbyFrame(640, 480, uint64(i)) }, 20, 1, "[]"},
		{"a code comes and stays", func(i int) image.Image {
			if i < 10 {
				return LobbyFrame(640, 480, uint64(i))
			}
			return codeFrame
		}, 15, 1 + 5, "[LOTSE:7:g]"}, // a view with a code is looked at every time
		{"the code goes again", func(i int) image.Image {
			if i >= 5 && i < 8 {
				return codeFrame
			}
			return LobbyFrame(640, 480, uint64(i))
		}, 20, 1 + 3 + 1, "[LOTSE:7:g]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			*decodes = 0
			clock := &fakeClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
			frames := &scriptedFrames{clock: clock, period: time.Second / 15, n: tt.n, frame: tt.frames}
			rec := newRecorder()
			cam := &Camera{
				Open:   func(context.Context) (Frames, error) { return frames, nil },
				Logger: quietLogger(),
				now:    clock.now,
			}
			if err := cam.Run(context.Background(), rec.deliver); err != nil {
				t.Fatal(err)
			}
			if *decodes != tt.wantDecodes {
				t.Errorf("%d of %d frames decoded, want %d", *decodes, tt.n, tt.wantDecodes)
			}
			if got := fmt.Sprint(rec.codes()); got != tt.wantCodes {
				t.Errorf("codes = %s, want %s", got, tt.wantCodes)
			}
		})
	}
}

// TestCameraIdleRate: while the view stays empty the camera looks only
// every IdleInterval and passes over the other frames without decoding
// their JPEG; a code held into the view is read within one idle interval
// and brings the short interval back.
func TestCameraIdleRate(t *testing.T) {
	countDecodes(t)
	const fps = 15
	codeFrame := lobbyWithCode(t, "LOTSE:8:h", 1)
	codeFrom := 3 * fps // after three seconds of empty lobby
	clock := &fakeClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	script := &scriptedFrames{clock: clock, period: time.Second / fps, n: codeFrom + fps, frame: func(i int) image.Image {
		if i >= codeFrom {
			return codeFrame
		}
		return LobbyFrame(640, 480, uint64(i))
	}}
	var delivered time.Time
	cam := &Camera{
		Open:         func(context.Context) (Frames, error) { return skippingFrames{script}, nil },
		MinInterval:  100 * time.Millisecond,
		IdleInterval: 250 * time.Millisecond,
		Logger:       quietLogger(),
		now:          clock.now,
	}
	start := clock.now()
	codeShown := start.Add(time.Duration(codeFrom+1) * script.period)
	if err := cam.Run(context.Background(), func(s Scan) {
		if delivered.IsZero() {
			delivered = s.At
		}
	}); err != nil {
		t.Fatal(err)
	}
	if delivered.IsZero() {
		t.Fatal("the code was never read")
	}
	if lag := delivered.Sub(codeShown); lag > 250*time.Millisecond+script.period {
		t.Errorf("code read %v after it was shown, want within the idle interval", lag)
	}
	// Three idle seconds at about four looks a second, then the code's
	// second at ten: far fewer than the 45+15 frames, fewer than the
	// 30+10 of MinInterval alone.
	if script.nexts > 12+1+10 {
		t.Errorf("%d frames decoded from JPEG, %d passed over; want at most %d decoded", script.nexts, script.skips, 12+1+10)
	}
	if script.nexts+script.skips != script.n {
		t.Errorf("%d decoded + %d skipped frames, want all %d consumed", script.nexts, script.skips, script.n)
	}
}

// TestCameraFile plays an MJPEG file as a camera, in a loop, as the kiosk's
// camera = "file:…" does.
func TestCameraFile(t *testing.T) {
	var mjpeg bytes.Buffer
	for _, code := range []string{"", "LOTSE:9:i", ""} {
		mjpeg.Write(cameraFrame(t, code))
	}
	path := filepath.Join(t.TempDir(), "lobby.mjpg")
	if err := os.WriteFile(path, mjpeg.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	open, err := OpenCameraAt("file:" + path + "?fps=1000")
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	cam := &Camera{Open: open, Dedupe: &Deduper{Window: time.Nanosecond}, Logger: quietLogger()}
	stop := runSource(t, cam, rec)
	rec.waitFor(t, "the code twice (the file loops)", func() bool { return rec.count("LOTSE:9:i") >= 2 })
	stop()

	for _, bad := range []string{"file:", "file:x.mjpg?fps=0", "file:x.mjpg?fps=many"} {
		if _, err := OpenCameraAt(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	still := filepath.Join(t.TempDir(), "still.jpg")
	if err := os.WriteFile(still, cameraFrame(t, "LOTSE:10:j"), 0o644); err != nil {
		t.Fatal(err)
	}
	frames, err := OpenFrameFile(still, 0)(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		img, err := frames.Next()
		if err != nil {
			t.Fatal(err)
		}
		if code, err := qr.Decode(img); err != nil || code != "LOTSE:10:j" {
			t.Fatalf("still frame: %q, %v", code, err)
		}
	}
	frames.Close()
	if _, err := frames.Next(); err == nil {
		t.Error("Next after Close succeeded")
	}
	if _, err := OpenFrameFile(filepath.Join(t.TempDir(), "missing"), 0)(context.Background()); err == nil {
		t.Error("missing file opened")
	}
}

func TestStillDetector(t *testing.T) {
	base := LobbyFrame(640, 480, 1)
	withPhone := LobbyFrame(640, 480, 2)
	// A phone's screen, 70×120 pixels, at the edge of the view.
	draw.Draw(withPhone, image.Rect(560, 300, 630, 420), image.White, image.Point{}, draw.Src)
	dimmed := LobbyFrame(640, 480, 3)
	for i, v := range dimmed.Pix {
		dimmed.Pix[i] = v - min(v, 10)
	}
	tests := []struct {
		name string
		next image.Image
		want bool
	}{
		{"sensor noise", LobbyFrame(640, 480, 4), false},
		{"the same frame", base, false},
		{"a phone at the edge", withPhone, true},
		{"light dimmed", dimmed, true},
		{"another size", LobbyFrame(320, 240, 1), true},
		{"as RGBA", rgba(LobbyFrame(640, 480, 5)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s stillDetector
			if !s.changed(base) {
				t.Error("first frame not counted as changed")
			}
			if got := s.changed(tt.next); got != tt.want {
				t.Errorf("changed = %v, want %v", got, tt.want)
			}
		})
	}
}

func rgba(g *image.Gray) *image.RGBA {
	out := image.NewRGBA(g.Bounds())
	draw.Draw(out, out.Bounds(), g, image.Point{}, draw.Src)
	return out
}
