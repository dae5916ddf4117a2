package office_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"lotse/hub/clocktest"
	"lotse/hub/office"
	"lotse/hub/queue"
	"lotse/hub/store"
)

// deliverer prepares batches whose delivery to the screens the test
// decides: asked tells that the committer asked, done closes when the
// screens have them.
type deliverer struct {
	preparer
	asked chan struct{}
	done  chan struct{}
}

func (d *deliverer) Prepare(_ string, events []queue.Event, _ []queue.ServiceWait) office.Prepared {
	return &deliveredBatch{preparedBatch: preparedBatch{p: &d.preparer, events: events}, d: d}
}

type deliveredBatch struct {
	preparedBatch
	d *deliverer
}

func (b *deliveredBatch) Delivered() <-chan struct{} {
	select {
	case b.d.asked <- struct{}{}:
	default:
	}
	return b.d.done
}

// startDelivering runs a loop that waits up to wait for the screens, with
// two walk-ins waiting and Schalter 1 staffed.
func startDelivering(t *testing.T, wait time.Duration) (*store.DB, *office.Loop, *deliverer, func()) {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "d.db"))
	if err != nil {
		t.Fatal(err)
	}
	c := clocktest.New(time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC))
	d := &deliverer{preparer: preparer{t: t}, asked: make(chan struct{}, 16), done: make(chan struct{})}
	l := office.New(office.Config{Office: testOffice(), DB: db, Now: c.Now, Elapsed: c.Elapsed, Publish: d, TickEvery: time.Hour})
	office.SetDeliveryWait(l, wait)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { l.Run(ctx); close(stopped) }()
	<-l.Ready()
	for range 2 {
		if _, err := walkIn(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	return db, l, d, func() { cancel(); <-stopped; db.Close() }
}

// next calls the next ticket at Schalter 1 as a clerk does; its answer
// comes on the channel.
func next(l *office.Loop) <-chan error {
	answer := make(chan error, 1)
	go func() {
		_, err := office.Do(context.Background(), l, func(q *queue.Queue, now time.Time) (queue.Ticket, []queue.Event, error) {
			return q.Do(now, queue.Action{Counter: "c1", Kind: queue.ActNext})
		})
		answer <- err
	}()
	return answer
}

// guard is how long a test waits for what must happen; not a timing.
const guard = 10 * time.Second

func await[T any](t *testing.T, c <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(guard):
		t.Fatalf("%s did not happen", what)
	}
	var zero T
	return zero
}

// TestCallsRowsWaitForTheScreens: a call is published once durable, and
// its derived rows (and so the clerk's answer) follow once the screens
// have it.
func TestCallsRowsWaitForTheScreens(t *testing.T) {
	db, l, d, stop := startDelivering(t, time.Hour)
	defer stop()
	before := l.Seq()
	answer := next(l)
	await(t, d.asked, "asking whether the screens have the call")
	if l.Seq() == before {
		t.Fatal("asked before the call was published")
	}
	v, err := db.View(context.Background(), "o")
	if err != nil || v.Seq != before {
		t.Fatalf("view while the screens write: seq %d (%v); want %d, the rows not yet written", v.Seq, err, before)
	}
	select {
	case err := <-answer:
		t.Fatalf("the clerk was answered (%v) before the screens had the call", err)
	default:
	}
	close(d.done)
	if err := await(t, answer, "the clerk's answer"); err != nil {
		t.Fatal(err)
	}
	if v, err := db.View(context.Background(), "o"); err != nil || v.Seq != l.Seq() {
		t.Fatalf("view after: seq %d (%v); want %d", v.Seq, err, l.Seq())
	}
}

// TestCallsRowsWaitNotForever: a screen that never takes the call holds
// the rows up for the wait at most, and the next command not at all.
func TestCallsRowsWaitNotForever(t *testing.T) {
	t.Run("bounded", func(t *testing.T) {
		_, l, d, stop := startDelivering(t, time.Millisecond)
		defer stop()
		if err := await(t, next(l), "the answer after the wait"); err != nil {
			t.Fatal(err)
		}
		await(t, d.asked, "asking whether the screens have the call")
	})
	t.Run("the next command goes first", func(t *testing.T) {
		_, l, d, stop := startDelivering(t, time.Hour)
		defer stop()
		answer := next(l)
		await(t, d.asked, "asking whether the screens have the call")
		walked := make(chan error, 1)
		go func() { _, err := walkIn(context.Background(), l); walked <- err }()
		if err := await(t, answer, "the call's answer once another command came"); err != nil {
			t.Fatal(err)
		}
		if err := await(t, walked, "the walk-in's answer"); err != nil {
			t.Fatal(err)
		}
	})
}
