package office_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"lotse/hub/clocktest"
	"lotse/hub/office"
	"lotse/hub/queue"
	"lotse/hub/store"
)

// linesRecorder is a publisher that prepares and keeps the lines each
// batch carries, in the order the batches are published.
type linesRecorder struct {
	mu      sync.Mutex
	batches [][]queue.ServiceWait
}

func (r *linesRecorder) Publish(string, []queue.Event, []queue.ServiceWait) {
	panic("Publish called on a publisher that prepares")
}

func (r *linesRecorder) Prepare(_ string, _ []queue.Event, changed []queue.ServiceWait) office.Prepared {
	return publishedLines{r, changed}
}

type publishedLines struct {
	r     *linesRecorder
	lines []queue.ServiceWait
}

func (p publishedLines) Publish() {
	p.r.mu.Lock()
	p.r.batches = append(p.r.batches, p.lines)
	p.r.mu.Unlock()
}

func (r *linesRecorder) last() []queue.ServiceWait {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.batches[len(r.batches)-1]
}

// merged puts lines in place of the lines of the same services in board,
// as the boards do (api.Event.Waiting).
func merged(board, lines []queue.ServiceWait) []queue.ServiceWait {
	board = slices.Clone(board)
	for _, l := range lines {
		if i := slices.IndexFunc(board, func(w queue.ServiceWait) bool { return w.Service == l.Service }); i >= 0 {
			board[i] = l
		} else {
			board = append(board, l)
		}
	}
	return board
}

func services(lines []queue.ServiceWait) []string {
	var out []string
	for _, l := range lines {
		out = append(out, l.Service)
	}
	return out
}

// TestEventsCarryTheLinesTheyChanged: the screens keep the waiting lines
// an event does not bring, so a batch must bring every line it changed,
// and after a commit that failed (its batches never reached them) every
// line; it need bring no other.
func TestEventsCarryTheLinesTheyChanged(t *testing.T) {
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "l.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	o := testOffice()
	o.Services = append(o.Services, queue.Service{ID: "p", Name: "Pass", Prefix: "P", Duration: 10 * time.Minute})
	o.Counters[0].Services = []string{"s", "p"}
	c := clocktest.New(time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC))
	rec := &linesRecorder{}
	l := office.New(office.Config{Office: o, DB: db, Now: c.Now, Elapsed: c.Elapsed, Publish: rec, TickEvery: time.Hour})
	var failNext bool
	office.SetCommit(l, func(ctx context.Context, office string, b store.Batch) error {
		if failNext {
			failNext = false
			return errors.New("disk full")
		}
		return db.Commit(ctx, office, b)
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { l.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	<-l.Ready()

	board := l.Waiting() // as a snapshot gives it
	draw := func(service string) error {
		_, err := office.Do(ctx, l, func(q *queue.Queue, now time.Time) (queue.Ticket, []queue.Event, error) {
			return q.WalkIn(now, service, false)
		})
		return err
	}
	walkIn := func(service string) error {
		for try := 1; ; try++ {
			// Right after a failed commit a walk-in can come before the
			// loop heard of it, stand on the lost state and fail too.
			if err := draw(service); queue.ErrorCode(err) != queue.Unavailable || try == 100 {
				return err
			}
		}
	}
	steps := []struct {
		name    string
		do      func() error
		fails   bool
		carries []string // the services of the lines the batch carries
	}{
		{"the first batch since the start", func() error { return walkIn("s") }, false, []string{"s", "p"}},
		{"a walk-in changes its service's line", func() error { return walkIn("p") }, false, []string{"p"}},
		{"and again", func() error { return walkIn("p") }, false, []string{"p"}},
		{"a commit that fails", func() error { failNext = true; return draw("s") }, true, nil},
		{"the batch after a failed commit", func() error { return walkIn("s") }, false, []string{"s", "p"}},
		{"a call", func() error {
			_, err := office.Do(ctx, l, func(q *queue.Queue, now time.Time) (queue.Ticket, []queue.Event, error) {
				return q.Do(now, queue.Action{Counter: "c2", Kind: queue.ActNext})
			})
			return err
		}, false, []string{"s"}},
	}
	for _, s := range steps {
		err := s.do()
		if s.fails {
			if err == nil {
				t.Fatalf("%s: no error", s.name)
			}
			// The loop restores from the store before the next batch.
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		lines := rec.last()
		if got := services(lines); !slices.Equal(got, s.carries) {
			t.Errorf("%s carries the lines of %v, want %v", s.name, got, s.carries)
		}
		board = merged(board, lines)
		if want := l.Waiting(); !slices.Equal(board, want) {
			t.Fatalf("after %s a board shows %+v, the office has %+v", s.name, board, want)
		}
	}
}

// TestWaitingAtWaitsForTheSeq: a snapshot read from the store can hold an
// event that the loop has not published yet; its lines must not be the
// ones from before that event.
func TestWaitingAtWaitsForTheSeq(t *testing.T) {
	l, g, stop := startGated(t)
	defer stop()
	ctx := context.Background()
	if w, err := l.WaitingAt(ctx, 0); err != nil || w[0].Waiting != 0 {
		t.Fatalf("lines at seq 0: %+v, %v", w, err)
	}
	go walkIn(ctx, l)
	wait(t, g.started, "the walk-in's commit")
	got := make(chan []queue.ServiceWait, 1)
	go func() {
		w, err := l.WaitingAt(ctx, 1)
		if err != nil {
			t.Error(err)
		}
		got <- w
	}()
	g.release <- nil
	if w := wait(t, got, "lines at seq 1"); w[0].Waiting != 1 {
		t.Errorf("lines at seq 1 show %d waiting, want 1", w[0].Waiting)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := l.WaitingAt(cctx, 99); !errors.Is(err, context.Canceled) {
		t.Errorf("waiting for a seq that does not come: %v, want the context's error", err)
	}
}

// TestACommitThatFailedAfterWritingIsPublished: a commit can report an
// error although its rows were written (a sync whose answer was lost).
// The loop then restores what the store holds, and must publish it: a
// snapshot read from the store waits for its seq to be published.
func TestACommitThatFailedAfterWritingIsPublished(t *testing.T) {
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "l.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c := clocktest.New(time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC))
	l := office.New(office.Config{Office: testOffice(), DB: db, Now: c.Now, Elapsed: c.Elapsed, TickEvery: time.Hour})
	office.SetCommit(l, func(ctx context.Context, office string, b store.Batch) error {
		// Written, but the loop hears nothing of it (as if the sync's
		// answer were lost) but an error.
		b.Durable, b.BeforeDerived = nil, nil
		if err := db.Commit(ctx, office, b); err != nil {
			return err
		}
		return errors.New("the answer was lost")
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { l.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	<-l.Ready()

	if _, err := walkIn(ctx, l); err == nil {
		t.Fatal("the walk-in's commit reported no error")
	}
	// The loop hears of the failure and restores from the store before
	// or after a command that comes right after it.
	for try := 0; l.Seq() != 1; try++ {
		if try == 100 {
			t.Fatalf("the loop publishes seq %d; the store holds seq 1", l.Seq())
		}
		if _, err := office.Do(ctx, l, func(*queue.Queue, time.Time) (struct{}, []queue.Event, error) { return struct{}{}, nil, nil }); err != nil {
			t.Fatal(err)
		}
	}
	cctx, stop := context.WithCancel(ctx)
	stop() // it must not need to wait
	if w, err := l.WaitingAt(cctx, 1); err != nil || w[0].Waiting != 1 {
		t.Errorf("lines at seq 1: %+v, %v; want 1 waiting at once", w, err)
	}
}
