package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"lotse/hub/queue"
)

// TestPingsOnlyWhenSilent drives a broadcaster's ping ticks by hand and
// reads, after each step, what its one client was sent: pings go out at
// every second tick while nothing else does, and not at all while events
// flow. After each step a side message (which is no event and no ping)
// marks the end of what the step sent.
func TestPingsOnlyWhenSilent(t *testing.T) {
	tests := []struct {
		name  string
		steps []string // "tick" or "event"
		want  []string // message types the client got, in order
	}{
		{"the first tick after an event", []string{"tick"}, nil},
		{"the next tick while silent", []string{"tick", "tick"}, []string{"ping"}},
		{"silent: every second tick", []string{"tick", "tick", "tick", "tick", "tick", "tick"}, []string{"ping", "ping", "ping"}},
		{"events between the ticks", []string{"tick", "event", "tick", "event", "tick", "event", "tick"}, []string{"walked_in", "walked_in", "walked_in"}},
		{"a tick without an event after events", []string{"event", "tick", "event", "tick", "tick"}, []string{"walked_in", "walked_in", "ping"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ticks := make(chan time.Time)
			o := &queue.Office{ID: "o", Services: []queue.Service{{ID: "s", Name: "S", Prefix: "A"}}, Counters: []queue.Counter{{ID: "c", Name: "C"}}}
			b := newBroadcaster("o", newConverter(o), newMetrics(), slog.New(slog.NewTextHandler(io.Discard, nil)), time.Hour)
			b.pingTicks = ticks
			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel)
			go b.run(ctx, 3, nil, nil)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				conn, err := upgrader.Upgrade(w, r, nil)
				if err != nil {
					return
				}
				defer conn.Close()
				c := newClient(conn, 3)
				c.staff = true // gets the side messages that mark the steps
				register(t, b, c)
				b.ready <- readiness{c: c, minSeq: 3}
				if b.writeLoop(c, 3, nil) {
					b.unregister <- c
				}
			}))
			t.Cleanup(srv.Close)
			conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { conn.Close() })
			conn.SetReadDeadline(time.Now().Add(30 * time.Second)) // a hung test fails, it does not time
			read := func() string {
				t.Helper()
				_, data, err := conn.ReadMessage()
				if err != nil {
					t.Fatal(err)
				}
				var m struct{ Type string }
				if err := json.Unmarshal(data, &m); err != nil {
					t.Fatalf("%s: %v", data, err)
				}
				return m.Type
			}
			seq := int64(3)
			event := func() {
				seq++
				b.publish([]queue.Event{{Seq: seq, Type: queue.WalkedIn}}, nil)
			}
			// The client is live once it has an event: the ticks start
			// right after one.
			event()
			if got := read(); got != "walked_in" {
				t.Fatalf("first message %q, want the event", got)
			}
			marker, err := websocket.NewPreparedMessage(websocket.TextMessage, []byte(`{"type":"marker"}`))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, step := range tt.steps {
				switch step {
				case "tick":
					ticks <- time.Now()
					// run takes the next command only once the tick is
					// handled: whatever it sent is queued before the marker.
					b.unregister <- &client{}
				case "event":
					event()
				}
				b.side(marker)
				for m := read(); m != "marker"; m = read() {
					got = append(got, m)
				}
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Fatalf("after %v the client got %q, want %q", tt.steps, got, tt.want)
			}
		})
	}
}
