package instance

import (
	"net"
	"sync"
)

// perSourceListener closes a new connection at once when its source
// address already holds max open ones. The hub's connection limit is
// shared by every client: without this cap one client (a script, a
// looping browser tab, a leaked display token) could hold every slot with
// idle keep-alives, slow bodies or streams, and the kiosks and clerks
// would wait in the backlog for as long as it liked. It sits below the
// overall limit, so refused connections are drained from the backlog
// without taking one of its slots.
type perSourceListener struct {
	net.Listener
	max int

	mu   sync.Mutex
	open map[string]int // open connections per source address
}

func limitPerSource(ln net.Listener, max int) net.Listener {
	if max <= 0 {
		return ln
	}
	return &perSourceListener{Listener: ln, max: max, open: map[string]int{}}
}

// Accept returns the next connection whose source is below the cap.
func (l *perSourceListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		src := sourceOf(c.RemoteAddr())
		l.mu.Lock()
		ok := l.open[src] < l.max
		if ok {
			l.open[src]++
		}
		l.mu.Unlock()
		if !ok {
			// Closed before a byte is read: the client sees a reset or EOF
			// at once instead of waiting, and no handler runs for it.
			c.Close()
			continue
		}
		return &sourceConn{Conn: c, l: l, src: src}, nil
	}
}

func (l *perSourceListener) release(src string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[src]--; l.open[src] <= 0 {
		delete(l.open, src)
	}
}

// sourceOf is the address a connection counts against: its IP, without
// the port, which a client chooses anew for every connection.
func sourceOf(a net.Addr) string {
	if t, ok := a.(*net.TCPAddr); ok {
		return t.IP.String()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// sourceConn gives its source's slot back once, when it is closed (by the
// server, or by a stream's handler after the upgrade).
type sourceConn struct {
	net.Conn
	l    *perSourceListener
	src  string
	once sync.Once
}

func (c *sourceConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.src) })
	return err
}
