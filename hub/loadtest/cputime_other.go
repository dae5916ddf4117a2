//go:build !linux

package main

import "time"

var cpuStart = time.Now()

// threadCPU falls back to wall time where the thread's CPU clock is not at
// hand; the figures then include the neighbours' load.
func threadCPU() time.Duration { return time.Since(cpuStart) }
