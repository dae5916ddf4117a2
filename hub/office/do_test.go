package office_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"lotse/hub/clocktest"
	"lotse/hub/office"
	"lotse/hub/queue"
)

// TestDoReturnsTheCommandsResult: Do hands back the command's result with
// its own type, also next to the command's error (next with nobody waiting
// still reports the counter's zero ticket), and T's zero value when the
// loop never ran the command.
func TestDoReturnsTheCommandsResult(t *testing.T) {
	ctx := context.Background()
	l, stop := start(t, openDB(t, ""), clocktest.New(time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)), nil)

	type result struct {
		day   string
		count int
	}
	got, err := office.Do(ctx, l, func(q *queue.Queue, _ time.Time) (result, []queue.Event, error) {
		return result{day: q.Day(), count: 7}, nil, nil
	})
	if err != nil || got != (result{day: "2026-05-04", count: 7}) {
		t.Fatalf("Do = %+v, %v; want the command's result", got, err)
	}

	want := queue.Errorf(queue.NotFound, "nobody")
	tk, err := office.Do(ctx, l, func(*queue.Queue, time.Time) (queue.Ticket, []queue.Event, error) {
		return queue.Ticket{Number: "A001"}, nil, want
	})
	if !errors.Is(err, want) || tk.Number != "A001" {
		t.Fatalf("Do = %+v, %v; want the command's ticket and error", tk, err)
	}

	// A stopped loop never runs the command.
	stop()
	gone, cancel := context.WithCancel(ctx)
	cancel()
	n, err := office.Do(gone, l, func(*queue.Queue, time.Time) (*int, []queue.Event, error) {
		v := 1
		return &v, nil, nil
	})
	if !errors.Is(err, context.Canceled) || n != nil {
		t.Fatalf("Do on a stopped loop = %v, %v; want nil and the context's error", n, err)
	}
}
