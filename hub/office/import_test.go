package office_test

import (
	"context"
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
// the first calls. A clock the loop does not trust yet (a day ahead,
// within the hold) judges nothing, as at a tick.
func TestImportJudgesOverdueBookings(t *testing.T) {
	d0 := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		jump    time.Duration // the wall clock jumps by this before the import
		noShows []string
	}{
		{"on the day", 0, []string{"early"}},
		{"a day ahead, within the hold", 24 * time.Hour, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			c := clocktest.New(d0)
			rec := &recorder{}
			l, stop := start(t, openDB(t, ""), c, rec)
			defer stop()
			c.Set(c.Now().Add(tc.jump))
			booking := func(id string, start time.Time) queue.Appointment {
				return queue.Appointment{ID: id, Office: "o", Start: start, Duration: 5 * time.Minute,
					Services: []queue.ServiceCount{{Service: "s", Count: 1}}, Secret: "secret-" + id}
			}
			list := []queue.Appointment{booking("early", d0.Add(-2*time.Hour)), booking("later", d0.Add(4*time.Hour))}
			if _, err := l.ApplyAppointments(ctx, "o", "2026-05-04", list); err != nil {
				t.Fatal(err)
			}
			// Whatever the import's batch published is out once a later
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
			if len(got) != len(tc.noShows) || (len(got) > 0 && got[0] != tc.noShows[0]) {
				t.Fatalf("no-shows after the import: %v, want %v", got, tc.noShows)
			}
		})
	}
}
