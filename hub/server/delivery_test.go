package server

import (
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"lotse/hub/queue"
)

func isDone(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// writeQueued does what a live client's writer does with its queue,
// without a connection: it counts each write of a batch.
func writeQueued(c *client) {
	for _, m := range c.take(nil) {
		if m.delivery != nil {
			m.delivery.written()
		}
	}
}

// TestDeliveryCountsEveryLiveWriter: a published batch is delivered once
// every live screen's writer has written it; a batch with no live screen,
// or with nothing new, is delivered at once; the ring keeps no count, so a
// screen resuming from it later counts nothing twice.
func TestDeliveryCountsEveryLiveWriter(t *testing.T) {
	tests := []struct {
		name  string
		live  int
		seqs  []int64
		after int // writers done before the delivery closes
	}{
		{"two screens, one event", 2, []int64{4}, 2},
		{"two screens, a batch", 2, []int64{4, 5, 6}, 2},
		{"no live screen", 0, []int64{4}, 0},
		{"nothing new (the ring has it)", 2, []int64{3}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := testBroadcaster(t)
			var cs []*client
			for range tt.live {
				cs = append(cs, liveClient(t, b, 3))
			}
			var events []queue.Event
			for _, s := range tt.seqs {
				events = append(events, queue.Event{Seq: s, Type: queue.WalkedIn})
			}
			d := b.publishEncoded(b.encode(events, nil))
			for i := 0; i < tt.after; i++ {
				if isDone(d.done) {
					t.Fatalf("delivered after %d of %d writers", i, tt.after)
				}
				writeQueued(cs[i])
			}
			if !isDone(d.done) {
				t.Fatalf("not delivered after all %d writers", tt.after)
			}
			b.mu.Lock()
			defer b.mu.Unlock()
			for _, m := range b.ring {
				if m.delivery != nil {
					t.Fatalf("the ring's event %d counts a delivery", m.seq)
				}
			}
		})
	}
}

// TestDeliveryOverRealScreens: the writers of screens that read count
// their writes.
func TestDeliveryOverRealScreens(t *testing.T) {
	b := testBroadcaster(t)
	url := serveTo(t, b)
	got := make(chan struct{}, 100)
	for range 3 {
		conn, _, err := websocket.DefaultDialer.Dial(url, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		go func() {
			for {
				if _, _, err := conn.ReadMessage(); err != nil {
					return
				}
				got <- struct{}{}
			}
		}()
	}
	publish := func(seqs ...int64) *delivery {
		var events []queue.Event
		for _, s := range seqs {
			events = append(events, queue.Event{Seq: s, Type: queue.WalkedIn})
		}
		return b.publishEncoded(b.encode(events, nil))
	}
	// Each screen resumes after 3, so each gets 4 whether it registered
	// before the publish or after; once all have it, all are live.
	publish(4)
	for range 3 {
		select {
		case <-got:
		case <-time.After(10 * time.Second): // a guard, not a timing
			t.Fatal("a screen never got event 4")
		}
	}
	for _, seqs := range [][]int64{{5}, {6, 7}} {
		d := publish(seqs...)
		select {
		case <-d.done:
		case <-time.After(10 * time.Second):
			t.Fatalf("batch %v never delivered to three reading screens", seqs)
		}
	}
}
