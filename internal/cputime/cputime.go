// Package cputime reads the CPU time of the calling OS thread, for
// benchmarks on shared machines: wall time measures the neighbours, the
// thread's CPU time the code.
package cputime

import "time"

// Thread returns the CPU time the calling OS thread has used
// (CLOCK_THREAD_CPUTIME_ID, to the nanosecond). Pin the goroutine with
// runtime.LockOSThread around what is measured. Where the clock does not
// exist it returns the wall time since the process started, and Exact
// reports false.
func Thread() time.Duration { return thread() }

// Exact reports whether Thread measures CPU time on this system.
func Exact() bool { return exact }
