package cputime

import (
	"runtime"
	"testing"
	"time"
)

// TestThreadCountsWorkNotWaiting: a thread that spins gains CPU time, one
// that sleeps does not (whatever the neighbours take of the machine).
func TestThreadCountsWorkNotWaiting(t *testing.T) {
	if !Exact() {
		t.Skip("no thread CPU clock on this system")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	t0 := Thread()
	for deadline := time.Now().Add(10 * time.Second); Thread()-t0 < 5*time.Millisecond; {
		if time.Now().After(deadline) {
			t.Fatalf("10 s of spinning and the thread's clock moved %v", Thread()-t0)
		}
	}
	t1 := Thread()
	time.Sleep(20 * time.Millisecond)
	slept := Thread() - t1
	if slept > 5*time.Millisecond {
		t.Fatalf("sleeping 20 ms used %v of the thread's CPU time", slept)
	}
}
