package api

import "time"

// The reconnect policy of every stream client (the Fyne board here, the web
// board in hub/server/web/display/display.js with the same numbers): wait
// ReconnectMin after a lost connection, double the wait after each failed
// attempt up to ReconnectMax, and start again at ReconnectMin once a
// connection brought a message. The cap is low on purpose: after a hub
// restart a board must show the hub's state within 3 s.
const (
	ReconnectMin = 500 * time.Millisecond
	ReconnectMax = 2 * time.Second
)

// Backoff is the wait between a stream client's reconnect attempts. The
// zero value follows ReconnectMin and ReconnectMax. It is not safe for
// concurrent use.
type Backoff struct {
	// Min and Max bound the wait; zero (or a Max below Min) means the
	// defaults. Tests shorten them.
	Min, Max time.Duration
	next     time.Duration
}

// Next returns the wait before the next attempt and doubles the one after.
func (b *Backoff) Next() time.Duration {
	lo, hi := b.Min, b.Max
	if lo <= 0 {
		lo = ReconnectMin
	}
	if hi < lo {
		hi = max(ReconnectMax, lo)
	}
	if b.next < lo {
		b.next = lo
	}
	wait := min(b.next, hi)
	b.next = min(2*wait, hi)
	return wait
}

// Reset starts the waits again at Min: the hub answered.
func (b *Backoff) Reset() { b.next = 0 }
