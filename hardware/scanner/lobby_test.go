package scanner

import (
	"bytes"
	"errors"
	"image/jpeg"
	"runtime"
	"slices"
	"testing"
	"time"

	"lotse/hardware/qr"
	"lotse/internal/cputime"
)

// BenchmarkDecodeLobbyFrame is the cost of what an idle kiosk's camera
// really sees (a lobby, soft and low in noise, through JPEG); the budget is
// 5 ms median per 640×480 frame. cpu-ms-median is the decoding thread's
// CPU time, which holds on a machine shared with other work.
func BenchmarkDecodeLobbyFrame(b *testing.B) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, LobbyFrame(640, 480, 1), &jpeg.Options{Quality: 85}); err != nil {
		b.Fatal(err)
	}
	frame, err := jpeg.Decode(&buf)
	if err != nil {
		b.Fatal(err)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var cpu []time.Duration
	for b.Loop() {
		t0 := cputime.Thread()
		if _, err := qr.Decode(frame); !errors.Is(err, qr.ErrNotFound) {
			b.Fatalf("Decode error = %v, want ErrNotFound", err)
		}
		cpu = append(cpu, cputime.Thread()-t0)
	}
	slices.Sort(cpu)
	b.ReportMetric(float64(cpu[len(cpu)/2])/float64(time.Millisecond), "cpu-ms-median")
}
