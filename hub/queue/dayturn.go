package queue

// Time: no-shows, the end of the day and a day carried over.

import (
	"sort"
	"time"
)

// Tick applies what time alone decides: appointments not checked in by
// start + grace become no-shows, and after a restore, tickets held by a
// counter that is no longer configured wait again, and the presence at
// counters that expired ends (Staff, ActedStaffing). It must be called
// regularly; it is cheap when nothing is due.
func (q *Queue) Tick(now time.Time) []Event {
	q.sweepPresence(now)
	events := q.StaffingChanges(now)
	events = append(events, q.requeueStranded(now)...)
	return append(events, q.JudgeNoShows(now)...)
}

// JudgeNoShows makes the appointments of the queue's day that were not
// checked in by start + grace (Policy.NoShowGrace) no-shows, in order of
// start, and returns their events. Tick runs it; the office loop also
// runs it with a sync that changed the day and with its first sync after
// a start, so that a day imported late has its overdue bookings judged
// at once.
func (q *Queue) JudgeNoShows(now time.Time) []Event {
	var events []Event
	grace := q.office.Policy.NoShowGrace
	// An appointment is missed only on its own day. After a day carried
	// over to a new date (CarryDay), the old date's bookings are still
	// held, and a day later by the clock; they were not missed.
	dayStart, dayEnd := q.dayBounds()
	// Only the due ones are collected and sorted: late in a big day the
	// settled appointments are tens of thousands, and Tick runs every few
	// seconds on the office loop (Appointments would copy them all).
	var due []*Appointment
	for _, a := range q.appointments {
		if a.NoShow || a.Cancelled || !now.After(a.Start.Add(grace)) || a.Start.Before(dayStart) || !a.Start.Before(dayEnd) {
			continue
		}
		if _, checkedIn := q.byAppointment[a.ID]; !checkedIn {
			due = append(due, a)
		}
	}
	sort.Slice(due, func(i, j int) bool {
		if !due[i].Start.Equal(due[j].Start) {
			return due[i].Start.Before(due[j].Start)
		}
		return due[i].ID < due[j].ID
	})
	for _, a := range due {
		a.NoShow = true
		q.seq++
		events = append(events, Event{Seq: q.seq, Office: q.office.ID, Type: AppointmentNoShow, At: now, Appointment: a.ID, Report: ReportNoShow})
	}
	return events
}

// CloseDay ends the day: every ticket still open is cancelled (waiting,
// parked) or missed (called) so that every ticket ends in a final state.
// The queue is then empty for the next day, and the last event is
// DayTurned. A day never turns back: a nextDay not after the queue's day
// (a clock that went back) changes nothing, so no ticket id of a closed
// day is ever issued again.
func (q *Queue) CloseDay(now time.Time, nextDay string) []Event {
	if nextDay <= q.day {
		return nil
	}
	var events []Event
	for _, t := range q.Tickets(func(t *Ticket) bool { return !t.State.Final() }) {
		tp := q.tickets[t.ID]
		// The counter may be gone: removed from the configuration while
		// it held the ticket (Restore drops it).
		cs := q.counters[tp.Counter]
		if cs != nil && cs.Ticket == tp.ID {
			cs.Ticket = ""
		}
		switch tp.State {
		case Serving:
			events = append(events, q.finish(now, cs, tp))
			continue
		case Called:
			events = append(events, q.miss(now, cs, tp))
		default:
			tp.Ended = now
			q.setState(tp, Cancelled)
			events = append(events, q.emit(now, TicketCancelled, tp, cs, ReportCancelled))
		}
	}
	q.day = nextDay
	q.opened = nextDay
	q.last = 0
	q.tickets = map[string]*Ticket{}
	q.byAppointment = map[string]string{}
	q.appointments = map[string]*Appointment{}
	q.byBirth = map[string][]string{}
	q.waiting = map[string]map[string]*Ticket{}
	q.lastRequest = map[string]request{}
	q.priorityRun = map[string]int{}
	q.calls = nil
	q.carriedAt = time.Time{}
	return append(events, q.emit(now, DayTurned, nil, nil, ""))
}

// dayBounds returns the start of the queue's day and of the next, in the
// office's time zone.
func (q *Queue) dayBounds() (start, end time.Time) {
	start, err := time.ParseInLocation(DayFormat, q.day, q.office.location())
	if err != nil {
		// Not a date: no bound at all rather than no no-show ever.
		return time.Time{}, time.Unix(1<<62, 0)
	}
	return start, start.AddDate(0, 0, 1)
}

// CarryDay moves the open day to nextDay without closing it, for a clock
// that jumped over midnight while the office was open: the people in the
// room keep their place. Tickets, counters, calls, appointments and the
// numbering stay as they are; every ticket now belongs to nextDay (its id
// does not change, so ids stay unique for ever, and the numbering goes on,
// so no number is issued twice on one real day). It emits no event: every
// client's state stays valid. The new date's bookings due before now could
// not be checked in (the queue held another date's): Sync does not let
// them become reported no-shows. A nextDay not after the queue's day
// changes nothing and reports false.
func (q *Queue) CarryDay(now time.Time, nextDay string) bool {
	if nextDay <= q.day {
		return false
	}
	for _, t := range q.tickets {
		t.Day = nextDay
	}
	q.day = nextDay
	q.carriedAt = now
	return true
}

// Opened returns the date the queue's day was opened on: its day, or the
// date it was carried over from (CarryDay), however many carries ago.
func (q *Queue) Opened() string { return q.opened }

// UncarryDay moves a carried day back to day, for a clock whose jump over
// midnight was taken back after the day was carried over: the carried day
// is the same day, so this reopens nothing. day must lie between the date
// the day was opened on and the queue's day; otherwise nothing changes and
// it reports false (a day that turned never comes back). Like CarryDay it
// keeps tickets, counters, calls and the numbering (ids carry the opening
// date, so none is ever issued twice) and emits no event.
func (q *Queue) UncarryDay(now time.Time, day string) bool {
	if day >= q.day || day < q.opened {
		return false
	}
	for _, t := range q.tickets {
		t.Day = day
	}
	q.day = day
	// Back on its opening date the day was never carried; on a date
	// between, it is carried there now, and that date's bookings due
	// before now could not be checked in.
	q.carriedAt = now
	if day == q.opened {
		q.carriedAt = time.Time{}
	}
	return true
}
