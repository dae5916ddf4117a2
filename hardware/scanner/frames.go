package scanner

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	_ "image/png" // image files may be PNG screenshots
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// OpenImageFiles returns an Open function for Camera that yields the given
// image files (JPEG or PNG) once each, in order: a camera for tests, demos
// and checking a photo someone brought.
func OpenImageFiles(paths ...string) func(context.Context) (Frames, error) {
	return func(context.Context) (Frames, error) {
		return &imageFiles{paths: paths}, nil
	}
}

type imageFiles struct {
	paths []string
}

func (f *imageFiles) Next() (image.Image, error) {
	if len(f.paths) == 0 {
		return nil, io.EOF
	}
	path := f.paths[0]
	f.paths = f.paths[1:]
	file, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open frame: %w", err)
	}
	defer file.Close()
	img, _, err := image.Decode(file)
	if err != nil {
		return nil, fmt.Errorf("decode frame %s: %w", path, err)
	}
	return img, nil
}

// Skip passes over the next file without reading it.
func (f *imageFiles) Skip() error {
	if len(f.paths) == 0 {
		return io.EOF
	}
	f.paths = f.paths[1:]
	return nil
}

func (f *imageFiles) Close() error { return nil }

// OpenJPEGStream returns an Open function for Camera reading JPEG frames
// from r: concatenated JPEG files or an MJPEG multipart body (the text
// between frames is skipped). It can be opened once; the stream's end is
// io.EOF.
func OpenJPEGStream(r io.ReadCloser) func(context.Context) (Frames, error) {
	var once sync.Once
	return func(context.Context) (Frames, error) {
		var frames Frames
		once.Do(func() { frames = NewJPEGFrames(r) })
		if frames == nil {
			// The reader is gone; io.EOF tells Camera there is no more.
			return nil, fmt.Errorf("JPEG stream already consumed: %w", io.EOF)
		}
		return frames, nil
	}
}

// ErrStreamEnded is returned by frames read from a network stream when the
// server closes it; unlike io.EOF, Camera reconnects.
var ErrStreamEnded = errors.New("camera stream ended")

// OpenMJPEGURL returns an Open function for Camera that requests an MJPEG
// stream over HTTP (as IP cameras and webcam servers such as mjpg-streamer
// or ustreamer serve it) and reconnects when it ends.
func OpenMJPEGURL(url string) func(context.Context) (Frames, error) {
	return func(ctx context.Context) (Frames, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, fmt.Errorf("camera request: %w", err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, fmt.Errorf("camera stream: %w", err)
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			return nil, fmt.Errorf("camera stream: HTTP %s", resp.Status)
		}
		return &networkFrames{NewJPEGFrames(resp.Body)}, nil
	}
}

type networkFrames struct{ *JPEGFrames }

func (n *networkFrames) Next() (image.Image, error) {
	img, err := n.JPEGFrames.Next()
	if errors.Is(err, io.EOF) {
		return nil, ErrStreamEnded
	}
	return img, err
}

func (n *networkFrames) Skip() error {
	err := n.JPEGFrames.Skip()
	if errors.Is(err, io.EOF) {
		return ErrStreamEnded
	}
	return err
}

// MaxJPEGFrameSize bounds one frame so that a broken stream cannot make the
// reader buffer without end.
const MaxJPEGFrameSize = 8 << 20

// JPEGFrames splits a byte stream into JPEG images by walking the JPEG
// marker structure (SOI, segments with lengths, entropy-coded data up to
// EOI), so an EOI inside an embedded thumbnail does not cut a frame short
// and anything between frames (multipart headers) is skipped.
type JPEGFrames struct {
	r      *bufio.Reader
	closer io.Closer
	frame  bytes.Buffer
}

// NewJPEGFrames reads frames from r; Close closes r.
func NewJPEGFrames(r io.ReadCloser) *JPEGFrames {
	return &JPEGFrames{r: bufio.NewReaderSize(r, 64<<10), closer: r}
}

// Next returns the next decodable frame. Frames that are cut or corrupt
// are skipped; io.EOF (or the reader's error) ends the stream.
func (j *JPEGFrames) Next() (image.Image, error) {
	for {
		data, err := j.NextBytes()
		if err != nil {
			return nil, err
		}
		img, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			continue // a damaged frame; the next one will do
		}
		return img, nil
	}
}

// Skip reads past the next frame without decoding it: decoding a 640×480
// JPEG costs more than looking at it for a code.
func (j *JPEGFrames) Skip() error {
	_, err := j.NextBytes()
	return err
}

// Close closes the underlying reader.
func (j *JPEGFrames) Close() error { return j.closer.Close() }

// errCorruptFrame marks a frame that is cut, damaged or beyond
// MaxJPEGFrameSize; the reader skips to the next SOI instead of failing the
// whole stream.
var errCorruptFrame = errors.New("corrupt JPEG frame")

// NextBytes returns the bytes of the next complete JPEG, from SOI to EOI.
// The slice is valid until the next call.
func (j *JPEGFrames) NextBytes() ([]byte, error) {
	for {
		if err := j.findSOI(); err != nil {
			return nil, err
		}
		err := j.readFrame()
		if errors.Is(err, errCorruptFrame) {
			continue
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, io.EOF // the stream ended inside a frame
		}
		if err != nil {
			return nil, err
		}
		return j.frame.Bytes(), nil
	}
}

func (j *JPEGFrames) findSOI() error {
	for {
		b, err := j.r.ReadByte()
		if err != nil {
			return err
		}
		if b != 0xFF {
			continue
		}
		next, err := j.r.Peek(1)
		if err != nil {
			return err
		}
		if next[0] == 0xD8 {
			j.r.ReadByte()
			j.frame.Reset()
			j.frame.Write([]byte{0xFF, 0xD8})
			return nil
		}
	}
}

// readFrame reads segments after SOI until EOI.
func (j *JPEGFrames) readFrame() error {
	marker, err := j.readMarker()
	for {
		if err != nil {
			return err
		}
		switch {
		case marker == 0xD9: // EOI
			return nil
		case marker == 0xD8: // SOI inside a frame: the frame was cut; restart
			j.frame.Reset()
			j.frame.Write([]byte{0xFF, 0xD8})
			marker, err = j.readMarker()
			continue
		case marker >= 0xD0 && marker <= 0xD7 || marker == 0x01:
			marker, err = j.readMarker() // no length
			continue
		}
		if err := j.copySegment(); err != nil {
			return err
		}
		if marker == 0xDA { // SOS: entropy-coded data up to the next marker
			marker, err = j.copyScan()
		} else {
			marker, err = j.readMarker()
		}
	}
}

func (j *JPEGFrames) readMarker() (byte, error) {
	b, err := j.r.ReadByte()
	if err != nil {
		return 0, err
	}
	if b != 0xFF {
		return 0, fmt.Errorf("JPEG marker expected, got %#x: %w", b, errCorruptFrame)
	}
	for {
		m, err := j.r.ReadByte()
		if err != nil {
			return 0, err
		}
		if m == 0xFF {
			continue // fill bytes
		}
		j.frame.Write([]byte{0xFF, m})
		return m, nil
	}
}

func (j *JPEGFrames) copySegment() error {
	var lenBytes [2]byte
	if _, err := io.ReadFull(j.r, lenBytes[:]); err != nil {
		return err
	}
	n := int(lenBytes[0])<<8 | int(lenBytes[1])
	if n < 2 {
		return fmt.Errorf("JPEG segment length %d: %w", n, errCorruptFrame)
	}
	if j.frame.Len()+n > MaxJPEGFrameSize {
		return errCorruptFrame
	}
	j.frame.Write(lenBytes[:])
	_, err := io.CopyN(&j.frame, j.r, int64(n-2))
	return err
}

// copyScan copies entropy-coded data up to the next marker that is neither
// a stuffed 0xFF00 nor a restart marker, and returns that marker.
func (j *JPEGFrames) copyScan() (byte, error) {
	for {
		b, err := j.r.ReadByte()
		if err != nil {
			return 0, err
		}
		if j.frame.Len() >= MaxJPEGFrameSize {
			return 0, errCorruptFrame
		}
		if b != 0xFF {
			j.frame.WriteByte(b)
			continue
		}
		next, err := j.r.ReadByte()
		if err != nil {
			return 0, err
		}
		switch {
		case next == 0x00 || next >= 0xD0 && next <= 0xD7:
			j.frame.WriteByte(b)
			j.frame.WriteByte(next)
		case next == 0xFF:
			// b was a fill byte; next may start the marker.
			if err := j.r.UnreadByte(); err != nil {
				return 0, err
			}
		default:
			j.frame.Write([]byte{0xFF, next})
			return next, nil
		}
	}
}

// DefaultFileFPS is the frame rate at which a camera file is played when
// its name does not say.
const DefaultFileFPS = 15

// OpenCameraAt returns the Open function for a camera named the way an
// installation's configuration names it: a Video4Linux device path
// ("/dev/video0", 640×480), the URL of an MJPEG stream ("http://…"), or
// a file played in a loop like a camera ("file:lobby.mjpg", at
// DefaultFileFPS; "file:lobby.mjpg?fps=5").
func OpenCameraAt(where string) (func(context.Context) (Frames, error), error) {
	switch {
	case strings.HasPrefix(where, "/dev/"):
		return openV4L2Device(where)
	case strings.HasPrefix(where, "http://"), strings.HasPrefix(where, "https://"):
		return OpenMJPEGURL(where), nil
	case strings.HasPrefix(where, "file:"):
		path, rate, hasRate := strings.Cut(strings.TrimPrefix(where, "file:"), "?fps=")
		fps := float64(DefaultFileFPS)
		if hasRate {
			f, err := strconv.ParseFloat(rate, 64)
			if err != nil || f <= 0 || f > 1000 {
				return nil, fmt.Errorf("camera %q: fps wants a number between 0 and 1000", where)
			}
			fps = f
		}
		if path == "" {
			return nil, fmt.Errorf("camera %q: the file is missing after \"file:\"", where)
		}
		return OpenFrameFile(path, fps), nil
	default:
		return nil, fmt.Errorf("camera %q: want a device such as /dev/video0, an MJPEG stream URL (http://…) or file:PATH", where)
	}
}

// OpenFrameFile returns an Open function for Camera that plays a file in a
// loop at fps frames a second, as a camera delivers them: an MJPEG file
// (concatenated JPEG frames, as a saved camera stream or a video converted
// to MJPEG is), or one JPEG or PNG image shown as a still view. It stands in
// for a camera in demos, tests and benchmarks; fps ≤ 0 delivers frames as
// fast as they are read.
func OpenFrameFile(path string, fps float64) func(context.Context) (Frames, error) {
	return func(context.Context) (Frames, error) {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("camera file: %w", err)
		}
		var frames [][]byte
		split := NewJPEGFrames(io.NopCloser(bytes.NewReader(data)))
		for {
			b, err := split.NextBytes()
			if err != nil {
				break
			}
			frames = append(frames, bytes.Clone(b))
		}
		if len(frames) == 0 {
			if _, _, err := image.DecodeConfig(bytes.NewReader(data)); err != nil {
				return nil, fmt.Errorf("camera file %s: neither MJPEG nor an image: %w", path, err)
			}
			frames = [][]byte{data}
		}
		f := &fileFrames{frames: frames, done: make(chan struct{})}
		if fps > 0 {
			f.period = time.Duration(float64(time.Second) / fps)
			f.due = time.Now()
		}
		return f, nil
	}
}

// errFramesClosed ends a Next or Skip of frames that were closed.
var errFramesClosed = errors.New("camera frames closed")

type fileFrames struct {
	frames [][]byte
	i      int
	period time.Duration
	due    time.Time
	done   chan struct{}
	once   sync.Once
}

// wait paces the frames like a camera's clock and returns the next one.
func (f *fileFrames) wait() ([]byte, error) {
	if f.period > 0 {
		if d := time.Until(f.due); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-f.done:
				t.Stop()
				return nil, errFramesClosed
			}
		}
		f.due = f.due.Add(f.period)
		if behind := time.Since(f.due); behind > f.period {
			// A slow reader drops frames like a camera, it does not get a burst.
			f.due = time.Now().Add(f.period)
		}
	}
	select {
	case <-f.done:
		return nil, errFramesClosed
	default:
	}
	data := f.frames[f.i]
	f.i = (f.i + 1) % len(f.frames)
	return data, nil
}

func (f *fileFrames) Next() (image.Image, error) {
	data, err := f.wait()
	if err != nil {
		return nil, err
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("decode camera file frame: %w", err)
	}
	return img, nil
}

// Skip passes over the next frame without decoding it.
func (f *fileFrames) Skip() error {
	_, err := f.wait()
	return err
}

func (f *fileFrames) Close() error {
	f.once.Do(func() { close(f.done) })
	return nil
}
