package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"lotse/hub/queue"
	"lotse/hub/store"
)

// TestCommitCarriesTheDayOver: a batch that carries a day over re-keys the
// day's tickets, events and appointments, also those the batch itself
// writes with the old day, in its own transaction: the restored state, the
// view, the stream's events and the purge all see the carried day as the
// new date's; other offices and earlier days are left alone.
func TestCommitCarriesTheDayOver(t *testing.T) {
	ctx := context.Background()
	db := open(t, filepath.Join(t.TempDir(), "l.db"))
	defer db.Close()
	svc := []queue.ServiceCount{{Service: "s", Count: 1}}
	ticket := func(office, day string, n int, number string) *queue.Ticket {
		return &queue.Ticket{ID: queue.TicketID(office, day, n), Office: office, Day: day, N: n, Number: number,
			State: queue.Waiting, Services: svc, Arrived: t0}
	}
	walkIn := func(seq int64, tk *queue.Ticket) queue.Event {
		return queue.Event{Seq: seq, Office: tk.Office, Type: queue.WalkedIn, At: t0, Ticket: tk}
	}
	appt := queue.Appointment{ID: "a1", Office: "o", Start: t0.Add(time.Hour), Duration: time.Minute, Services: svc, Secret: "x", Name: "N"}
	// The day before, left for the purge; the day to carry; another office.
	if err := db.Commit(ctx, "o", store.Batch{Events: []queue.Event{walkIn(1, ticket("o", "2026-03-09", 1, "A001"))}, Day: "2026-03-09", Seq: 1, LastNumber: 1}); err != nil {
		t.Fatal(err)
	}
	if err := db.Commit(ctx, "o", store.Batch{Events: []queue.Event{walkIn(2, ticket("o", "2026-03-10", 1, "A001"))},
		Appointments: []queue.Appointment{appt}, Day: "2026-03-10", Seq: 2, LastNumber: 1}); err != nil {
		t.Fatal(err)
	}
	if err := db.Commit(ctx, "p", store.Batch{Events: []queue.Event{walkIn(1, ticket("p", "2026-03-10", 1, "A001"))}, Day: "2026-03-10", Seq: 1, LastNumber: 1}); err != nil {
		t.Fatal(err)
	}
	// The carry's batch holds a ticket drawn before the carry (old day)
	// and one after it (new day).
	if err := db.Commit(ctx, "o", store.Batch{
		Events: []queue.Event{walkIn(3, ticket("o", "2026-03-10", 2, "A002")), walkIn(4, ticket("o", "2026-03-11", 3, "A003"))},
		Day:    "2026-03-11", Seq: 4, LastNumber: 3, CarryFrom: "2026-03-10",
	}); err != nil {
		t.Fatal(err)
	}

	st, _, err := db.LoadState(ctx, "o")
	if err != nil {
		t.Fatal(err)
	}
	if st.Day != "2026-03-11" || len(st.Tickets) != 3 || len(st.Appointments) != 1 || st.LastNumber != 3 {
		t.Fatalf("restored: day %s, %d tickets, %d appointments, last %d", st.Day, len(st.Tickets), len(st.Appointments), st.LastNumber)
	}
	for _, tk := range st.Tickets {
		if tk.Day != "2026-03-11" {
			t.Fatalf("ticket %s restored with day %s", tk.Number, tk.Day)
		}
	}
	if v, err := db.View(ctx, "o"); err != nil || len(v.Tickets) != 3 {
		t.Fatalf("view: %+v, %v", v, err)
	}
	if events, err := db.EventsSince(ctx, "o", 1, 10); err != nil || len(events) != 3 {
		t.Fatalf("events of the carried day: %d, %v", len(events), err)
	}
	n, err := db.Purge(ctx, "o", "2026-03-11")
	if err != nil || n != 2 { // the day before: its ticket and event
		t.Fatalf("purge took %d rows, want 2: %v", n, err)
	}
	if st, _, err := db.LoadState(ctx, "p"); err != nil || st.Day != "2026-03-10" || len(st.Tickets) != 1 || st.Tickets[0].Day != "2026-03-10" {
		t.Fatalf("the other office: %+v, %v", st, err)
	}
}
