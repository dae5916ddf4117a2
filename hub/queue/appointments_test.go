package queue_test

import (
	"slices"
	"testing"
	"time"

	"lotse/hub/queue"
)

// TestSyncWithDuplicateIDs: a list that names one appointment twice
// still cancels every appointment it leaves out, also when it is as long
// as the day (the count alone would say nothing is missing), and the
// later entry of an id is the one kept.
func TestSyncWithDuplicateIDs(t *testing.T) {
	base := func() []queue.Appointment {
		return []queue.Appointment{appt("a1", "09:00", "pass"), appt("a2", "10:00", "anm"), appt("a3", "11:00", "fz")}
	}
	moved := func(a queue.Appointment) queue.Appointment { a.Start = clock("12:00"); return a }
	tests := []struct {
		name      string
		list      func(l []queue.Appointment) []queue.Appointment
		cancelled []string
		a1At      string // a1's start afterwards
		// flips: the two entries of a1 differ, so the same list again
		// changes it twice more.
		flips bool
	}{
		{"unchanged twice, one missing", func(l []queue.Appointment) []queue.Appointment { return []queue.Appointment{l[0], l[1], l[0]} },
			[]string{"a3"}, "09:00", false},
		{"unchanged then changed, one missing", func(l []queue.Appointment) []queue.Appointment {
			return []queue.Appointment{l[0], l[1], moved(l[0])}
		}, []string{"a3"}, "12:00", true},
		{"changed then unchanged, one missing", func(l []queue.Appointment) []queue.Appointment {
			return []queue.Appointment{moved(l[0]), l[1], l[0]}
		}, []string{"a3"}, "09:00", true},
		{"changed twice, two missing", func(l []queue.Appointment) []queue.Appointment {
			return []queue.Appointment{moved(l[0]), moved(l[0])}
		}, []string{"a2", "a3"}, "12:00", false},
		{"all named, one twice", func(l []queue.Appointment) []queue.Appointment { return append(l, l[2]) }, nil, "09:00", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil, base()...)
			f.q.Sync(tt.list(base()))
			var cancelled []string
			for _, a := range f.q.Appointments(nil) {
				if a.Cancelled {
					cancelled = append(cancelled, a.ID)
				}
			}
			slices.Sort(cancelled)
			wantLabels(t, "cancelled", cancelled, tt.cancelled)
			if a, _ := f.q.Appointment("a1"); !a.Start.Equal(clock(tt.a1At)) {
				t.Errorf("a1 starts %v, want %s", a.Start, tt.a1At)
			}
			if changed := f.q.Sync(tt.list(base())); len(changed) != 0 && !tt.flips {
				t.Errorf("the same list again changed %d", len(changed))
			}
		})
	}
}

// TestSyncSameListAgain: the booking sync hands the same list again when
// the backend's day did not change, and Sync takes it as unchanged
// without comparing; but a list applied before the day turned is applied
// anew, and the bookings missed before a carry are still settled.
func TestSyncSameListAgain(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		name    string
		between func(f *fixture)
		changed []string
		noShow  bool
	}{
		{"nothing between", func(f *fixture) {}, nil, false},
		{"the day turned", func(f *fixture) { f.q.CloseDay(clock("07:00").Add(day), "2026-03-11") }, []string{"a1", "a2"}, false},
		{"the day was carried", func(f *fixture) { f.q.CarryDay(clock("10:00").Add(day), "2026-03-11") }, []string{"a1", "a2"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			list := []queue.Appointment{appt("a1", "09:00", "pass"), appt("a2", "09:30", "anm")}
			if changed := f.q.Sync(list); len(changed) != 2 {
				t.Fatalf("first sync changed %d", len(changed))
			}
			tt.between(f)
			var got []string
			for _, a := range f.q.Sync(list) {
				got = append(got, a.ID)
				if a.NoShow != tt.noShow {
					t.Errorf("%s: NoShow %v, want %v", a.ID, a.NoShow, tt.noShow)
				}
			}
			slices.Sort(got)
			wantLabels(t, "changed", got, tt.changed)
			if _, ok := f.q.Appointment("a1"); !ok {
				t.Error("a1 is not held after the sync")
			}
		})
	}
}
