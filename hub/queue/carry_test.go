package queue_test

import (
	"fmt"
	"testing"
	"time"

	"lotse/hub/queue"
)

// TestCarryDay: a day carried over to a later date keeps its tickets,
// numbering and calls and emits nothing; the old date's bookings are not
// missed on the new date, and the new date's bookings due before the carry
// are settled without a report, while those due after it are reported.
func TestCarryDay(t *testing.T) {
	day := 24 * time.Hour
	f := newFixture(t, nil, appt("old", "14:00", "pass"))
	f.at("09:00").walkIn("w1", "pass")
	f.walkIn("w2", "pass")
	if _, _, err := f.q.Do(clock("09:01"), queue.Action{Counter: "c1", Kind: queue.ActNext}); err != nil {
		t.Fatal(err)
	}
	seq, calls := f.q.Seq(), f.q.Calls()

	tests := []struct {
		next string
		ok   bool
	}{{"2026-03-09", false}, {testDay, false}, {"2026-03-11", true}}
	for _, tc := range tests {
		if got := f.q.CarryDay(clock("10:00").Add(day), tc.next); got != tc.ok {
			t.Fatalf("carry to %s: %v, want %v", tc.next, got, tc.ok)
		}
	}
	if f.q.Day() != "2026-03-11" || f.q.Seq() != seq || len(f.q.Calls()) != len(calls) {
		t.Fatalf("after the carry: day %s seq %d calls %d", f.q.Day(), f.q.Seq(), len(f.q.Calls()))
	}
	for _, tk := range f.q.Tickets(nil) {
		if tk.Day != "2026-03-11" || tk.State.Final() {
			t.Fatalf("ticket %s after the carry: %+v", tk.Number, tk)
		}
	}
	tk, _, err := f.q.WalkIn(clock("10:01").Add(day), "pass", false)
	if err != nil || tk.Number != "P003" || tk.ID == f.id("w1") || tk.ID == f.id("w2") {
		t.Fatalf("first ticket after the carry: %+v, %v", tk, err)
	}

	// The new date's list: one due before the carry, one after.
	early, late := appt("early", "08:00", "pass"), appt("late", "10:30", "pass")
	early.Start, late.Start = early.Start.Add(day), late.Start.Add(day)
	changed := f.q.Sync([]queue.Appointment{early, late})
	settled := map[string]bool{}
	for _, a := range changed {
		settled[a.ID] = a.NoShow
	}
	if !settled["early"] || settled["late"] {
		t.Fatalf("settled at the sync: %v", settled)
	}
	events := f.q.Tick(clock("11:00").Add(day))
	if len(events) != 1 || events[0].Type != queue.AppointmentNoShow || events[0].Appointment != "late" || events[0].Report != queue.ReportNoShow {
		t.Fatalf("no-shows after the carry: %+v", events)
	}
}

// TestNoShowOnlyOnItsDay: a booking of another date than the queue's is
// never missed, however late the clock.
func TestNoShowOnlyOnItsDay(t *testing.T) {
	other := appt("other", "09:00", "pass")
	other.Start = other.Start.Add(-24 * time.Hour)
	f := newFixture(t, nil, appt("own", "09:00", "pass"), other)
	events := f.q.Tick(clock("23:00"))
	if len(events) != 1 || events[0].Appointment != "own" {
		t.Fatalf("no-shows: %+v", events)
	}
}

// TestUncarryDay: a carry is taken back to any date between the opening
// date and the queue's day, never further back nor forward; tickets keep
// their ids, the numbering goes on, and ids carry the opening date, so the
// real turn to a carried-to date issues none twice.
func TestUncarryDay(t *testing.T) {
	day := 24 * time.Hour
	f := newFixture(t, nil)
	w1 := f.at("09:00").walkIn("w1", "pass")
	f.q.CarryDay(clock("10:00").Add(day), "2026-03-11")
	w2 := f.walkIn("w2", "pass")
	f.q.CarryDay(clock("10:10").Add(2*day), "2026-03-12")
	if w2.ID != queue.TicketID("mitte", testDay, 2) || f.q.Opened() != testDay {
		t.Fatalf("ticket during the carry: %s, opened %s", w2.ID, f.q.Opened())
	}
	tests := []struct {
		to  string
		ok  bool
		day string
	}{
		{"2026-03-13", false, "2026-03-12"}, // forward is a carry, not this
		{"2026-03-12", false, "2026-03-12"},
		{"2026-03-09", false, "2026-03-12"}, // before the opening date
		{"2026-03-11", true, "2026-03-11"},
		{testDay, true, testDay},
		{testDay, false, testDay},
	}
	for _, tc := range tests {
		if got := f.q.UncarryDay(clock("10:20"), tc.to); got != tc.ok || f.q.Day() != tc.day {
			t.Fatalf("uncarry to %s: %v, day %s; want %v, %s", tc.to, got, f.q.Day(), tc.ok, tc.day)
		}
	}
	for _, tk := range f.q.Tickets(nil) {
		if tk.Day != testDay || tk.State.Final() {
			t.Fatalf("ticket %s after the carry was taken back: %+v", tk.Number, tk)
		}
	}
	if w3 := f.walkIn("w3", "pass"); w3.N != 3 {
		t.Fatalf("numbering after the carry was taken back: %s", w3.Number)
	}
	f.record(f.q.CloseDay(f.now, "2026-03-11"))
	for n := 1; n <= 3; n++ {
		if tk := f.walkIn(fmt.Sprint("n", n), "pass"); tk.ID == w1.ID || tk.ID == w2.ID || tk.N != n {
			t.Fatalf("id %s issued again after the real turn", tk.ID)
		}
	}
}
