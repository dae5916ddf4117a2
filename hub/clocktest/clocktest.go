// Package clocktest provides a settable clock for tests: the hub takes its
// time from a func() time.Time, and tests pass Clock.Now to move through a
// day without waiting for it.
//
// The clock has two faces, like a real machine's: the wall clock (Now),
// which NTP or an operator can set to anything, and the time that really
// passed (Elapsed, the monotonic clock). Advance is time passing and moves
// both; Set is a jump of the wall clock and moves only Now.
package clocktest

import (
	"sync"
	"time"
)

// Clock is a clock that moves only when told. It is safe for concurrent use.
type Clock struct {
	mu   sync.Mutex
	t    time.Time
	mono time.Duration
}

// New returns a clock standing at t.
func New(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Elapsed returns the time that really passed since New: the sum of every
// Advance. A jump of the wall clock (Set) does not move it.
func (c *Clock) Elapsed() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mono
}

// Advance lets d pass: the wall clock and Elapsed move forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mono += d
	c.mu.Unlock()
}

// Set puts the wall clock at t, as NTP correcting a bad real-time clock or
// an operator would: no time passes, Elapsed stays.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}
