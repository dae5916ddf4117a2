package office

import (
	"time"

	"golang.org/x/sys/unix"
)

// bootClock returns CLOCK_BOOTTIME: monotonic, and running on while the
// machine is suspended.
func bootClock() (func() time.Duration, bool) {
	read := func() (time.Duration, error) {
		var ts unix.Timespec
		err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts)
		return time.Duration(ts.Nano()), err
	}
	if _, err := read(); err != nil {
		return nil, false
	}
	return func() time.Duration {
		d, _ := read() // it worked once; the kernel does not take it back
		return d
	}, true
}
