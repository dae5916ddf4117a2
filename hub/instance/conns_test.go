package instance_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"lotse/hub/api"
	"lotse/hub/instance"
)

// dialFrom opens a connection to the hub from another loopback address,
// so that the hub sees a second client beside the test's own 127.0.0.1.
func dialFrom(t *testing.T, h *instance.Hub, ip string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 2 * time.Second}
	c, err := d.Dial("tcp", h.Addr)
	if err != nil {
		t.Fatalf("dial from %s: %v", ip, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestOneClientCannotTakeEveryConnection (issue 11.8): the connection
// limit is shared by every client, so one client holding connections
// (idle keep-alives, bodies sent a byte at a time, streams) must not take
// every slot: above its cap a connection is closed at once, and another
// client is still served.
func TestOneClientCannotTakeEveryConnection(t *testing.T) {
	const limit, perSource = 8, 4
	tests := []struct {
		name string
		hold func(c net.Conn) // leaves c open and held
	}{
		{"idle keep-alives", func(c net.Conn) {
			io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: hub\r\n\r\n")
		}},
		{"slow bodies", func(c net.Conn) {
			io.WriteString(c, "POST /api/v1/session HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
		}},
		{"streams", func(c net.Conn) {
			io.WriteString(c, "GET /api/v1/offices/"+mitte+"/stream?token=demo HTTP/1.1\r\nHost: hub\r\n"+
				"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := startWith(t, context.Background(), filepath.Join(t.TempDir(), "lotse.db"), nil,
				instance.HTTPLimits{MaxConns: limit, MaxConnsPerSource: perSource, IdleTimeout: time.Minute, ReadTimeout: time.Minute})
			// The other client takes as many connections as the hub allows
			// in all; those above its cap are closed at once, not parked.
			var conns []net.Conn
			for range limit {
				c := dialFrom(t, h, "127.0.0.2")
				tt.hold(c)
				conns = append(conns, c)
			}
			// Read all at once: a refused connection ends at once, a held
			// one (a slow body gets no answer) reaches the deadline.
			closed := make(chan bool)
			for _, c := range conns {
				go func() {
					c.SetReadDeadline(time.Now().Add(2 * time.Second))
					_, err := bufio.NewReader(c).Peek(1)
					ne, ok := errors.AsType[net.Error](err)
					closed <- err != nil && (!ok || !ne.Timeout())
				}()
			}
			refused := 0
			for range conns {
				if <-closed {
					refused++
				}
			}
			if refused != limit-perSource {
				t.Errorf("%d of %d connections of one client closed at once, want %d", refused, limit, limit-perSource)
			}
			cl := http.Client{Timeout: 5 * time.Second} // far below the hold of 60 s
			resp, err := cl.Get(h.URL + "/healthz")
			if err != nil {
				t.Fatalf("with one client holding its connections, another is not served: %v", err)
			}
			resp.Body.Close()
		})
	}
}

// TestStreamsPerDeviceAreCapped (issue 11.8): a stream outlives every
// timeout, and a display's token sits in the TV's URL; one token must not
// open streams until the hub serves nobody. Above the cap the stream is
// refused with 429 and a JSON error before the upgrade; other callers
// still stream and are served, and a closed stream frees its place.
func TestStreamsPerDeviceAreCapped(t *testing.T) {
	const limit, perCaller = 12, 8 // perCaller: server.DefaultLimits
	h := startWith(t, context.Background(), filepath.Join(t.TempDir(), "lotse.db"), nil,
		instance.HTTPLimits{MaxConns: limit, MaxConnsPerSource: -1}) // every test client is 127.0.0.1
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second}
	var open []*websocket.Conn
	var refusal *http.Response
	for range limit {
		c, resp, err := d.Dial(streamURL(h), nil)
		if err != nil {
			refusal = resp
			break
		}
		t.Cleanup(func() { c.Close() })
		go func() {
			for {
				if _, _, err := c.ReadMessage(); err != nil {
					return
				}
			}
		}()
		open = append(open, c)
	}
	if len(open) != perCaller {
		t.Fatalf("one device opened %d streams, want %d", len(open), perCaller)
	}
	if refusal == nil || refusal.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("stream above the cap: %v, want 429", refusal)
	}
	var body api.ErrorBody
	if err := json.NewDecoder(refusal.Body).Decode(&body); err != nil || body.Error.Code != "rate_limited" {
		t.Fatalf("stream above the cap: body %+v (%v), want a rate_limited JSON error", body, err)
	}
	cl := http.Client{Timeout: 5 * time.Second} // far below the hold of 60 s
	resp, err := cl.Get(h.URL + "/healthz")
	if err != nil {
		t.Fatalf("with %d streams of one device open, a new client is not served: %v", len(open), err)
	}
	resp.Body.Close()
	cl.CloseIdleConnections()
	// A clerk is another caller: the device's streams leave room for it.
	hdr := http.Header{"Authorization": {"Basic ZGVtbzpkZW1v"}} // demo:demo
	clerkURL := strings.Replace(streamURL(h), "?token=demo", "", 1)
	// A password check takes long under the race detector: wait for it.
	c, _, err := (&websocket.Dialer{HandshakeTimeout: 20 * time.Second}).Dial(clerkURL, hdr)
	if err != nil {
		t.Fatalf("a clerk's stream beside a device's %d: %v", perCaller, err)
	}
	c.Close()
	// A closed stream gives its place back once its handler has ended.
	open[0].Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, _, err := d.Dial(streamURL(h), nil)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a closed stream did not free its place: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
