package scanner

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"log/slog"
	"time"

	"lotse/hardware/qr"
)

// Frames is a sequence of camera images.
type Frames interface {
	// Next returns the next frame. io.EOF means a finite source (files) is
	// exhausted; any other error means the camera or stream failed.
	Next() (image.Image, error)
	// Close releases the source; it also unblocks a pending Next.
	Close() error
}

// Camera reads QR codes from camera frames. Open is called again with
// backoff whenever the frames fail, so a camera that is unplugged or a
// stream server that restarts is picked up again.
type Camera struct {
	// Name identifies the camera in scans, logs and status, e.g.
	// "camera:http://127.0.0.1:8081/stream".
	Name string
	// Open starts the frames; see OpenImageFiles, OpenJPEGStream and
	// OpenMJPEGURL.
	Open func(ctx context.Context) (Frames, error)
	// MinInterval skips frames that arrive sooner than this after the last
	// decoded one, so a 30 fps camera does not keep a core busy; zero
	// decodes every frame. Skipped frames of sources that implement
	// FrameSkipper are not even decoded from JPEG.
	MinInterval time.Duration
	// IdleInterval is how often frames are looked at while the view stays
	// unchanged and shows no code (an empty lobby); the first change
	// brings back MinInterval. A view unchanged since a look that found
	// no finder patterns is not decoded again. Zero means MinInterval
	// throughout.
	IdleInterval time.Duration
	// Affixes are removed from decoded codes like from any scanner's (see
	// Payload); a code printed for a scanner may carry them.
	Affixes Affixes
	// Dedupe suppresses repeats; a code held under the camera is seen in
	// every frame. nil means a private Deduper.
	Dedupe *Deduper
	// OnStatus, if set, is called from Run's goroutine on state changes.
	OnStatus func(Status)
	// Logger receives connection changes; nil means slog.Default().
	Logger *slog.Logger

	// now is the clock of the frame intervals; nil means time.Now. Tests
	// set it to step through a frame rate without waiting.
	now func() time.Time
}

// FrameSkipper is implemented by Frames that can pass over a frame without
// decoding it; Camera skips the frames it would not look at anyway.
type FrameSkipper interface {
	// Skip consumes the next frame like Next, without decoding it.
	Skip() error
}

// decodeQR is qr.Decode; tests count the frames that reach it.
var decodeQR = qr.Decode

// The intervals a kiosk camera is run with: ten looks a second while
// something moves, four while the lobby is empty and still, so that an
// idle kiosk leaves the CPU alone and a code held up is read within a
// quarter of a second.
const (
	DefaultMinInterval  = 100 * time.Millisecond
	DefaultIdleInterval = 250 * time.Millisecond
)

const (
	cameraBackoffMin = 500 * time.Millisecond
	cameraBackoffMax = 10 * time.Second
)

// Run implements Source. It returns nil when ctx is cancelled or when a
// finite source has delivered its last frame.
func (c *Camera) Run(ctx context.Context, deliver func(Scan)) error {
	if c.Open == nil {
		return errors.New("scanner: camera has no Open function")
	}
	name := c.Name
	if name == "" {
		name = "camera"
	}
	log := loggerOr(c.Logger).With("source", name)
	dedupe := c.Dedupe
	if dedupe == nil {
		dedupe = &Deduper{}
	}
	report := func(state State, err error) {
		if c.OnStatus != nil {
			c.OnStatus(Status{Source: name, State: state, Err: err, At: time.Now()})
		}
	}
	defer report(StateStopped, nil)

	retry := backoff{min: cameraBackoffMin, max: cameraBackoffMax}
	for ctx.Err() == nil {
		report(StateConnecting, nil)
		err := c.session(ctx, name, dedupe, func() {
			report(StateConnected, nil)
			log.Info("camera connected")
		}, func() { retry.reset() }, deliver)
		if ctx.Err() != nil || errors.Is(err, io.EOF) {
			return nil
		}
		report(StateDisconnected, err)
		wait := retry.wait()
		log.Warn("camera unavailable, retrying", "err", err, "retry_in", wait)
		if !sleep(ctx, wait) {
			break
		}
	}
	return nil
}

func (c *Camera) session(ctx context.Context, name string, dedupe *Deduper,
	connected, gotFrame func(), deliver func(Scan)) error {
	frames, err := c.Open(ctx)
	if err != nil {
		// An error wrapping io.EOF means the source is exhausted for good.
		return fmt.Errorf("open camera: %w", err)
	}
	// Close on cancel so that a Next blocked on a silent stream returns.
	stop := context.AfterFunc(ctx, func() { frames.Close() })
	defer func() {
		if stop() {
			frames.Close()
		}
	}()
	connected()
	clock := c.now
	if clock == nil {
		clock = time.Now
	}
	skipper, _ := frames.(FrameSkipper)
	var (
		lastLook time.Time
		still    stillDetector
		empty    bool // the last look found no finder patterns
		idle     bool // … and the view had not changed
	)
	for ctx.Err() == nil {
		interval := c.MinInterval
		if idle {
			interval = max(interval, c.IdleInterval)
		}
		if skipper != nil && interval > 0 && clock().Sub(lastLook) < interval {
			if err := skipper.Skip(); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
			gotFrame()
			continue
		}
		img, err := frames.Next()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		gotFrame()
		now := clock()
		if interval > 0 && now.Sub(lastLook) < interval {
			continue
		}
		lastLook = now
		changed := still.changed(img)
		if !changed && empty {
			idle = true
			continue
		}
		code, err := decodeQR(img)
		empty = errors.Is(err, qr.ErrNoFinderPatterns)
		idle = empty && !changed
		if err != nil {
			// Most frames show no code; that is the normal case.
			continue
		}
		code = Payload(code, c.Affixes)
		if code == "" {
			continue
		}
		if dedupe.Fresh(code, now) {
			deliver(Scan{Code: code, Source: name, At: now})
		}
	}
	return nil
}
