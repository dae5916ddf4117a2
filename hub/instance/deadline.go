package instance

import (
	"net"
	"sync"
	"time"
)

// steadyDeadlines passes a connection's write deadline on to the socket
// only when it changes. gorilla/websocket (v1.5) sets the socket's write
// deadline before every frame it writes, to the value the stream's writer
// set last, and the runtime re-arms the socket's timer on each call even
// when the time is the same. The hub's writers renew a screen's deadline
// only once half of it is used up (server.slowWrite), so nearly all of
// those calls change nothing: in a perf profile of the hub under the
// outside probe with 1,000 screens, they were 5 % of the hub's CPU and
// most of what its writers spent beyond floorhub's, which sets no deadline.
func steadyDeadlines(ln net.Listener) net.Listener {
	return &steadyListener{Listener: ln}
}

type steadyListener struct{ net.Listener }

func (l *steadyListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &steadyConn{Conn: c, known: true}, nil
}

// steadyConn remembers the write deadline it set last. A new connection
// has none, which is the zero time.
type steadyConn struct {
	net.Conn

	mu    sync.Mutex
	write time.Time
	known bool // write is the socket's; false after a failed call
}

// SetWriteDeadline sets the write deadline unless it is set already.
func (c *steadyConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.known && t.Equal(c.write) {
		return nil
	}
	c.write = t
	err := c.Conn.SetWriteDeadline(t)
	c.known = err == nil
	return err
}

// SetDeadline sets both deadlines; net/http clears them this way when a
// stream's handler takes the connection over.
func (c *steadyConn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.write = t
	err := c.Conn.SetDeadline(t)
	c.known = err == nil
	return err
}
