//go:build linux

package scanner

import (
	"context"
	"path/filepath"
	"testing"
)

func TestYUYVLuminance(t *testing.T) {
	// 2×2 pixels: Y values 10, 20, 30, 40 with arbitrary chroma between.
	data := []byte{10, 128, 20, 128, 30, 99, 40, 99}
	img, err := yuyvLuminance(data, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := img.Pix; string(got) != string([]byte{10, 20, 30, 40}) {
		t.Errorf("luminance = %v", got)
	}
	if _, err := yuyvLuminance(data[:6], 2, 2); err == nil {
		t.Error("short frame accepted")
	}
}

// A real webcam is not available in CI; opening a missing device must fail
// cleanly so that Camera reports it and retries.
func TestOpenV4L2MissingDevice(t *testing.T) {
	open := OpenV4L2(filepath.Join(t.TempDir(), "video0"), 0, 0)
	if _, err := open(context.Background()); err == nil {
		t.Error("opening a missing camera succeeded")
	}
}
