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
func (q *Queue) Sync(list []Appointment) (changed []Appointment) {
	if n := len(list) - len(q.appointments); n > 0 {
		// Room for the new ones at once: the morning import is all new.
		changed = make([]Appointment, 0, n)
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
