package booking_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	"lotse/hub/booking"
	"lotse/hub/booking/faulty"
	"lotse/hub/booking/reference"
	"lotse/hub/booking/rest"
	"lotse/hub/queue"
)

// simStore is an in-memory outbox store.
type simStore struct {
	mu      sync.Mutex
	reports map[int64]booking.Report
}

func (s *simStore) PendingReports(ctx context.Context, office string, limit int) ([]booking.Report, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]booking.Report, 0, len(s.reports))
	for _, r := range s.reports {
		if r.Office == office {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out[:min(limit, len(out))], nil
}

func (s *simStore) DeleteReports(ctx context.Context, ids []int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		delete(s.reports, id)
	}
	return nil
}

// DeadLetter fails the test's run: the outage has no 4xx.
func (s *simStore) DeadLetter(ctx context.Context, r booking.Report, answer string, at time.Time) error {
	return fmt.Errorf("report %d refused: %s", r.ID, answer)
}

func (s *simStore) RetryDeadLetters(ctx context.Context, office string) (int, error) { return 0, nil }

func (s *simStore) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.reports)
}

// TestAnHourOfOutageDuring200CheckIns simulates 9:00 to 10:00 with the
// booking backend down in every way while 200 citizens check in (one every
// 18 s), then its recovery with lost answers. A fake clock drives the
// outbox's backoff, so the hour takes milliseconds. Afterwards the
// reference server has every report exactly once and in order, and the
// outbox never hammered the dead backend.
func TestAnHourOfOutageDuring200CheckIns(t *testing.T) {
	const checkIns = 200
	loc, _ := time.LoadLocation("Europe/Berlin")
	start := time.Date(2026, 3, 10, 9, 0, 0, 0, loc)
	recovery := start.Add(time.Hour)

	var appts []rest.Appointment
	for i := range checkIns {
		appts = append(appts, rest.Appointment{ID: fmt.Sprintf("R-%03d", i), Start: start.Add(time.Duration(i) * 18 * time.Second),
			Services: []rest.Service{{ID: "fz"}}, Secret: "s"})
	}
	ref := reference.New(reference.Options{})
	ref.SetFile(reference.File{Offices: map[string][]rest.Appointment{"mitte": appts}})

	var mu sync.Mutex
	now := start
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	down := []faulty.Mode{faulty.Unavailable, faulty.ServerError, faulty.Reset, faulty.HTMLPage, faulty.LoseAnswer}
	requests := 0
	failedDuringOutage := 0
	fault := &faulty.Handler{Next: ref, Decide: func(r *http.Request) faulty.Mode {
		mu.Lock()
		defer mu.Unlock()
		requests++
		switch {
		case now.Before(recovery):
			failedDuringOutage++
			return down[requests%len(down)]
		case requests%4 == 0 && now.Before(recovery.Add(10*time.Minute)):
			// Shaky recovery: the backend records the report, the
			// answer gets lost, the hub sends it again.
			return faulty.LoseAnswer
		}
		return faulty.Pass
	}}
	srv := httptest.NewServer(fault)
	defer srv.Close()

	store := &simStore{reports: map[int64]booking.Report{}}
	nextCheckIn := 0
	// checkInsDue adds the reports of the check-ins due by now.
	checkInsDue := func() {
		store.mu.Lock()
		defer store.mu.Unlock()
		for nextCheckIn < checkIns && !appts[nextCheckIn].Start.After(now) {
			store.reports[int64(nextCheckIn+1)] = booking.Report{ID: int64(nextCheckIn + 1), Office: "mitte",
				Appointment: appts[nextCheckIn].ID, Kind: queue.ReportArrived, At: appts[nextCheckIn].Start}
			nextCheckIn++
		}
	}
	checkInsDue()
	done := make(chan struct{})
	var doneOnce sync.Once
	// after is the outbox's timer: it moves the fake clock on by d, lets
	// the citizens due by then check in, and fires at once.
	after := func(d time.Duration) <-chan time.Time {
		mu.Lock()
		now = now.Add(d)
		t := now
		mu.Unlock()
		checkInsDue()
		store.mu.Lock()
		finished := nextCheckIn == checkIns && len(store.reports) == 0
		store.mu.Unlock()
		if finished {
			doneOnce.Do(func() { close(done) })
			return nil // idle for good: the test ends here
		}
		ch := make(chan time.Time, 1)
		ch <- t
		return ch
	}
	ob := &booking.Outbox{
		Store: store, Backend: &rest.Client{BaseURL: srv.URL, Timeout: 5 * time.Second}, Offices: []string{"mitte"},
		Now: clock, After: after, Jitter: func(d time.Duration) time.Duration { return d },
		MinBackoff: time.Second, MaxBackoff: time.Minute, Poll: 30 * time.Second,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan error, 1)
	go func() { runDone <- ob.Run(ctx) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatalf("not done within 60s: %d check-ins, %d reports waiting, fake time %v", nextCheckIn, store.len(), clock().Sub(start))
	}
	cancel()
	if err := <-runDone; err != nil {
		t.Fatal(err)
	}

	got := ref.Reports()
	if len(got.Reports) != checkIns {
		t.Fatalf("reference has %d reports, want %d", len(got.Reports), checkIns)
	}
	for i, r := range got.Reports {
		if want := fmt.Sprintf("R-%03d", i); r.Report.Appointment != want {
			t.Fatalf("report %d is for %s, want %s: out of order", i, r.Report.Appointment, want)
		}
	}
	if got.Duplicates == 0 {
		t.Error("no duplicate delivery happened: the test did not exercise the idempotency key")
	}
	// An hour with backoff capped at a minute: about 60 attempts (plus
	// the transport's one replay of a reset request that carries an
	// Idempotency-Key), not thousands.
	if failedDuringOutage > 120 {
		t.Errorf("%d requests during the hour of outage: the outbox hammers a dead backend", failedDuringOutage)
	}
	st := ob.Status()
	if st.Delivered != checkIns || st.Depth != 0 || st.LastError != "" {
		t.Errorf("outbox status = %+v", st)
	}
	t.Logf("fake time %v; %d requests while down; %d duplicates absorbed", clock().Sub(start).Round(time.Second), failedDuringOutage, got.Duplicates)
}
