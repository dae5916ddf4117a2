//go:build linux

package scanner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"sync"

	"github.com/blackjack/webcam"
)

// V4L2 pixel formats (fourcc codes) that OpenV4L2 can use.
const (
	fourccYUYV = 'Y' | 'U'<<8 | 'Y'<<16 | 'V'<<24
	fourccMJPG = 'M' | 'J'<<8 | 'P'<<16 | 'G'<<24
)

// OpenV4L2 returns an Open function for Camera that captures from a Video4Linux
// device such as /dev/video0 (github.com/blackjack/webcam, pure Go). It asks
// for width×height (640×480 if zero) and prefers YUYV, whose luminance plane
// needs no decoding, over MJPEG.
func OpenV4L2(device string, width, height int) func(context.Context) (Frames, error) {
	if width <= 0 || height <= 0 {
		width, height = 640, 480
	}
	return func(ctx context.Context) (Frames, error) {
		cam, err := webcam.Open(device)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", device, err)
		}
		formats := cam.GetSupportedFormats()
		format := webcam.PixelFormat(0)
		for _, f := range []webcam.PixelFormat{fourccYUYV, fourccMJPG} {
			if _, ok := formats[f]; ok {
				format = f
				break
			}
		}
		if format == 0 {
			cam.Close()
			return nil, fmt.Errorf("%s offers neither YUYV nor MJPEG", device)
		}
		got, w, h, err := cam.SetImageFormat(format, uint32(width), uint32(height))
		if err != nil {
			cam.Close()
			return nil, fmt.Errorf("set format on %s: %w", device, err)
		}
		if err := cam.StartStreaming(); err != nil {
			cam.Close()
			return nil, fmt.Errorf("start streaming on %s: %w", device, err)
		}
		return &v4l2Frames{cam: cam, format: got, width: int(w), height: int(h)}, nil
	}
}

type v4l2Frames struct {
	cam           *webcam.Webcam
	format        webcam.PixelFormat
	width, height int

	// mu is held while Next talks to the device; Close takes it after
	// setting closed, so the device is never closed under a running ioctl.
	// WaitForFrame's 1 s timeout bounds how long Close waits.
	mu     sync.Mutex
	closed bool
}

var errCameraClosed = errors.New("camera closed")

func (v *v4l2Frames) Next() (image.Image, error) {
	for {
		v.mu.Lock()
		if v.closed {
			v.mu.Unlock()
			return nil, errCameraClosed
		}
		err := v.cam.WaitForFrame(1)
		var timeout *webcam.Timeout
		if errors.As(err, &timeout) {
			v.mu.Unlock()
			continue
		}
		if err != nil {
			v.mu.Unlock()
			return nil, fmt.Errorf("wait for frame: %w", err)
		}
		data, index, err := v.cam.GetFrame()
		if err != nil {
			v.mu.Unlock()
			return nil, fmt.Errorf("read frame: %w", err)
		}
		img, convErr := frameImage(data, v.format, v.width, v.height)
		releaseErr := v.cam.ReleaseFrame(index)
		v.mu.Unlock()
		if releaseErr != nil {
			return nil, fmt.Errorf("release frame: %w", releaseErr)
		}
		if convErr != nil || img == nil {
			continue // a short or damaged frame; the next one will do
		}
		return img, nil
	}
}

// Skip takes the next frame from the driver and gives it back unread.
func (v *v4l2Frames) Skip() error {
	for {
		v.mu.Lock()
		if v.closed {
			v.mu.Unlock()
			return errCameraClosed
		}
		err := v.cam.WaitForFrame(1)
		var timeout *webcam.Timeout
		if errors.As(err, &timeout) {
			v.mu.Unlock()
			continue
		}
		if err != nil {
			v.mu.Unlock()
			return fmt.Errorf("wait for frame: %w", err)
		}
		_, index, err := v.cam.GetFrame()
		if err != nil {
			v.mu.Unlock()
			return fmt.Errorf("read frame: %w", err)
		}
		err = v.cam.ReleaseFrame(index)
		v.mu.Unlock()
		if err != nil {
			return fmt.Errorf("release frame: %w", err)
		}
		return nil
	}
}

func (v *v4l2Frames) Close() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return nil
	}
	v.closed = true
	v.cam.StopStreaming()
	return v.cam.Close()
}

// frameImage converts a captured buffer; the result does not alias data,
// which the driver reuses.
func frameImage(data []byte, format webcam.PixelFormat, width, height int) (image.Image, error) {
	switch format {
	case fourccYUYV:
		return yuyvLuminance(data, width, height)
	case fourccMJPG:
		return jpeg.Decode(bytes.NewReader(data))
	}
	return nil, fmt.Errorf("unsupported pixel format %#x", uint32(format))
}

// yuyvLuminance takes the Y samples of packed YUYV (Y0 U Y1 V), all that
// QR decoding needs.
func yuyvLuminance(data []byte, width, height int) (*image.Gray, error) {
	if width <= 0 || height <= 0 || len(data) < 2*width*height {
		return nil, fmt.Errorf("YUYV frame of %d bytes is too short for %dx%d", len(data), width, height)
	}
	img := image.NewGray(image.Rect(0, 0, width, height))
	for i := range img.Pix {
		img.Pix[i] = data[2*i]
	}
	return img, nil
}

func openV4L2Device(device string) (func(context.Context) (Frames, error), error) {
	return OpenV4L2(device, 0, 0), nil
}
