package office

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"lotse/hub/queue"
	"lotse/hub/store"
)

// TestCommitterBeginsWhileTheLoopApplies drives the committer by hand
// through the hand-off: the loop's "a change is coming" makes it begin a
// transaction, which the next batch is committed in when it writes, and
// which is let go of at once when it writes nothing: the begun
// transaction holds every other write up.
func TestCommitterBeginsWhileTheLoopApplies(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "b.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	o := queue.Office{ID: "o", Location: time.UTC, Policy: queue.DefaultPolicy(),
		Services: []queue.Service{{ID: "s", Name: "S", Prefix: "A"}},
		Counters: []queue.Counter{{ID: "c1", Services: []string{"s"}}}}
	now := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	l := New(Config{Office: o, DB: db, Now: func() time.Time { return now }})
	begun := make(chan struct{}, 1)
	l.beginFn = func(ctx context.Context) (*store.Begun, error) {
		b, err := db.Begin(ctx)
		begun <- struct{}{}
		return b, err
	}
	withBegun := make(chan bool, 1)
	l.commitFn = func(ctx context.Context, office string, b store.Batch) error {
		withBegun <- b.Begun != nil
		return db.Commit(ctx, office, b)
	}
	h := newHandoff(16)
	failed := make(chan int, 1)
	done := make(chan struct{})
	go func() { l.commitAll(ctx, h, failed); close(done) }()
	defer func() { h.close(nil); <-done }()

	// A write elsewhere (the sessions, another office) must get the
	// writer; a transaction held by the committer would stall it.
	writeElsewhere := func(when string) {
		t.Helper()
		wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
		defer wcancel()
		b, err := db.Begin(wctx)
		if err != nil {
			t.Fatalf("%s: another write waited for the committer's transaction: %v", when, err)
		}
		b.Abort()
	}
	q := queue.New(o, o.Day(now))
	answered := make(chan reply, 1)

	// A change that writes: committed in the begun transaction.
	signal(h.soon)
	<-begun
	_, events, err := q.WalkIn(now, "s", false)
	if err != nil {
		t.Fatal(err)
	}
	h.put(pendingBatch{size: 1, replies: []chan reply{answered}, results: []reply{{}}, events: events,
		cursor: store.Batch{Day: q.Day(), Seq: q.Seq(), LastNumber: q.LastNumber()}})
	<-answered
	if !<-withBegun {
		t.Error("the batch was not committed in the transaction begun for it")
	}
	writeElsewhere("after a committed change")

	// A change that came to nothing (next with nobody waiting).
	signal(h.soon)
	<-begun
	h.put(pendingBatch{size: 1, replies: []chan reply{answered}, results: []reply{{}}})
	<-answered
	writeElsewhere("after a change that wrote nothing")

	// A batch dropped after a failed commit: the committer is woken
	// for nothing.
	signal(h.soon)
	<-begun
	h.put(pendingBatch{size: 1, replies: []chan reply{nil}, results: []reply{{}}})
	h.drop()
	writeElsewhere("after a dropped batch")
}
