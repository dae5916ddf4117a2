package office_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"lotse/hub/clocktest"
	"lotse/hub/office"
	"lotse/hub/queue"
)

// TestImportJudgesOverdueBookings: a day imported after its first
// bookings were due (a start in the middle of the day) has them judged
// with the import, not at the next tick: their no-shows come in the
// import's batch, before the screens are back, not as a burst in front of
// the first calls. So does the first sync after a restart, which finds
// the day unchanged but bookings that fell due while the hub was down.
// A clock the loop does not trust yet (a day ahead, within the hold)
// judges nothing, as at a tick, and a later unchanged re-sync writes
// nothing.
func TestImportJudgesOverdueBookings(t *testing.T) {
	d0 := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	booking := func(id string, start time.Time) queue.Appointment {
		return queue.Appointment{ID: id, Office: "o", Start: start, Duration: 5 * time.Minute,
			Services: []queue.ServiceCount{{Service: "s", Count: 1}}, Secret: "secret-" + id}
	}
	list := []queue.Appointment{booking("early", d0.Add(-2*time.Hour)), booking("later", d0.Add(4*time.Hour))}
	tests := []struct {
		name string
		// down: the day was imported this long before d0 by a loop that
		// then stopped; the loop under test starts at d0 and imports
		// the same, unchanged list.
		down    time.Duration
		jump    time.Duration // the wall clock jumps by this before the import
		noShows []string
	}{
		{"on the day", 0, 0, []string{"early"}},
		{"the first sync after a restart, unchanged", 3 * time.Hour, 0, []string{"early"}},
		{"a day ahead, within the hold", 0, 24 * time.Hour, nil},
	}
	// After each case the loop restarts on its file and syncs and ticks
	// again: a booking judged with its import stays judged (its row
	// keeps the no-show), so nothing is judged, or reported, twice.
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db := openDB(t, filepath.Join(t.TempDir(), "l.db"))
			c := clocktest.New(d0.Add(-tc.down))
			if tc.down > 0 {
				l, stop := start(t, db, c, &recorder{})
				if _, err := l.ApplyAppointments(ctx, "o", "2026-05-04", list); err != nil {
					t.Fatal(err)
				}
				stop()
				c.Advance(tc.down)
			}
			rec := &recorder{}
			l, stop := start(t, db, c, rec)
			defer func() { stop() }()
			c.Set(c.Now().Add(tc.jump))
			noShows := func() []string {
				t.Helper()
				// Whatever a sync's batch published is out once a later
				// command is answered; no tick runs (TickEvery is an hour).
				if _, err := office.Do(ctx, l, func(*queue.Queue, time.Time) (struct{}, []queue.Event, error) { return struct{}{}, nil, nil }); err != nil {
					t.Fatal(err)
				}
				rec.mu.Lock()
				defer rec.mu.Unlock()
				var got []string
				for _, e := range rec.events {
					if e.Type == queue.AppointmentNoShow {
						got = append(got, e.Appointment)
					}
				}
				return got
			}
			for i := range 2 { // the second is an unchanged re-sync
				if _, err := l.ApplyAppointments(ctx, "o", "2026-05-04", list); err != nil {
					t.Fatal(err)
				}
				got := noShows()
				if len(got) != len(tc.noShows) || (len(got) > 0 && got[0] != tc.noShows[0]) {
					t.Fatalf("no-shows after sync %d: %v, want %v", i+1, got, tc.noShows)
				}
			}
			stop()
			rec.mu.Lock()
			rec.events = nil
			rec.mu.Unlock()
			l, stop = start(t, db, c, rec)
			if _, err := l.ApplyAppointments(ctx, "o", "2026-05-04", list); err != nil {
				t.Fatal(err)
			}
			tick(t, l)
			if got := noShows(); len(got) > 0 {
				t.Fatalf("no-shows judged again after a restart: %v", got)
			}
		})
	}
}
