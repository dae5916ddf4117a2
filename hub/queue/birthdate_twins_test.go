package queue_test

import (
	"testing"

	"lotse/hub/queue"
)

// TestCheckInBirthDateSecondPersonSameDate: two people share a birth date
// (twins, or simply two citizens of the same day: with some hundred
// appointments a day this happens most days). Once the first has checked
// in, the second typing the same date must not be handed the first one's
// ticket: its number would be called for someone else, and the answer
// carries the first person's status link, with which the second could give
// that ticket up. The second must at least be offered a choice that
// includes their own appointment.
func TestCheckInBirthDateSecondPersonSameDate(t *testing.T) {
	f := newFixture(t, nil,
		withBirth(appt("twin-a", "10:00", "pass"), "h5"),
		withBirth(appt("twin-b", "10:10", "anm"), "h5"),
	)
	f.at("09:41")
	first, events, err := f.q.CheckInBirthDate(f.now, "h5", "twin-a")
	if err != nil {
		t.Fatal(err)
	}
	f.record(events)

	f.at("09:45")
	tk, events, err := f.q.CheckInBirthDate(f.now, "h5", "")
	f.record(events)
	if err == nil && tk.ID == first.ID {
		t.Fatalf("the second person with the same birth date got the first one's ticket %s (appointment %s); twin-b can never check in by birth date", tk.Number, tk.Appointment)
	}
	if err != nil {
		qe, ok := err.(*queue.Error)
		if !ok || qe.Code != queue.Conflict {
			t.Fatalf("want a choice, got %v", err)
		}
		found := false
		for _, c := range qe.Choices {
			found = found || c.Appointment == "twin-b"
		}
		if !found {
			t.Fatalf("the choice %+v does not offer twin-b", qe.Choices)
		}
	}
}
