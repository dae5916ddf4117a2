package server

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"lotse/hub/queue"
)

func testBroadcaster(t *testing.T) *broadcaster {
	t.Helper()
	o := &queue.Office{ID: "o", Services: []queue.Service{{ID: "s", Name: "S", Prefix: "A"}}, Counters: []queue.Counter{{ID: "c", Name: "C"}}}
	b := newBroadcaster("o", newNames(o), newMetrics(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	events := []queue.Event{{Seq: 1, Type: queue.WalkedIn}, {Seq: 2, Type: queue.WalkedIn}, {Seq: 3, Type: queue.WalkedIn}}
	go b.run(ctx, 3, events, nil)
	return b
}

func register(t *testing.T, b *broadcaster, since int64, buffer int) (*client, bool) {
	t.Helper()
	c := &client{send: make(chan []message, buffer), since: since}
	reg := registration{c: c, reply: make(chan bool, 1)}
	b.register <- reg
	return c, <-reg.reply
}

func TestSlowClientIsDroppedAndNeverBlocksOthers(t *testing.T) {
	b := testBroadcaster(t)
	slow, _ := register(t, b, 3, 4) // never read
	fast, _ := register(t, b, 3, clientBuffer)
	got := make(chan int64, 1000)
	go func() {
		for batch := range fast.send {
			for _, m := range batch {
				got <- m.seq
			}
		}
	}()
	const n = 100
	for i := int64(4); i < 4+n; i++ {
		b.publish([]queue.Event{{Seq: i, Type: queue.WalkedIn}}, nil)
	}
	for want := int64(4); want < 4+n; want++ {
		select {
		case seq := <-got:
			if seq != want {
				t.Fatalf("fast client got seq %d, want %d", seq, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("fast client stuck at seq %d: the slow one blocks it", want)
		}
	}
	// The slow client's channel was closed after its buffer filled.
	deadline := time.After(10 * time.Second)
	for {
		select {
		case _, ok := <-slow.send:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("the slow client was not dropped")
		}
	}
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
			c, snap := register(t, b, tt.since, clientBuffer)
			if snap != tt.wantSnapshot {
				t.Fatalf("snapshot = %v, want %v", snap, tt.wantSnapshot)
			}
			var replay []int64
			select {
			case batch := <-c.send:
				for _, m := range batch {
					replay = append(replay, m.seq)
				}
			default:
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
