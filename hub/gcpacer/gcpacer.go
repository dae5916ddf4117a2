// Package gcpacer lets the heap of a hub process grow by at least a floor
// between two garbage collections.
//
// Go's default (GOGC=100) collects whenever the heap has doubled since the
// last collection. A hub keeps little alive (12 MB in make bench's call
// run, with 2,100 tickets waiting), so it collected every 12 MB or so:
// 58 times in that run, nine of them among the 600 calls at 10 screens.
// A collection takes part of one of two cores for 2 to 4 ms, and the
// calls it met were the run's slowest: in three runs the hub's p99 stood
// 0.4 to 0.7 ms above its p98, which is what the budget's ratio reads.
// Paced with a floor the run had 11 collections in all. The floor does
// what a heap ballast did, without holding memory; unlike a memory limit
// (the Go GC guide's answer to ballasts) it never makes the collector run
// more often than GOGC=100 would, and a heap bigger than the floor is
// collected as GOGC=100 collects it.
package gcpacer

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// Floor is a hub's headroom: the heap grows by at least 48 MiB between
// collections. With the 12 MB the call run keeps alive, the heap's goal
// is about 60 MB instead of 24 MB: 11 collections in the whole run of
// make bench's call → event instead of 58. The phones' benchmark (2,000
// phones, 100 screens) keeps about 46 MB alive and is paced much as
// before: its hub's resident memory was 175 MB (170 MB unpaced, 191 MB
// with a floor of 64 MiB; the budget is 200 MB).
const Floor = 48 << 20

// Percent is the GOGC percentage that lets a heap with live bytes alive
// grow by at least floor: 100 (the default) once live is floor or more.
func Percent(live, floor uint64) int {
	// The runtime's smallest heap goal is 4 MB times the percentage
	// over 100: a heap counted smaller would raise that minimum beyond
	// the floor (at 1 MB, 6,400 % made the first goal 256 MB).
	const minLive = 4 << 20
	live = max(live, minLive)
	if live >= floor {
		return 100
	}
	return int((floor*100 + live - 1) / live)
}

// Start paces the collector of this process until stop is called, which
// waits for the pacer's goroutine and restores the percentage it found.
// An operator's GOGC wins: with it set, Start does nothing.
//
// The percentage is set after every collection, from the live heap that
// collection found: set once a second instead, a heap that grew from 1 to
// 40 MB between two looks was given 65 times its size as the next goal,
// and the phones' benchmark hub grew to 564 MB. Until the first
// collection (at the runtime's own 4 MB) nothing is known and the default
// stands: a floor set on a guess at the start let the load test's big day
// (50,000 appointments imported at once) grow its heap unmeasured, and its
// unchanged re-sync then took 30 to 89 ms instead of 3 to 7.
func Start(floor uint64) (stop func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	p := &pacer{floor: floor, collected: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	p.before = debug.SetGCPercent(100)
	p.current = 100
	p.arm() // the first collection sets the first percentage
	go p.run()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(p.quit)
			<-p.done
			debug.SetGCPercent(p.before)
		})
	}
}

type pacer struct {
	floor     uint64
	before    int // the percentage before Start
	current   int
	collected chan struct{} // a collection ended
	quit      chan struct{}
	done      chan struct{}
	sample    [1]metrics.Sample
}

// sentinel is an object the pacer lets go of, so that the collection
// that frees it tells the pacer (it holds a pointer, which keeps it out
// of the tiny allocator, whose objects are freed in blocks).
type sentinel struct {
	_ *int
	_ [8]byte
}

// arm makes the next collection signal collected.
func (p *pacer) arm() {
	runtime.AddCleanup(&sentinel{}, func(c chan struct{}) {
		select {
		case c <- struct{}{}:
		default:
		}
	}, p.collected)
}

func (p *pacer) run() {
	defer close(p.done)
	for {
		select {
		case <-p.quit:
			return
		case <-p.collected:
			if p.adjust() {
				debug.SetGCPercent(p.current)
			}
			if afterCollection != nil {
				afterCollection()
			}
			p.arm()
		}
	}
}

// afterCollection, set by the tests, is called once the pacer has looked
// at a collection.
var afterCollection func()

// adjust sets current to the percentage for the live heap now and
// reports whether it changed; a change of less than an eighth keeps
// current (but for a return to the default), so that the runtime's
// pacing is not reset for nothing.
func (p *pacer) adjust() (changed bool) {
	p.sample[0].Name = "/gc/heap/live:bytes"
	metrics.Read(p.sample[:])
	var live uint64
	if p.sample[0].Value.Kind() == metrics.KindUint64 {
		live = p.sample[0].Value.Uint64()
	}
	want := Percent(live, p.floor)
	// The default is the default, not "near it": a heap beyond the floor
	// is collected as GOGC=100 collects it.
	if d := want - p.current; d == 0 || want != 100 && max(d, -d) < p.current/8 {
		return false
	}
	p.current = want
	return true
}
