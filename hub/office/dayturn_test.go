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

func openDB(t *testing.T, path string) *store.DB {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "l.db")
	}
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestClockJumps: a jump of the clock neither ends the day early nor
// reopens a closed one, and no ticket id is ever issued twice.
func TestClockJumps(t *testing.T) {
	d0 := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	hold := office.DefaultDayTurnHold
	type step struct {
		set     time.Duration // clock at d0 + set
		restart bool          // stop the loop and start a new one on the same file
		wantDay string        // the queue's day after a tick
	}
	tests := []struct {
		name  string
		steps []step
		// whether the waiting tickets drawn before the jump are still
		// waiting at the end
		waitingKept bool
	}{
		{"forward 24 h and back within the hold", []step{
			{set: 24 * time.Hour, wantDay: "2026-05-04"},
			{set: 24*time.Hour + hold - time.Second, wantDay: "2026-05-04"},
			{set: time.Minute, wantDay: "2026-05-04"},
		}, true},
		{"forward 24 h twice, back in between", []step{
			{set: 24 * time.Hour, wantDay: "2026-05-04"},
			{set: 2 * time.Minute, wantDay: "2026-05-04"},
			{set: 24*time.Hour + 3*time.Minute, wantDay: "2026-05-04"},
			{set: 24*time.Hour + hold + 2*time.Minute, wantDay: "2026-05-04"}, // held only hold-1 min since the second jump
		}, true},
		{"forward 24 h that holds, then back", []step{
			{set: 24 * time.Hour, wantDay: "2026-05-04"},
			{set: 24*time.Hour + hold, wantDay: "2026-05-05"},
			{set: 5 * time.Minute, wantDay: "2026-05-05"},
			{set: 6 * time.Minute, restart: true, wantDay: "2026-05-05"},
		}, false},
		{"back 24 h", []step{
			{set: -24 * time.Hour, wantDay: "2026-05-04"},
			{set: -24*time.Hour + hold + time.Hour, wantDay: "2026-05-04"},
			{set: -24*time.Hour + 2*time.Hour, restart: true, wantDay: "2026-05-04"},
		}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "l.db")
			db := openDB(t, path)
			c := clocktest.New(d0)
			rec := &recorder{}
			l, stop := start(t, db, c, rec)
			defer func() { stop() }()
			// A booking later in the day, not checked in: a jump must
			// not make it a no-show.
			appt := queue.Appointment{ID: "a1", Office: "o", Start: d0.Add(4 * time.Hour), Duration: 5 * time.Minute,
				Services: []queue.ServiceCount{{Service: "s", Count: 1}}, Secret: "secret"}
			if _, err := l.ApplyAppointments(ctx, "o", "2026-05-04", []queue.Appointment{appt}); err != nil {
				t.Fatal(err)
			}
			ids := map[string]bool{}
			draw := func() queue.Ticket {
				t.Helper()
				tk, err := walkIn(ctx, l)
				if err != nil {
					t.Fatal(err)
				}
				if ids[tk.ID] {
					t.Fatalf("ticket id %s issued twice", tk.ID)
				}
				ids[tk.ID] = true
				return tk
			}
			before := []queue.Ticket{draw(), draw()}
			for i, s := range tc.steps {
				c.Set(d0.Add(s.set))
				if s.restart {
					stop()
					l, stop = start(t, db, c, rec)
				}
				tick(t, l)
				st, _, err := db.LoadState(ctx, "o")
				if err != nil {
					t.Fatal(err)
				}
				if st.Day != s.wantDay {
					t.Fatalf("step %d (clock %s): day %s, want %s", i, c.Now().Format(time.RFC3339), st.Day, s.wantDay)
				}
				draw()
			}
			st, _, err := db.LoadState(ctx, "o")
			if err != nil {
				t.Fatal(err)
			}
			kept := 0
			for _, tk := range st.Tickets {
				if (tk.ID == before[0].ID || tk.ID == before[1].ID) && tk.State == queue.Waiting {
					kept++
				}
			}
			if tc.waitingKept != (kept == 2) {
				t.Fatalf("%d of the 2 waiting tickets kept, want kept = %v", kept, tc.waitingKept)
			}
			rec.mu.Lock()
			defer rec.mu.Unlock()
			turns := 0
			for i, e := range rec.events {
				switch e.Type {
				case queue.AppointmentNoShow:
					t.Fatalf("appointment reported as no-show at %s after a clock jump", e.At.Format(time.RFC3339))
				case queue.DayTurned:
					turns++
					if i+1 < len(rec.events) && rec.events[i+1].Type != queue.WalkedIn {
						t.Fatalf("day_turned is not the last event of its turn: %s follows", rec.events[i+1].Type)
					}
				}
			}
			if want := map[bool]int{true: 0, false: 1}[tc.waitingKept]; turns != want {
				t.Fatalf("%d day turns, want %d", turns, want)
			}
		})
	}
}

// TestPurgeHoldsUpShutdown: the purge of past days belongs to the loop's
// lifetime. Run does not return while a purge still works on the store.
func TestPurgeHoldsUpShutdown(t *testing.T) {
	db := openDB(t, "")
	c := clocktest.New(time.Date(2026, 5, 4, 23, 58, 0, 0, time.UTC))
	l := office.New(office.Config{Office: testOffice(), DB: db, Now: c.Now, TickEvery: time.Hour, DayTurnHold: -1})
	started := make(chan string, 1)
	sawCancel := make(chan struct{})
	release := make(chan struct{})
	loaded := false
	office.SetPurge(l, func(ctx context.Context, office, today string) (int64, error) {
		if !loaded { // the start's own purge
			loaded = true
			return 0, nil
		}
		started <- today
		<-ctx.Done()
		close(sawCancel)
		<-release
		return db.Purge(context.Background(), office, today)
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { l.Run(ctx); close(done) }()
	<-l.Ready()
	if _, err := walkIn(context.Background(), l); err != nil {
		t.Fatal(err)
	}
	c.Set(time.Date(2026, 5, 5, 0, 1, 0, 0, time.UTC))
	tick(t, l)
	if day := <-started; day != "2026-05-05" {
		t.Fatalf("purge before %s", day)
	}
	cancel()
	select {
	case <-done:
		t.Fatal("Run returned while the purge was still running")
	case <-sawCancel:
	}
	select {
	case <-done:
		t.Fatal("Run returned while the purge was still running")
	default:
	}
	close(release)
	<-done
}

// TestStartPurgesWhatAnEarlierStartLeft: a start that crashed after it had
// closed the old day (cursor on the new day) left yesterday's personal
// data behind; the next start purges it although no day turns.
func TestStartPurgesWhatAnEarlierStartLeft(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, "")
	yesterday := time.Date(2026, 5, 4, 17, 0, 0, 0, time.UTC)
	tk := queue.Ticket{ID: queue.TicketID("o", "2026-05-04", 1), Office: "o", Day: "2026-05-04", N: 1, Number: "A001",
		State: queue.Cancelled, Services: []queue.ServiceCount{{Service: "s", Count: 1}}, Arrived: yesterday}
	if err := db.Commit(ctx, "o", store.Batch{Day: "2026-05-05", Seq: 1, LastNumber: 0,
		Events: []queue.Event{{Seq: 1, Office: "o", Type: queue.TicketCancelled, At: yesterday, Ticket: &tk}}}); err != nil {
		t.Fatal(err)
	}
	c := clocktest.New(time.Date(2026, 5, 5, 7, 0, 0, 0, time.UTC))
	_, stop := start(t, db, c, nil)
	defer stop()
	events, err := db.EventsSince(ctx, "o", 0, 10)
	if err != nil || len(events) != 0 {
		t.Fatalf("yesterday's events after the start: %v, %v", events, err)
	}
	n, err := db.Purge(ctx, "o", "2026-05-05")
	if err != nil || n != 0 {
		t.Fatalf("a second purge still found %d rows: %v", n, err)
	}
}
