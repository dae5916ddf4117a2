//go:build !linux

package office

import "time"

// bootClock reports that there is no clock counting suspend beyond Go's
// own monotonic clock.
func bootClock() (func() time.Duration, bool) { return nil, false }
