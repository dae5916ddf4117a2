package queue_test

import (
	"testing"

	"lotse/hub/queue"
)

// TestCloseDayTurnsOnlyForward: every turn ends with day_turned, also on
// an empty day; a day before or equal to the queue's changes nothing, so
// numbers and ids of a closed day are never issued again.
func TestCloseDayTurnsOnlyForward(t *testing.T) {
	tests := []struct {
		next      string
		wantDay   string
		wantTypes []queue.EventType
	}{
		{"2026-03-11", "2026-03-11", []queue.EventType{queue.TicketCancelled, queue.DayTurned}},
		{"2026-03-10", "2026-03-10", nil},
		{"2026-03-09", "2026-03-10", nil},
	}
	for _, tc := range tests {
		t.Run(tc.next, func(t *testing.T) {
			f := newFixture(t, nil)
			f.at("09:00").walkIn("w", "pass")
			events := f.q.CloseDay(clock("09:01"), tc.next)
			if got := eventTypes(events); len(got) != len(tc.wantTypes) || (len(got) > 0 && got[len(got)-1] != queue.DayTurned) {
				t.Fatalf("events %v, want %v", got, tc.wantTypes)
			}
			if f.q.Day() != tc.wantDay {
				t.Fatalf("day %s, want %s", f.q.Day(), tc.wantDay)
			}
			tk, _, err := f.q.WalkIn(clock("09:02"), "pass", false)
			if err != nil {
				t.Fatal(err)
			}
			if tk.ID == f.id("w") {
				t.Fatalf("id %s issued twice", tk.ID)
			}
		})
	}
	f := newFixture(t, nil)
	if events := f.q.CloseDay(clock("23:59"), "2026-03-11"); len(events) != 1 || events[0].Type != queue.DayTurned || events[0].Ticket != nil {
		t.Fatalf("an empty day's turn emits %v", eventTypes(events))
	}
}
