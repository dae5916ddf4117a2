// Package scanner turns the QR scanners an office can buy into one stream of
// scanned codes for the kiosk.
//
// Three kinds of hardware are covered: scanners on a (USB) serial port
// (Serial), scanners that type like a keyboard (WedgeDetector, fed by the
// kiosk's key events) and cameras (Camera). Serial and Camera implement
// Source; all of them apply the same rule against double scans (Deduper).
//
// A scanned code is a personal secret (it checks a citizen in), so this
// package never logs code content, only lengths and reasons.
package scanner

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Scan is one code read by a scanner.
type Scan struct {
	// Code is the decoded text, without line terminator or symbology prefix.
	Code string
	// Source names the device, e.g. "serial:/dev/ttyACM0" or "camera".
	Source string
	// At is when the code was complete.
	At time.Time
}

// Source is a scanner that delivers codes until its context ends.
type Source interface {
	// Run calls deliver for every new code, from Run's goroutine, until ctx
	// is cancelled; deliver should hand the scan on quickly. Hardware
	// failures are retried inside Run and reported through the source's
	// status callback, so Run only returns early for a configuration error
	// or a source that has nothing more to give.
	Run(ctx context.Context, deliver func(Scan)) error
}

// State is the connection state of a source.
type State int

// The states a Source reports through its status callback.
const (
	// StateConnecting means the device is being opened.
	StateConnecting State = iota
	// StateConnected means the device is open and codes can be scanned.
	StateConnected
	// StateDisconnected means the device is missing or failed; the source
	// retries with backoff. Status.Err says why.
	StateDisconnected
	// StateStopped means Run has returned.
	StateStopped
)

// String returns the state's name for logs and the kiosk's service screen.
func (s State) String() string {
	switch s {
	case StateConnecting:
		return "connecting"
	case StateConnected:
		return "connected"
	case StateDisconnected:
		return "disconnected"
	case StateStopped:
		return "stopped"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Status is a change of a source's connection state.
type Status struct {
	Source string
	State  State
	// Err is why the source is disconnected; nil otherwise.
	Err error
	At  time.Time
}

// DefaultDedupeWindow is how long the same code is suppressed after it was
// last seen. Scanners in continuous mode and cameras see a held code many
// times; a citizen who scans twice in a hurry must still get one ticket
// request.
const DefaultDedupeWindow = 2 * time.Second

// Deduper suppresses a code seen again within Window of its last sighting.
// Because every sighting extends the window, a code held under a camera is
// delivered once, and again only after it was out of view for Window.
// The zero value uses DefaultDedupeWindow. It is safe for concurrent use so
// that several sources can share one.
type Deduper struct {
	// Window is the suppression time; zero means DefaultDedupeWindow.
	Window time.Duration

	mu   sync.Mutex
	seen map[string]time.Time
}

// Fresh reports whether code should be delivered at now, and records the
// sighting.
func (d *Deduper) Fresh(code string, now time.Time) bool {
	window := d.Window
	if window <= 0 {
		window = DefaultDedupeWindow
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.seen == nil {
		d.seen = make(map[string]time.Time)
	}
	// Forget old sightings so the map cannot grow with every visitor and
	// secrets do not linger in memory longer than needed.
	for c, at := range d.seen {
		if now.Sub(at) >= window {
			delete(d.seen, c)
		}
	}
	last, ok := d.seen[code]
	d.seen[code] = now
	return !ok || now.Sub(last) >= window
}

// backoff yields growing waits between reconnect attempts, so an unplugged
// scanner costs almost nothing while a replugged one is back within seconds.
type backoff struct {
	min, max time.Duration
	next     time.Duration
}

func (b *backoff) wait() time.Duration {
	if b.next < b.min {
		b.next = b.min
	}
	d := b.next
	b.next = min(2*b.next, b.max)
	return d
}

func (b *backoff) reset() { b.next = b.min }

// sleep waits d or until ctx ends; it reports whether ctx is still alive.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func loggerOr(l *slog.Logger) *slog.Logger {
	if l != nil {
		return l
	}
	return slog.Default()
}
