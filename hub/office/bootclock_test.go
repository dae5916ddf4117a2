package office

import (
	"testing"
	"time"
)

// TestMonotonicMovesWithTime: the machine's monotonic clock starts near
// zero and moves forward with real time.
func TestMonotonicMovesWithTime(t *testing.T) {
	elapsed := Monotonic()
	a := elapsed()
	if a < 0 || a > time.Minute {
		t.Fatalf("first value %s", a)
	}
	wall := time.Now()
	for time.Since(wall) < time.Millisecond {
	}
	if b := elapsed(); b < a+time.Millisecond/2 || b > a+time.Minute {
		t.Fatalf("after a millisecond: %s, then %s", a, b)
	}
}
