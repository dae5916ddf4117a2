package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/websocket"

	"lotse/hub/queue"
)

// writeCounter is a connection that records its writes.
type writeCounter struct {
	net.Conn
	mu     sync.Mutex
	writes [][]byte
}

func (w *writeCounter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes = append(w.writes, bytes.Clone(p))
	if w.Conn == nil {
		return len(p), nil
	}
	return w.Conn.Write(p)
}

func (w *writeCounter) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.writes)
}

// TestFrameBatch: while held, frames go out together at the flush, in
// order; a batch bigger than maxHeld goes out in parts of at least
// maxHeld; without a hold every frame is its own write.
func TestFrameBatch(t *testing.T) {
	small := strings.Repeat("f", 100)
	big := strings.Repeat("B", maxHeld/2+1)
	tests := []struct {
		name   string
		hold   bool
		frames []string
		writes int
	}{
		{"held: three frames, one write", true, []string{small, small, small}, 1},
		{"held: nothing, no write", true, nil, 0},
		{"held: more than maxHeld, a write each time it is reached", true, []string{big, big, big, small}, 2},
		{"not held: a write per frame", false, []string{small, small, small}, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := &writeCounter{}
			f := &frameBatch{Conn: rec}
			if tc.hold {
				f.hold()
			}
			for _, fr := range tc.frames {
				if n, err := f.Write([]byte(fr)); n != len(fr) || err != nil {
					t.Fatalf("Write: %d, %v", n, err)
				}
			}
			if err := f.flush(); err != nil {
				t.Fatal(err)
			}
			if rec.count() != tc.writes {
				t.Fatalf("%d writes, want %d", rec.count(), tc.writes)
			}
			if got, want := string(bytes.Join(rec.writes, nil)), strings.Join(tc.frames, ""); got != want {
				t.Fatalf("the frames came out as %d bytes, want %d in order", len(got), len(want))
			}
			// After the flush, nothing is held.
			f.Write([]byte(small))
			if rec.count() != tc.writes+1 {
				t.Fatal("a write after the flush was held")
			}
		})
	}
}

// countingWriter hands the upgrader a connection that counts its writes.
type countingWriter struct {
	http.ResponseWriter
	conn *writeCounter
}

func (w *countingWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	w.conn.Conn = nc
	return w.conn, brw, nil
}

// TestBurstGoesToAScreenInOneWrite: the events of one batch (a day's
// no-shows, a day turn) reach a live screen in one write on its
// connection, all of them and in order, and only the last carries the
// waiting lines, which are the same for all of them.
func TestBurstGoesToAScreenInOneWrite(t *testing.T) {
	b := testBroadcaster(t)
	counted := &writeCounter{}
	live := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, out, err := upgradeBatching(&countingWriter{ResponseWriter: w, conn: counted}, r)
		if err != nil {
			return
		}
		defer conn.Close()
		c := newClient(conn, 3)
		c.out = out
		register(t, b, c)
		b.ready <- readiness{c: c, minSeq: 3}
		close(live)
		if b.writeLoop(c, 3, nil) {
			b.unregister <- c
		}
	}))
	t.Cleanup(srv.Close)
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	<-live
	const n = 50
	events := make([]queue.Event, n)
	for i := range events {
		events[i] = queue.Event{Seq: int64(4 + i), Type: queue.AppointmentNoShow, Appointment: "a"}
	}
	before := counted.count() // the upgrade's answer
	b.publish(events, []queue.ServiceWait{{Service: "s", Waiting: 2}})
	for i := range n {
		_, data, err := ws.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		var e struct {
			Seq     int64             `json:"seq"`
			Waiting []json.RawMessage `json:"waiting"`
		}
		if err := json.Unmarshal(data, &e); err != nil {
			t.Fatal(err)
		}
		if e.Seq != int64(4+i) {
			t.Fatalf("message %d has seq %d, want %d", i, e.Seq, 4+i)
		}
		if last := i == n-1; (e.Waiting != nil) != last {
			t.Fatalf("event %d of %d carries waiting lines: %v", i+1, n, e.Waiting != nil)
		}
	}
	if w := counted.count() - before; w != 1 {
		t.Fatalf("a batch of %d events took %d writes, want 1", n, w)
	}
}
