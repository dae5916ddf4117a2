package office_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"lotse/hub/clocktest"
	"lotse/hub/office"
	"lotse/hub/store"
)

// TestPurgeThatMetAReaderIsFinishedSoon (issue 11.7): a purge whose
// checkpoint readers held up leaves the purged day readable in the WAL.
// The loop finishes it at its next ticks, not at the next day turn or
// restart, logs it once, and stops retrying once it is done.
func TestPurgeThatMetAReaderIsFinishedSoon(t *testing.T) {
	unfinished := fmt.Errorf("checkpoint: readers kept 3 of 9 WAL frames: %w", store.ErrPurgeUnfinished)
	tests := []struct {
		name      string
		atStart   bool // the start's purge met the reader, else the day turn's
		failFirst int  // finishing attempts that still meet a reader
	}{
		{"start's purge, reader gone at the first tick", true, 0},
		{"start's purge, reader still there at the first tick", true, 1},
		{"day turn's purge", false, 0},
		{"day turn's purge, reader still there at the first tick", false, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := openDB(t, "")
			c := clocktest.New(time.Date(2026, 5, 4, 23, 58, 0, 0, time.UTC))
			var logged bytes.Buffer
			l := office.New(office.Config{Office: testOffice(), DB: db, Now: c.Now, TickEvery: time.Hour, DayTurnHold: -1,
				Log: slog.New(slog.NewTextHandler(&logged, nil))})
			purged := make(chan struct{}, 1)
			starting := true
			office.SetPurge(l, func(ctx context.Context, office, today string) (int64, error) {
				first := starting
				starting = false
				if first != tc.atStart {
					return 0, nil
				}
				purged <- struct{}{}
				return 1, unfinished
			})
			var calls atomic.Int32
			tried := make(chan struct{}, 8)
			office.SetFinishPurge(l, func(ctx context.Context) error {
				n := calls.Add(1)
				tried <- struct{}{}
				if int(n) <= tc.failFirst {
					return unfinished
				}
				return nil
			})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { l.Run(ctx); close(done) }()
			<-l.Ready()
			if !tc.atStart {
				if _, err := walkIn(context.Background(), l); err != nil {
					t.Fatal(err)
				}
				c.Set(time.Date(2026, 5, 5, 0, 1, 0, 0, time.UTC))
				tick(t, l)
			}
			receive(t, purged, "the purge")
			for range tc.failFirst + 1 {
				tick(t, l)
				receive(t, tried, "an attempt to finish the purge")
			}
			tick(t, l) // finished: nothing more to do
			cancel()
			<-done
			if n := int(calls.Load()); n != tc.failFirst+1 {
				t.Fatalf("%d attempts to finish the purge, want %d (until it succeeded)", n, tc.failFirst+1)
			}
			out := logged.String()
			if n := strings.Count(out, "purge of past days unfinished"); n != 1 {
				t.Fatalf("unfinished purge logged %d times, want once:\n%s", n, out)
			}
			if n := strings.Count(out, "finished the purge of past days"); n != 1 {
				t.Fatalf("finished purge logged %d times, want once:\n%s", n, out)
			}
		})
	}
}

// receive waits for what ch signals; the guard only ends a broken test.
func receive(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not happen", what)
	}
}
