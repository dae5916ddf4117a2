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

// TestClockJumps: a jump of the clock neither ends the day nor reopens a
// closed one, and no ticket id is ever issued twice. Set is a jump of the
// wall clock; Advance is time passing (it moves the monotonic clock too).
func TestClockJumps(t *testing.T) {
	d0 := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	hold := office.DefaultDayTurnHold
	type step struct {
		jump    time.Duration // the wall clock jumps by this
		pass    time.Duration // then this much time passes
		restart bool          // stop the loop and start a new one on the same file
		wantDay string        // the queue's day after a tick
	}
	tests := []struct {
		name  string
		steps []step
		turns int // day turns (closed days) in the run
		// the booking at 14:00 was missed: real time went past it
		noShow bool
	}{
		{"forward 24 h and back within the hold", []step{
			{jump: 24 * time.Hour, wantDay: "2026-05-04"},
			{pass: hold - time.Second, wantDay: "2026-05-04"},
			{jump: -24 * time.Hour, wantDay: "2026-05-04"},
		}, 0, false},
		{"forward 24 h twice, back in between", []step{
			{jump: 24 * time.Hour, wantDay: "2026-05-04"},
			{pass: 2 * time.Minute, jump: -24 * time.Hour, wantDay: "2026-05-04"},
			{jump: 24 * time.Hour, pass: time.Minute, wantDay: "2026-05-04"},
			{pass: hold - 2*time.Minute, wantDay: "2026-05-04"}, // held only hold-1 min since the second jump
		}, 0, false},
		{"forward 24 h that holds: the day is carried over", []step{
			{jump: 24 * time.Hour, wantDay: "2026-05-04"},
			{pass: hold, wantDay: "2026-05-05"},
			{pass: time.Hour, wantDay: "2026-05-05"},
			{restart: true, wantDay: "2026-05-05"},
		}, 0, false},
		// Taking a carry back reopens nothing: the carried day is the
		// same day, and its real midnight must turn it.
		{"forward 24 h that holds, then back with a restart", []step{
			{jump: 24 * time.Hour, wantDay: "2026-05-04"},
			{pass: hold, wantDay: "2026-05-05"},
			{jump: -24 * time.Hour, wantDay: "2026-05-05"},
			{pass: time.Minute, restart: true, wantDay: "2026-05-05"},
			{pass: hold, wantDay: "2026-05-04"},
		}, 0, false},
		{"forward 24 h that holds, then back that holds, then a real midnight", []step{
			{jump: 24 * time.Hour, wantDay: "2026-05-04"},
			{pass: hold, wantDay: "2026-05-05"},
			{jump: -24 * time.Hour, wantDay: "2026-05-05"},
			{pass: hold - time.Second, wantDay: "2026-05-05"},
			{pass: time.Second, wantDay: "2026-05-04"},
			{pass: 5 * time.Hour, wantDay: "2026-05-04"}, // 15:10: the booking was missed
			{pass: 9 * time.Hour, wantDay: "2026-05-04"}, // 05-05 00:10: the date must hold
			{pass: hold, wantDay: "2026-05-05"},
			{pass: time.Minute, wantDay: "2026-05-05"}, // numbers 2 to 4 of the new day: ids
			{pass: time.Minute, wantDay: "2026-05-05"}, // issued during the carry (3, 4) must
			{pass: time.Minute, wantDay: "2026-05-05"}, // not come again
		}, 1, true},
		{"forward 24 h that holds, back and forward again within the hold", []step{
			{jump: 24 * time.Hour, wantDay: "2026-05-04"},
			{pass: hold, wantDay: "2026-05-05"},
			{jump: -24 * time.Hour, pass: 2 * time.Minute, wantDay: "2026-05-05"},
			{jump: 24 * time.Hour, wantDay: "2026-05-05"},
			{pass: hold, wantDay: "2026-05-05"},
		}, 0, false},
		{"two carries, then back 48 h", []step{
			{jump: 24 * time.Hour, wantDay: "2026-05-04"},
			{pass: hold, wantDay: "2026-05-05"},
			{jump: 24 * time.Hour, wantDay: "2026-05-05"},
			{pass: hold, wantDay: "2026-05-06"},
			{jump: -48 * time.Hour, wantDay: "2026-05-06"},
			{pass: hold, wantDay: "2026-05-04"},
		}, 0, false},
		{"two carries, then back 24 h twice", []step{
			{jump: 24 * time.Hour, wantDay: "2026-05-04"},
			{pass: hold, wantDay: "2026-05-05"},
			{jump: 24 * time.Hour, wantDay: "2026-05-05"},
			{pass: hold, wantDay: "2026-05-06"},
			{jump: -24 * time.Hour, wantDay: "2026-05-06"},
			{pass: hold, wantDay: "2026-05-05"},
			{jump: -24 * time.Hour, wantDay: "2026-05-05"},
			{pass: hold, wantDay: "2026-05-04"},
		}, 0, false},
		{"a carry taken back goes no further than the opening date", []step{
			{jump: 24 * time.Hour, wantDay: "2026-05-04"},
			{pass: hold, wantDay: "2026-05-05"},
			{jump: -48 * time.Hour, wantDay: "2026-05-05"},
			{pass: hold, wantDay: "2026-05-04"},
			{pass: time.Hour, restart: true, wantDay: "2026-05-04"},
		}, 0, false},
		{"forward 3 days that holds", []step{
			{jump: 72 * time.Hour, pass: time.Minute, wantDay: "2026-05-04"}, // the hold starts when the loop sees it
			{pass: hold - time.Minute, wantDay: "2026-05-04"},
			{pass: time.Minute, wantDay: "2026-05-07"},
		}, 0, false},
		{"back 24 h", []step{
			{jump: -24 * time.Hour, wantDay: "2026-05-04"},
			{pass: hold + time.Hour, wantDay: "2026-05-04"},
			{pass: time.Hour, restart: true, wantDay: "2026-05-04"},
		}, 0, false},
		{"back 24 h that holds, then a real midnight", []step{
			{jump: -24 * time.Hour, wantDay: "2026-05-04"},
			{pass: 14 * time.Hour, wantDay: "2026-05-04"}, // the clock shows 05-04 00:00
			{pass: hold, wantDay: "2026-05-04"},           // a day never turns back
			{pass: 15 * time.Hour, wantDay: "2026-05-04"}, // 05-04 15:05: the booking was missed
			{pass: 9 * time.Hour, wantDay: "2026-05-04"},  // 05-05 00:05: the date must hold
			{pass: hold, wantDay: "2026-05-05"},
		}, 1, true},
		{"a real midnight", []step{
			{pass: 5 * time.Hour, wantDay: "2026-05-04"}, // the booking was missed
			{pass: 9 * time.Hour, wantDay: "2026-05-04"},
			{pass: hold - time.Second, wantDay: "2026-05-04"},
			{pass: time.Second, wantDay: "2026-05-05"},
		}, 1, true},
		{"a forward jump of 2 h in the morning, then a real midnight", []step{
			{jump: 2 * time.Hour, wantDay: "2026-05-04"},
			{pass: 3 * time.Hour, wantDay: "2026-05-04"}, // 15:00: the booking was missed
			{pass: 9 * time.Hour, wantDay: "2026-05-04"}, // the clock shows midnight
			{pass: hold, wantDay: "2026-05-05"},
		}, 1, true},
		{"a real midnight, with a small step of the clock", []step{
			{pass: 5 * time.Hour, wantDay: "2026-05-04"},
			{pass: 9*time.Hour - 30*time.Second, wantDay: "2026-05-04"},
			{jump: 50 * time.Second, wantDay: "2026-05-04"},
			{pass: hold, wantDay: "2026-05-05"},
		}, 1, true},
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
			last := 0
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
				// Without a turn, the numbering goes on: no number
				// twice on one real day.
				if tc.turns == 0 && tk.N != last+1 {
					t.Fatalf("ticket %s (n %d) after n %d", tk.Number, tk.N, last)
				}
				last = tk.N
				return tk
			}
			before := []queue.Ticket{draw(), draw()}
			for i, s := range tc.steps {
				c.Set(c.Now().Add(s.jump))
				c.Advance(s.pass)
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
			if (tc.turns == 0) != (kept == 2) {
				t.Fatalf("%d of the 2 waiting tickets kept after %d turns", kept, tc.turns)
			}
			rec.mu.Lock()
			defer rec.mu.Unlock()
			turns, noShows := 0, 0
			for i, e := range rec.events {
				switch e.Type {
				case queue.AppointmentNoShow:
					noShows++
				case queue.TicketCancelled, queue.TicketMissed:
					if tc.turns == 0 {
						t.Fatalf("%s %s without a day turn", e.Ticket.Number, e.Type)
					}
				case queue.DayTurned:
					turns++
					if i+1 < len(rec.events) && rec.events[i+1].Type != queue.WalkedIn {
						t.Fatalf("day_turned is not the last event of its turn: %s follows", rec.events[i+1].Type)
					}
				}
			}
			if turns != tc.turns {
				t.Fatalf("%d day turns, want %d", turns, tc.turns)
			}
			if (noShows == 1) != tc.noShow || noShows > 1 {
				t.Fatalf("%d no-shows of the 14:00 booking, want one: %v", noShows, tc.noShow)
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
