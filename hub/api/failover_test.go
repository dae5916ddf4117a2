package api

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// fakeHub answers the queue and the stream and counts its requests.
type fakeHub struct {
	*httptest.Server
	hits atomic.Int32
}

func newFakeHub(t *testing.T, status int) *fakeHub {
	t.Helper()
	h := &fakeHub{}
	up := websocket.Upgrader{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.hits.Add(1)
		if websocket.IsWebSocketUpgrade(r) {
			c, err := up.Upgrade(w, r, nil)
			if err == nil {
				c.WriteMessage(websocket.TextMessage, []byte(`{"type":"snapshot","seq":7}`))
				c.Close()
			}
			return
		}
		if status != http.StatusOK {
			w.WriteHeader(status)
			w.Write([]byte(`{"error":{"code":"conflict","message":"the hub's word"}}`))
			return
		}
		w.Write([]byte(`{"seq":7}`))
	}))
	t.Cleanup(h.Close)
	return h
}

// deadAddr is an address nobody listens on: connects are refused.
func deadAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

// TestFailoverToTheNextHub: with a list of hubs the client moves on when a
// hub cannot be reached, stays with the one that answers, and never
// repeats a request a hub has answered, an error answer included.
func TestFailoverToTheNextHub(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tests := []struct {
		name      string
		list      func(primary, standby string) string
		primaryUp bool
		status    int // the primary's answer
		wantHub   string
		wantErr   bool
	}{
		{"one hub, trailing slash", func(p, s string) string { return p + "/" }, true, http.StatusOK, "primary", false},
		{"primary answers", func(p, s string) string { return p + "," + s }, true, http.StatusOK, "primary", false},
		{"primary answers with an error: no failover", func(p, s string) string { return p + "," + s }, true, http.StatusConflict, "primary", true},
		{"primary down", func(p, s string) string { return p + ", " + s + "/" }, false, http.StatusOK, "standby", false},
		{"only hub down", func(p, s string) string { return p }, false, http.StatusOK, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			primary, standby := newFakeHub(t, tt.status), newFakeHub(t, http.StatusOK)
			pURL := primary.URL
			if !tt.primaryUp {
				primary.Close()
				pURL = deadAddr(t)
			}
			c := NewClient(tt.list(pURL, standby.URL), "demo")
			for range 2 {
				_, err := c.Queue(ctx, "mitte")
				if (err != nil) != tt.wantErr {
					t.Fatalf("Queue: %v; want error %v", err, tt.wantErr)
				}
			}
			want := map[string][2]int32{"primary": {2, 0}, "standby": {0, 2}, "": {0, 0}}[tt.wantHub]
			if got := [2]int32{primary.hits.Load(), standby.hits.Load()}; tt.primaryUp && got != want || !tt.primaryUp && got[1] != want[1] {
				t.Fatalf("requests primary/standby = %v; want %v", got, want)
			}
		})
	}
}

// TestFailoverWhenThePrimaryDies: a client in use moves to the standby
// once the primary is gone, for calls and for the stream.
func TestFailoverWhenThePrimaryDies(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	primary, standby := newFakeHub(t, http.StatusOK), newFakeHub(t, http.StatusOK)
	c := NewClient(primary.URL+","+standby.URL, "demo")
	if _, err := c.Queue(ctx, "mitte"); err != nil || primary.hits.Load() != 1 {
		t.Fatalf("before: %v, primary hits %d", err, primary.hits.Load())
	}
	primary.CloseClientConnections()
	primary.Close()
	if _, err := c.Queue(ctx, "mitte"); err != nil {
		t.Fatalf("after the primary died: %v", err)
	}
	s, err := c.Stream(ctx, "mitte", 0)
	if err != nil {
		t.Fatalf("stream after the primary died: %v", err)
	}
	defer s.Close()
	if m, err := s.Next(); err != nil || m.Seq() != 7 {
		t.Fatalf("stream message %+v, %v", m, err)
	}
	if got := standby.hits.Load(); got != 2 {
		t.Fatalf("standby requests %d; want 2", got)
	}
	if c.StreamURL("mitte", 0) != "ws"+standby.URL[len("http"):]+"/api/v1/offices/mitte/stream" {
		t.Errorf("StreamURL %s; want the standby's", c.StreamURL("mitte", 0))
	}
}

func TestParseHubs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"http://localhost:8080", []string{"http://localhost:8080"}},
		{"http://a:8080/, https://b.example ", []string{"http://a:8080", "https://b.example"}},
		{"a:8080", nil},
		{"http://a:8080,", nil},
		{"ftp://a", nil},
		{"http://a:8080?x=1", nil},
	}
	for _, tt := range tests {
		got, err := ParseHubs(tt.in)
		if (err != nil) != (tt.want == nil) || fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("ParseHubs(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
