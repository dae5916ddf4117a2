package gcpacer

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

func TestPercent(t *testing.T) {
	const mib = 1 << 20
	tests := []struct {
		name  string
		live  uint64
		floor uint64
		want  int
	}{
		{"a demo office: the heap may grow by the floor", 16 * mib, 64 * mib, 400},
		{"a small heap", 12 * mib, 64 * mib, 534}, // rounded up: at least the floor
		{"nothing measured yet: counted as 4 MiB", 0, 64 * mib, 1600},
		{"below the runtime's minimum: counted as 4 MiB", 2 * mib, 64 * mib, 1600},
		{"at the floor: the default", 64 * mib, 64 * mib, 100},
		{"beyond the floor: the default, never less", 500 * mib, 64 * mib, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Percent(tt.live, tt.floor)
			if got != tt.want {
				t.Errorf("Percent(%d MiB, %d MiB) = %d, want %d", tt.live/mib, tt.floor/mib, got, tt.want)
			}
			if live := max(tt.live, 4*mib); live < tt.floor && live*uint64(got)/100 < tt.floor {
				t.Errorf("headroom %d MiB, want at least %d MiB", live*uint64(got)/100/mib, tt.floor/mib)
			}
		})
	}
}

// TestStartAndStop: Start keeps the default until a collection has
// measured the live heap, then sets a percentage above it for a process
// that keeps little alive; stop gives back the one it found.
func TestStartAndStop(t *testing.T) {
	t.Setenv("GOGC", "")
	before := debug.SetGCPercent(77)
	defer debug.SetGCPercent(before)
	looked := watch(t)
	stop := Start(1 << 40) // a floor no test process reaches
	if got := gogc(); got != 100 {
		t.Errorf("percentage before a collection = %d, want the default 100", got)
	}
	collect(t, looked)
	if got := gogc(); got <= 100 {
		t.Errorf("percentage after a collection = %d, want above 100", got)
	}
	stop()
	stop() // a second stop does nothing
	if got := debug.SetGCPercent(before); got != 77 {
		t.Errorf("percentage after stop = %d, want the 77 found", got)
	}
}

// TestOperatorsGOGCWins: with GOGC set, Start leaves the collector alone.
func TestOperatorsGOGCWins(t *testing.T) {
	t.Setenv("GOGC", "150")
	before := debug.SetGCPercent(150)
	defer debug.SetGCPercent(before)
	stop := Start(1 << 40)
	defer stop()
	if got := debug.SetGCPercent(150); got != 150 {
		t.Errorf("percentage with GOGC=150 = %d, want 150", got)
	}
}

// TestPercentFollowsTheLiveHeap: after a collection that finds more alive
// than the floor, the percentage is the default again.
func TestPercentFollowsTheLiveHeap(t *testing.T) {
	t.Setenv("GOGC", "")
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	looked := watch(t)
	const mib = 1 << 20
	stop := Start(64 * mib)
	defer stop()
	collect(t, looked)
	if got := gogc(); got <= 100 {
		t.Fatalf("percentage with little alive = %d, want above 100", got)
	}
	alive := make([][]byte, 0, 128)
	for range 128 {
		alive = append(alive, make([]byte, mib))
	}
	// A look may still be due to a collection before the heap grew.
	for try := 0; gogc() != 100; try++ {
		if try == 3 {
			t.Fatalf("percentage after %d collections with 128 MiB alive = %d, want 100", try, gogc())
		}
		collect(t, looked)
	}
	runtime.KeepAlive(alive)
}

// watch tells of every look of the pacer at a collection, until the test
// ends.
func watch(t *testing.T) <-chan struct{} {
	looked := make(chan struct{}, 1)
	afterCollection = func() {
		select {
		case looked <- struct{}{}:
		default:
		}
	}
	t.Cleanup(func() { afterCollection = nil })
	return looked
}

// collect runs a collection and waits for the pacer's look at it.
func collect(t *testing.T, looked <-chan struct{}) {
	t.Helper()
	runtime.GC()
	select {
	case <-looked:
	case <-time.After(10 * time.Second): // a guard, not a timing: the pacer never looked
		t.Fatalf("no look at a collection; percentage %d", gogc())
	}
}

// gogc is the runtime's percentage, read without changing it.
func gogc() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int(s[0].Value.Uint64())
}
