package office_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"lotse/hub/clocktest"
	"lotse/hub/office"
	"lotse/hub/queue"
	"lotse/hub/store"
)

// gatedCommit holds every commit until the test lets it go, and records
// how many events each one carried.
type gatedCommit struct {
	db      *store.DB
	started chan int   // the events of a commit that began
	release chan error // lets one commit go on, or fail with the error
	mu      sync.Mutex
	sizes   []int
}

func (g *gatedCommit) commit(ctx context.Context, office string, b store.Batch) error {
	select {
	case g.started <- len(b.Events):
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-g.release:
		if err != nil {
			return err
		}
	case <-ctx.Done():
		return ctx.Err()
	}
	g.mu.Lock()
	g.sizes = append(g.sizes, len(b.Events))
	g.mu.Unlock()
	return g.db.Commit(ctx, office, b)
}

// appliedWalkIn draws a walk-in and says on applied when the loop has run
// it (before it is committed).
func appliedWalkIn(ctx context.Context, l *office.Loop, applied chan<- struct{}) (queue.Ticket, error) {
	return office.Do(ctx, l, func(q *queue.Queue, now time.Time) (queue.Ticket, []queue.Event, error) {
		defer func() { applied <- struct{}{} }()
		return q.WalkIn(now, "s", false)
	})
}

// wait returns what arrives on ch, or fails the test after a bound that
// only a broken loop reaches.
func wait[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(30 * time.Second):
		t.Fatalf("no %s", what)
		panic("unreachable")
	}
}

func startGated(t *testing.T) (*office.Loop, *gatedCommit, func()) {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "b.db"))
	if err != nil {
		t.Fatal(err)
	}
	g := &gatedCommit{db: db, started: make(chan int, 1), release: make(chan error)}
	c := clocktest.New(time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC))
	l := office.New(office.Config{Office: testOffice(), DB: db, Now: c.Now, Elapsed: c.Elapsed, TickEvery: time.Hour})
	office.SetCommit(l, g.commit)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { l.Run(ctx); close(done) }()
	<-l.Ready()
	return l, g, func() {
		cancel()
		<-done
		db.Close()
	}
}

// TestCommandsDuringACommitShareTheNextOne: group commit must not depend on
// how the requests happen to arrive. Commands that come one by one while a
// commit runs are all applied at once (nobody waits for the disk to be
// applied) and become durable together in the next commit, one fsync for
// all of them, however many small batches they arrived in.
func TestCommandsDuringACommitShareTheNextOne(t *testing.T) {
	for _, n := range []int{1, 2, 7, 40} {
		t.Run("", func(t *testing.T) {
			l, g, stop := startGated(t)
			defer stop()
			ctx := context.Background()
			applied := make(chan struct{}, n+1)
			type result struct {
				tk  queue.Ticket
				err error
			}
			results := make(chan result, n+1)
			draw := func() {
				go func() {
					tk, err := appliedWalkIn(ctx, l, applied)
					results <- result{tk, err}
				}()
			}
			draw()
			wait(t, applied, "first walk-in applied")
			if got := wait(t, g.started, "first commit"); got != 1 {
				t.Fatalf("first commit has %d events, want 1", got)
			}
			// The first commit hangs on the disk; the next commands come
			// one at a time.
			for range n {
				draw()
				wait(t, applied, "walk-in applied during a commit")
			}
			// The loop runs commands in order: once this one runs, every
			// walk-in before it waits for the committer.
			barrier(t, l)
			g.release <- nil
			if got := wait(t, g.started, "second commit"); got != n {
				t.Errorf("second commit has %d events, want all %d that came during the first", got, n)
			}
			g.release <- nil
			numbers := map[string]bool{}
			for range n + 1 {
				r := wait(t, results, "answer")
				if r.err != nil {
					t.Fatal(r.err)
				}
				numbers[r.tk.Number] = true
			}
			if len(numbers) != n+1 {
				t.Errorf("%d distinct numbers for %d tickets", len(numbers), n+1)
			}
		})
	}
}

// TestFailedCommitFailsWhatStoodOnIt: a batch applied while the commit
// before it failed stood on a queue that never became durable; its callers
// hear so, and the loop goes on from the store's state.
func TestFailedCommitFailsWhatStoodOnIt(t *testing.T) {
	l, g, stop := startGated(t)
	defer stop()
	ctx := context.Background()
	applied := make(chan struct{}, 8)
	errs := make(chan error, 8)
	draw := func() {
		go func() {
			_, err := appliedWalkIn(ctx, l, applied)
			errs <- err
		}()
	}
	draw()
	wait(t, applied, "first walk-in applied")
	wait(t, g.started, "first commit")
	for range 3 {
		draw()
		wait(t, applied, "walk-in applied during the commit")
	}
	barrier(t, l)
	g.release <- errors.New("disk full")
	for range 4 {
		if err := wait(t, errs, "answer"); queue.ErrorCode(err) != queue.Unavailable {
			t.Errorf("walk-in on a failed commit: %v, want unavailable", err)
		}
	}
	// Nothing of it is durable, so the numbering starts again. A walk-in
	// that comes before the loop has heard of the failure stands on the
	// lost state too and fails the same way; the kiosk tries again.
	go func() {
		<-g.started
		g.release <- nil
	}()
	for try := 1; ; try++ {
		tk, err := walkIn(ctx, l)
		if queue.ErrorCode(err) == queue.Unavailable && try < 100 {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if tk.Number != "A001" {
			t.Errorf("first durable ticket is %s, want A001", tk.Number)
		}
		break
	}
}

// barrier returns once the loop has run every command sent before it; its
// own empty batch commits nothing.
func barrier(t *testing.T, l *office.Loop) {
	t.Helper()
	ran := make(chan struct{})
	go office.Do(context.Background(), l, func(*queue.Queue, time.Time) (struct{}, []queue.Event, error) {
		close(ran)
		return struct{}{}, nil, nil
	})
	wait(t, ran, "barrier")
}
