//go:build !linux

package scanner

import (
	"context"
	"fmt"
)

func openV4L2Device(device string) (func(context.Context) (Frames, error), error) {
	return nil, fmt.Errorf("camera %s: Video4Linux devices exist on Linux only", device)
}
