package queue

// Appointments from the booking backend.

import (
	"strings"
	"time"

	"lotse/internal/plaintext"
)

// Sync replaces the day's appointments with the backend's list. It returns
// the appointments that are new or changed (for the store to write; nothing
// when nothing changed). Appointments missing from the list are cancelled:
// cancellations disappear from check-in at once.
//
// The booking sync hands the very same list (slice) again when the
// backend's day did not change; Sync then knows without comparing that
// nothing did. The caller must not change a list after handing it over.
func (q *Queue) Sync(list []Appointment) (changed []Appointment) {
	if q.synced.is(q, list) {
		return q.settleCarried(nil)
	}
	defer func() { q.synced = syncedList{list: list, day: q.day, count: len(q.appointments)} }()
	if n := len(list) - len(q.appointments); n > 0 {
		// Room for the new ones at once: the morning import is all new.
		changed = make([]Appointment, 0, n)
	}
	if len(q.appointments) == 0 && len(q.byBirth) == 0 {
		// The import: maps of the day's size at once, not grown by
		// doubling and rehashing tens of thousands of entries.
		q.appointments = make(map[string]*Appointment, len(list))
		q.byBirth = make(map[string][]string, len(list))
	}
	// Without appointments held before (the import), none can be
	// missing from the list: no need to note the ones it names.
	var seen map[string]bool
	if len(q.appointments) > 0 {
		seen = make(map[string]bool, len(list))
	}
	for _, a := range list {
		if seen != nil {
			seen[a.ID] = true
		}
		if old, ok := q.appointments[a.ID]; ok {
			a.NoShow = old.NoShow
			if old.SameBooking(a) {
				continue
			}
		}
		a.Services = append([]ServiceCount(nil), a.Services...)
		q.putAppointment(a)
		changed = append(changed, a)
	}
	if seen != nil {
		for id, a := range q.appointments {
			if !seen[id] && !a.Cancelled {
				a.Cancelled = true
				changed = append(changed, *a)
			}
		}
	}
	return q.settleCarried(changed)
}

// syncedList is the list the last Sync applied and what the queue was
// like afterwards: only Sync changes the booking data of appointments,
// and a new day (or a restore) starts with other ones, so the same slice
// on the same day with as many appointments held has nothing new.
type syncedList struct {
	list  []Appointment
	day   string
	count int
}

func (s syncedList) is(q *Queue, list []Appointment) bool {
	return len(list) > 0 && len(list) == len(s.list) && &list[0] == &s.list[0] && s.day == q.day && s.count == len(q.appointments)
}

// settleCarried settles the bookings missed before a carry (see Sync)
// and returns changed with them.
func (q *Queue) settleCarried(changed []Appointment) []Appointment {
	// After a carry, a booking whose no-show time had passed before it
	// was not missed at this hub: it is settled as missed without a
	// report, so the backend never hears a no-show the hub caused.
	if !q.carriedAt.IsZero() {
		grace := q.office.Policy.NoShowGrace
		for id, a := range q.appointments {
			if _, checkedIn := q.byAppointment[id]; checkedIn || a.NoShow || a.Cancelled || a.Start.Add(grace).After(q.carriedAt) {
				continue
			}
			a.NoShow = true
			changed = append(changed, *a)
		}
	}
	return changed
}

// FindAppointments searches the day's appointments for the information
// desk: by part of the name and/or a time range. The name is compared by
// its folded key (plaintext.Fold), so that "Mueller", "Muller" and
// "MÜLLER" find "Müller", and "ipek" finds "İpek".
func (q *Queue) FindAppointments(name string, from, to time.Time) []Appointment {
	name = plaintext.Fold(name)
	return q.Appointments(func(a *Appointment) bool {
		if name != "" && !strings.Contains(plaintext.Fold(a.Name), name) {
			return false
		}
		if !from.IsZero() && a.Start.Before(from) {
			return false
		}
		if !to.IsZero() && a.Start.After(to) {
			return false
		}
		return true
	})
}
