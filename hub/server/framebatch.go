package server

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"sync"

	"github.com/gorilla/websocket"
)

// maxHeld is how many bytes of frames a held stream connection collects
// before it writes them out anyway: a screen's socket buffer takes this
// much at once, and a burst of thousands of events is not held in memory
// twice.
const maxHeld = 64 << 10

// frameBatch is a stream connection that can hold the WebSocket frames
// written to it and send them in one write. gorilla/websocket writes every
// message with a write call of its own; a burst of events (the no-shows an
// imported day brings, a day turn, a sync's changes) to a thousand screens
// was then a system call per event and screen on the hub and as many reads
// on every screen, which held up the call behind it for a quarter of a
// second (probe, 1,000 screens, 54 no-shows: call → event 250 ms). Held,
// the frames of a burst go out in one write per screen.
//
// Writes of other goroutines (gorilla's pongs and close frames) are
// serialised with the batch by mu, so a frame is never split. Each
// write's deadline is set on the connection by gorilla before the write,
// so the batch's write has the deadline of its last frame.
type frameBatch struct {
	net.Conn

	mu      sync.Mutex
	holding bool
	held    []byte
}

// Write sends p, or adds it to the batch while the connection holds.
func (f *frameBatch) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.holding {
		return f.Conn.Write(p)
	}
	f.held = append(f.held, p...)
	if len(f.held) >= maxHeld {
		if err := f.writeHeld(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// hold collects the frames written from now on until flush.
func (f *frameBatch) hold() {
	if f == nil {
		return
	}
	f.mu.Lock()
	f.holding = true
	f.mu.Unlock()
}

// flush writes the frames held since hold in one write and stops holding.
// Its error is the write's: a timeout means the screen fell behind.
func (f *frameBatch) flush() error {
	if f == nil {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.holding = false
	return f.writeHeld()
}

// writeHeld writes the held frames; f.mu is held.
func (f *frameBatch) writeHeld() error {
	if len(f.held) == 0 {
		return nil
	}
	_, err := f.Conn.Write(f.held)
	f.held = f.held[:0]
	if cap(f.held) > maxHeld {
		f.held = nil // a burst's buffer is not kept for the quiet hours
	}
	return err
}

// batchingWriter hands the WebSocket upgrader a frameBatch in place of the
// hijacked connection.
type batchingWriter struct {
	http.ResponseWriter
	conn *frameBatch // set by Hijack
}

// Hijack hijacks the request's connection and wraps it.
func (w *batchingWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	if nc == nil {
		return nil, nil, errors.New("hijack returned no connection")
	}
	w.conn = &frameBatch{Conn: nc}
	return w.conn, brw, nil
}

// upgradeBatching upgrades a stream request to a WebSocket whose frames
// the writer can hold and send together; on an error the upgrader has
// answered.
func upgradeBatching(w http.ResponseWriter, r *http.Request) (*websocket.Conn, *frameBatch, error) {
	bw := &batchingWriter{ResponseWriter: w}
	conn, err := upgrader.Upgrade(bw, r, nil)
	return conn, bw.conn, err
}
