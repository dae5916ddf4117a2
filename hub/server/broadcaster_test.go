package server

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"lotse/hub/queue"
)

func testBroadcaster(t *testing.T) *broadcaster {
	t.Helper()
	// A test's patience, not a screen's; still long enough (a write
	// blocks for a second at least) that the fast client, stalled by a
	// busy machine, is never taken for slow.
	return testBroadcasterSlowAfter(t, 2*time.Second)
}

// testBroadcasterSlowAfter is testBroadcaster whose screens are dropped
// after a write blocked for half of slowWrite to all of it.
func testBroadcasterSlowAfter(t *testing.T, slowWrite time.Duration) *broadcaster {
	t.Helper()
	o := &queue.Office{ID: "o", Services: []queue.Service{{ID: "s", Name: "S", Prefix: "A"}}, Counters: []queue.Counter{{ID: "c", Name: "C"}}}
	b := newBroadcaster("o", newConverter(o), newMetrics(), slog.New(slog.NewTextHandler(io.Discard, nil)), time.Hour)
	b.slowWrite = slowWrite
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	events := []queue.Event{{Seq: 1, Type: queue.WalkedIn}, {Seq: 2, Type: queue.WalkedIn}, {Seq: 3, Type: queue.WalkedIn}}
	go b.run(ctx, 3, events, nil)
	return b
}

func register(t *testing.T, b *broadcaster, c *client) bool {
	t.Helper()
	reg := registration{c: c, reply: make(chan bool, 1)}
	b.register <- reg
	return <-reg.reply
}

// serveTo accepts stream connections for the broadcaster, resuming at seq
// 3, with a small send buffer so that a client that does not read falls
// behind after a few events rather than a few megabytes.
func serveTo(t *testing.T, b *broadcaster) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, out, err := upgradeBatching(w, r)
		if err != nil {
			return
		}
		defer conn.Close()
		out.Conn.(*net.TCPConn).SetWriteBuffer(4096)
		c := newClient(conn, 3)
		c.out = out
		register(t, b, c)
		b.ready <- readiness{c: c, minSeq: 3}
		if b.writeLoop(c, 3, nil) {
			b.unregister <- c
		}
	}))
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

// slowAndFast connects a client that never reads, with small buffers, and
// one that reads every message into got.
func slowAndFast(t *testing.T, b *broadcaster) (slow *websocket.Conn, got chan int) {
	t.Helper()
	url := serveTo(t, b)
	small := &net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
	}}
	slow, _, err := (&websocket.Dialer{NetDial: small.Dial}).Dial(url, nil) // never reads
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { slow.Close() })
	fast, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fast.Close() })
	got = make(chan int, 10000)
	go func() {
		for {
			_, data, err := fast.ReadMessage()
			if err != nil {
				close(got)
				return
			}
			got <- len(data)
		}
	}()
	for deadline := time.Now().Add(10 * time.Second); metric(b.metrics, label("lotse_stream_clients", "office", "o")) < 2; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("clients did not register")
		}
	}
	return slow, got
}

// publishBig publishes n events of ~1 KB after seq 3: far more than a
// client's small buffers hold; got must receive every one of them.
func publishBig(t *testing.T, b *broadcaster, n int, got chan int) {
	t.Helper()
	notice := strings.Repeat("x", 1000)
	for i := int64(4); i < 4+int64(n); i++ {
		tk := &queue.Ticket{ID: "t", Number: notice}
		b.publish([]queue.Event{{Seq: i, Type: queue.WalkedIn, Ticket: tk}}, nil)
	}
	for i := 0; i < n; i++ {
		select {
		case _, ok := <-got:
			if !ok {
				t.Fatalf("fast client lost after %d events", i)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("fast client stuck after %d events: the slow one blocks it", i)
		}
	}
}

// A screen whose write blocks (a full socket buffer, or a writer the
// machine stalls) holds up no other screen: the others get every event
// while it still blocks, long before it would be dropped. A shared writer
// that waited out each blocked write first delayed every screen behind it
// and then dropped it.
func TestBlockedScreenDelaysNoOther(t *testing.T) {
	b := testBroadcasterSlowAfter(t, time.Hour)
	_, got := slowAndFast(t, b)
	publishBig(t, b, 2000, got)
	if n := metric(b.metrics, label("lotse_stream_dropped_total", "office", "o")); n != 0 {
		t.Fatalf("%v screens dropped before the fast one had its events: it waited for the blocked one", n)
	}
}

func TestSlowClientIsDroppedAndNeverBlocksOthers(t *testing.T) {
	b := testBroadcaster(t)
	slow, got := slowAndFast(t, b)
	publishBig(t, b, 2000, got)
	// The slow client is dropped once a write to it has been blocked for
	// slowWrite, and the hub closes its connection.
	for deadline := time.Now().Add(30 * time.Second); metric(b.metrics, label("lotse_stream_dropped_total", "office", "o")) < 1; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the slow client was not counted as dropped")
		}
	}
	slow.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		if _, _, err := slow.ReadMessage(); err != nil {
			var ce *websocket.CloseError
			if !strings.Contains(err.Error(), "1013") && !isClose(err, &ce) {
				t.Logf("slow client ended with %v", err)
			}
			break
		}
	}
	if metric(b.metrics, label("lotse_stream_dropped_total", "office", "o")) < 1 {
		t.Fatal("the slow client was not counted as dropped")
	}
}

func metric(m *metrics, key string) float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.counters[key] + m.gauges[key]
}

func isClose(err error, ce **websocket.CloseError) bool {
	e, ok := err.(*websocket.CloseError)
	*ce = e
	return ok
}

func TestResumeDecision(t *testing.T) {
	b := testBroadcaster(t)
	tests := []struct {
		name         string
		since        int64
		wantSnapshot bool
		wantReplay   []int64
	}{
		{"fresh", -1, true, nil},
		{"up to date", 3, false, nil},
		{"missed two", 1, false, []int64{2, 3}},
		{"from the start", 0, false, []int64{1, 2, 3}},
		{"from the future", 9, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(nil, tt.since)
			if snap := register(t, b, c); snap != tt.wantSnapshot {
				t.Fatalf("snapshot = %v, want %v", snap, tt.wantSnapshot)
			}
			var replay []int64
			for _, m := range c.pending {
				replay = append(replay, m.seq)
			}
			if len(replay) != len(tt.wantReplay) {
				t.Fatalf("replay = %v, want %v", replay, tt.wantReplay)
			}
			for i := range replay {
				if replay[i] != tt.wantReplay[i] {
					t.Fatalf("replay = %v, want %v", replay, tt.wantReplay)
				}
			}
			b.unregister <- c
		})
	}
}

// liveClient registers a client resuming at since and makes it live. The
// second registration returns only after run has handled the readiness.
func liveClient(t *testing.T, b *broadcaster, since int64) *client {
	t.Helper()
	c := newClient(nil, since)
	register(t, b, c)
	b.ready <- readiness{c: c, minSeq: since}
	register(t, b, newClient(nil, since))
	return c
}

func queuedSeqs(c *client) []int64 {
	var seqs []int64
	for _, m := range c.take(nil) {
		seqs = append(seqs, m.seq)
	}
	return seqs
}

// A committed batch is in every live screen's writer queue by the time
// publish returns: no goroutine of the broadcaster's own between the
// commit and the screens' writers costs each call a wake-up.
func TestPublishQueuesForLiveScreensAtOnce(t *testing.T) {
	tests := []struct {
		name    string
		publish [][]int64
		want    []int64
	}{
		{"one event", [][]int64{{4}}, []int64{4}},
		{"a batch", [][]int64{{4, 5, 6}}, []int64{4, 5, 6}},
		{"two batches", [][]int64{{4}, {5, 6}}, []int64{4, 5, 6}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := testBroadcaster(t)
			cs := []*client{liveClient(t, b, 3), liveClient(t, b, 3)}
			for _, seqs := range tt.publish {
				var events []queue.Event
				for _, s := range seqs {
					events = append(events, queue.Event{Seq: s, Type: queue.WalkedIn})
				}
				b.publish(events, nil)
			}
			for i, c := range cs {
				if got := queuedSeqs(c); !slices.Equal(got, tt.want) {
					t.Errorf("screen %d: queued %v right after publish, want %v", i, got, tt.want)
				}
			}
		})
	}
}

// Batches committed before the broadcaster ran reach the screens once,
// in order: the ones already among the events run loaded from the store
// are not sent twice.
func TestPublishBeforeRun(t *testing.T) {
	o := &queue.Office{ID: "o", Services: []queue.Service{{ID: "s", Name: "S", Prefix: "A"}}, Counters: []queue.Counter{{ID: "c", Name: "C"}}}
	b := newBroadcaster("o", newConverter(o), newMetrics(), slog.New(slog.NewTextHandler(io.Discard, nil)), time.Hour)
	b.publish([]queue.Event{{Seq: 3, Type: queue.WalkedIn}}, nil)
	b.publish([]queue.Event{{Seq: 4, Type: queue.WalkedIn}, {Seq: 5, Type: queue.WalkedIn}}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go b.run(ctx, 3, []queue.Event{{Seq: 1, Type: queue.WalkedIn}, {Seq: 2, Type: queue.WalkedIn}, {Seq: 3, Type: queue.WalkedIn}}, nil)
	c := newClient(nil, 1)
	if register(t, b, c) {
		t.Fatal("a client resuming within the ring was sent a snapshot")
	}
	var got []int64
	for _, m := range c.pending {
		got = append(got, m.seq)
	}
	if want := []int64{2, 3, 4, 5}; !slices.Equal(got, want) {
		t.Errorf("resume from 1 replays %v, want %v", got, want)
	}
	b.unregister <- c
}

// TestResumeAfterManyEvents: after thousands of events the ring still
// replays at least the last ringSize of them to a resuming screen, in
// order and without a gap, and sends a snapshot for anything older.
func TestResumeAfterManyEvents(t *testing.T) {
	b := testBroadcaster(t)
	// Once a registration is answered, run has started: no event below
	// waits among the early ones.
	first := newClient(nil, 3)
	register(t, b, first)
	b.unregister <- first
	const last = 3 + 4*ringSize + 17
	for seq := int64(4); seq <= last; seq++ {
		b.publish([]queue.Event{{Seq: seq, Type: queue.WalkedIn}}, nil)
	}
	tests := []struct {
		name         string
		since        int64
		wantSnapshot bool
	}{
		{"missed one", last - 1, false},
		{"missed the ring's worth", last - ringSize, false},
		{"missed more than the ring holds", last - 3*ringSize, true},
		{"from the start", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(nil, tt.since)
			if snap := register(t, b, c); snap != tt.wantSnapshot {
				t.Fatalf("snapshot = %v, want %v", snap, tt.wantSnapshot)
			}
			if !tt.wantSnapshot {
				want := tt.since + 1
				for _, m := range c.pending {
					if m.seq != want {
						t.Fatalf("replay has seq %d where %d belongs", m.seq, want)
					}
					want++
				}
				if want != last+1 {
					t.Fatalf("replay ends before %d, want through %d", want, last)
				}
			}
			b.unregister <- c
		})
	}
}

// TestWriteDeadlineLeavesHalfAtLeast: a screen's writer renews its write
// deadline only once half of it is used up, so every write may block for
// half of slowWrite at least and for all of it at most; a deadline long
// past (a screen idle for a while) is always renewed.
func TestWriteDeadlineLeavesHalfAtLeast(t *testing.T) {
	now := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	const slow = 4 * time.Second
	tests := []struct {
		name  string
		bound time.Time
		due   bool
	}{
		{"none set yet", time.Time{}, true},
		{"just set", now.Add(slow), false},
		{"more than half left", now.Add(slow/2 + time.Millisecond), false},
		{"half left", now.Add(slow / 2), false},
		{"less than half left", now.Add(slow/2 - time.Millisecond), true},
		{"passed while the screen was idle", now.Add(-time.Hour), true},
	}
	for _, tt := range tests {
		if got := deadlineDue(tt.bound, now, slow); got != tt.due {
			t.Errorf("%s: due %v, want %v", tt.name, got, tt.due)
		}
	}
}
