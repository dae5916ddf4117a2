package instance_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"lotse/hub/api"
	"lotse/hub/booking/demo"
	"lotse/hub/clocktest"
	"lotse/hub/instance"
	"lotse/hub/server"
	"lotse/hub/store"
)

// startWith starts a demo hub with these store options and connection
// limits; ctx ends it too.
func startWith(t *testing.T, ctx context.Context, dbPath string, st []store.Option, lim instance.HTTPLimits) *instance.Hub {
	t.Helper()
	loc, _ := time.LoadLocation("Europe/Berlin")
	c := clocktest.New(time.Date(2026, 3, 10, 10, 0, 0, 0, loc))
	b := demo.New(c.Now)
	h, err := instance.Start(ctx, instance.Options{
		Addr: "127.0.0.1:0", DBPath: dbPath, Offices: demo.Offices(), Backend: b, Demo: b,
		Clerks:  []server.Clerk{{User: "demo", PasswordHash: demoHash}},
		Devices: []server.Device{{Name: "kiosk", Token: "demo"}},
		Now:     c.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), PingEvery: 100 * time.Millisecond,
		TickEvery: time.Hour, SyncEvery: time.Hour, Store: st, HTTP: lim,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Stop)
	return h
}

func getHealth(t *testing.T, url string) (int, api.Health) {
	t.Helper()
	resp, err := http.Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var h api.Health
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, h
}

// TestHealthzNamesADatabaseThatTakesNoWrites: a hub whose database takes
// no writes must not say "ok".
func TestHealthzNamesADatabaseThatTakesNoWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lotse.db")
	h := startWith(t, context.Background(), path, nil, instance.HTTPLimits{})
	if _, err := api.NewClient(h.URL, "demo").WalkIn(ctx(t), mitte, api.WalkInRequest{Service: "meldebescheinigung"}); err != nil {
		t.Fatal(err)
	}
	if code, health := getHealth(t, h.URL); code != http.StatusOK || health.Status == "failing" {
		t.Fatalf("writable database: %d %+v", code, health)
	}
	h.Stop()

	// The same file, now read-only: the hub starts from it and serves
	// what it has, but nothing it is asked to do can be kept.
	h = startWith(t, context.Background(), path, []store.Option{store.ReadOnly()}, instance.HTTPLimits{})
	_, err := api.NewClient(h.URL, "demo").WalkIn(ctx(t), mitte, api.WalkInRequest{Service: "meldebescheinigung"})
	if err == nil {
		t.Fatal("a walk-in was acknowledged by a read-only database")
	}
	code, health := getHealth(t, h.URL)
	if code != http.StatusServiceUnavailable || health.Status != "failing" || len(health.Problems) == 0 ||
		health.Problems[0].Code != store.ProblemReadOnly {
		t.Fatalf("read-only database: /healthz %d %+v, want 503 naming %s", code, health, store.ProblemReadOnly)
	}
}

// rawConn dials the hub without an HTTP client, to play a slow one.
func rawConn(t *testing.T, h *instance.Hub) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", h.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedByHub waits (at most patience) for the hub to close the
// connection and returns what it answered before.
func closedByHub(c net.Conn, patience time.Duration) (string, bool) {
	c.SetReadDeadline(time.Now().Add(patience))
	data, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return string(data), false
	}
	return string(data), true
}

func streamURL(h *instance.Hub) string {
	return strings.Replace(h.URL, "http", "ws", 1) + "/api/v1/offices/" + mitte + "/stream?token=demo"
}

// TestSlowClientsCannotHoldTheHub: real sockets playing slowloris, a slow
// body, an idle keep-alive and oversized headers are cut off; the number
// of connections is bounded; a WebSocket stream outlives every timeout.
func TestSlowClientsCannotHoldTheHub(t *testing.T) {
	const short = 300 * time.Millisecond
	const patience = 5 * time.Second // far beyond every timeout here, below the old ones
	h := startWith(t, context.Background(), filepath.Join(t.TempDir(), "lotse.db"), nil, instance.HTTPLimits{
		ReadHeaderTimeout: short, ReadTimeout: 2 * short, WriteTimeout: 2 * short, IdleTimeout: short,
	})
	tests := []struct {
		name, send string
		answer     string // the start of the hub's answer, if any
	}{
		{name: "headers never end (slowloris)", send: "GET /healthz HTTP/1.1\r\nHost: hub\r\nX-Slow: 1\r\n"},
		{name: "body never ends", send: "POST /api/v1/offices/" + mitte + "/checkins HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer demo\r\n" +
			"Content-Type: application/json\r\nContent-Length: 4000\r\n\r\n{\"code\":"},
		// A request answered from memory: /healthz commits a row, and a
		// busy disk's fsync could outlast the short write timeout.
		{name: "idle after a request", send: "GET /api/v1/offices HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer demo\r\n\r\n", answer: "HTTP/1.1 200"},
		{name: "oversized headers", send: "GET /healthz HTTP/1.1\r\nHost: hub\r\nX-Big: " + strings.Repeat("a", 64<<10) + "\r\n\r\n",
			answer: "HTTP/1.1 431"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := rawConn(t, h)
			if _, err := io.WriteString(c, tc.send); err != nil {
				t.Fatal(err)
			}
			got, closed := closedByHub(c, patience)
			if !closed {
				t.Fatalf("the hub still holds the connection after %s", patience)
			}
			if !strings.HasPrefix(got, tc.answer) {
				t.Fatalf("answer %.40q, want %q", got, tc.answer)
			}
		})
	}

	t.Run("a stream outlives the read and write timeouts", func(t *testing.T) {
		c, _, err := websocket.DefaultDialer.Dial(streamURL(h), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		// Pings come every 100 ms: read them for five times the longest
		// timeout.
		until := time.Now().Add(10 * short)
		n := 0
		for time.Now().Before(until) {
			c.SetReadDeadline(time.Now().Add(patience))
			if _, _, err := c.ReadMessage(); err != nil {
				t.Fatalf("stream ended after %d messages: %v", n, err)
			}
			n++
		}
	})

	t.Run("connections are limited", func(t *testing.T) {
		const limit = 4
		h := startWith(t, context.Background(), filepath.Join(t.TempDir(), "lotse.db"), nil,
			instance.HTTPLimits{MaxConns: limit, ReadHeaderTimeout: time.Minute})
		var idle []net.Conn
		for range limit {
			c := rawConn(t, h)
			io.WriteString(c, "GET /healthz HTTP/1.1\r\n") // and nothing more
			idle = append(idle, c)
		}
		c := rawConn(t, h)
		io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: hub\r\n\r\n")
		c.SetReadDeadline(time.Now().Add(short))
		if n, err := c.Read(make([]byte, 1)); n > 0 || err == nil {
			t.Fatalf("connection %d was served beside %d idle ones", limit+1, limit)
		}
		idle[0].Close()
		c.SetReadDeadline(time.Now().Add(patience))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("once a connection is free the waiting one is served: %v", err)
		}
	})
}

// hubGoroutines lists the goroutines running the hub's own code.
func hubGoroutines() []string {
	buf := make([]byte, 4<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		for _, pkg := range []string{"lotse/hub/server.", "lotse/hub/instance.", "lotse/hub/office.", "lotse/hub/booking.", "lotse/hub/store."} {
			if strings.Contains(g, pkg) {
				out = append(out, g)
				break
			}
		}
	}
	return out
}

func allRunnable(stacks []string) bool {
	for _, g := range stacks {
		if !strings.Contains(strings.SplitN(g, "\n", 2)[0], "[runnable") {
			return false
		}
	}
	return true
}

// TestStopEndsEveryGoroutine: when Stop returns, nothing of the hub runs
// any more: no stream, no request, no loop may touch the closed store.
func TestStopEndsEveryGoroutine(t *testing.T) {
	for _, viaCtx := range []bool{false, true} {
		t.Run(fmt.Sprintf("stopped by ctx: %v", viaCtx), func(t *testing.T) {
			if g := hubGoroutines(); len(g) > 0 {
				t.Fatalf("hub goroutines before the test:\n%s", g[0])
			}
			runCtx, cancel := context.WithCancel(context.Background())
			defer cancel()
			h := startWith(t, runCtx, filepath.Join(t.TempDir(), "lotse.db"), nil, instance.HTTPLimits{ShutdownGrace: 100 * time.Millisecond})
			dev := api.NewClient(h.URL, "demo")
			for range 5 {
				if _, err := dev.WalkIn(ctx(t), mitte, api.WalkInRequest{Service: "meldebescheinigung"}); err != nil {
					t.Fatal(err)
				}
			}
			// 16 streams: the most the device holds, and as many of the clerk.
			for i := range 16 {
				url, hdr := streamURL(h), http.Header(nil)
				if i >= 8 {
					url, hdr = strings.Replace(url, "?token=demo", "", 1), http.Header{"Authorization": {"Basic ZGVtbzpkZW1v"}} // demo:demo
				}
				ws, _, err := websocket.DefaultDialer.Dial(url, hdr)
				if err != nil {
					t.Fatal(err)
				}
				defer ws.Close()
				if i%2 == 0 { // half of them live, half never read their snapshot
					if _, _, err := ws.ReadMessage(); err != nil {
						t.Fatal(err)
					}
				}
			}
			// A check-in whose body is still on its way: its handler is
			// reading (the hub asked for the body with 100 Continue).
			slow := rawConn(t, h)
			io.WriteString(slow, "POST /api/v1/offices/"+mitte+"/checkins HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer demo\r\n"+
				"Content-Type: application/json\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n")
			slow.SetReadDeadline(time.Now().Add(10 * time.Second))
			line, err := bufio.NewReader(slow).ReadString('\n')
			if err != nil || !strings.Contains(line, "100") {
				t.Fatalf("no 100 Continue: %q %v", line, err)
			}
			io.WriteString(slow, `{"code":`)
			if viaCtx {
				cancel()
			}
			h.Stop()
			// A goroutine that has signalled its end may not have left
			// yet: it is runnable, never blocked. Let those finish; a
			// blocked one is a goroutine Stop did not wait for.
			g := hubGoroutines()
			for i := 0; i < 1000 && len(g) > 0 && allRunnable(g); i++ {
				runtime.Gosched()
				g = hubGoroutines()
			}
			if len(g) > 0 {
				t.Fatalf("%d goroutines of the hub still run after Stop, e.g.:\n%s", len(g), g[0])
			}
		})
	}
}

// TestHubServesHTTPSItself: without a TLS proxy the hub speaks TLS with
// the installation's certificate, and no plain HTTP.
func TestHubServesHTTPSItself(t *testing.T) {
	dir := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "lotse test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "hub.crt"), filepath.Join(dir, "hub.key")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)

	b := demo.New(time.Now)
	h, err := instance.Start(context.Background(), instance.Options{
		Addr: "127.0.0.1:0", DBPath: filepath.Join(dir, "lotse.db"), Offices: demo.Offices(), Backend: b,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), TickEvery: time.Hour, SyncEvery: time.Hour,
		TLSCert: certFile, TLSKey: keyFile,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Stop()
	if !strings.HasPrefix(h.URL, "https://") {
		t.Fatalf("URL %s", h.URL)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get(strings.Replace(h.URL, "localhost", "127.0.0.1", 1) + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.TLS == nil {
		t.Fatalf("over TLS: %d", resp.StatusCode)
	}
	resp, err = http.Get("http://" + h.Addr + "/healthz")
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Fatal("the hub answered plain HTTP beside HTTPS")
		}
	}
}
