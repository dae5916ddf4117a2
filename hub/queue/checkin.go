package queue

// Check-in by code, by appointment and by birth date, and walk-ins: how a
// person gets a ticket.

import (
	"crypto/subtle"
	"sort"
	"time"
)

// CheckInCode checks in the holder of a scanned code. A wrong secret is
// "not found", so that codes cannot be probed.
func (q *Queue) CheckInCode(now time.Time, appointmentID, secret string) (Ticket, []Event, error) {
	a, ok := q.appointments[appointmentID]
	if !ok || a.Secret == "" || subtle.ConstantTimeCompare([]byte(a.Secret), []byte(secret)) != 1 {
		return Ticket{}, nil, Errorf(NotFound, "no appointment for this code today")
	}
	return q.checkIn(now, a)
}

// CheckInAppointment checks in by appointment id alone: the information
// desk does this for a person who has neither code nor birth date on file,
// e.g. after booking by phone, once staff have identified them.
func (q *Queue) CheckInAppointment(now time.Time, appointmentID string) (Ticket, []Event, error) {
	a, ok := q.appointments[appointmentID]
	if !ok {
		return Ticket{}, nil, Errorf(NotFound, "no appointment %q today", appointmentID)
	}
	return q.checkIn(now, a)
}

// CheckInBirthDate checks in by birth date (as its keyed hash). When several
// appointments match, the one inside the check-in window is taken; if that
// is still ambiguous, a conflict lists the choices and the caller repeats
// with appointmentID.
func (q *Queue) CheckInBirthDate(now time.Time, birthHash, appointmentID string) (Ticket, []Event, error) {
	if !q.office.Policy.BirthDateCheckIn {
		return Ticket{}, nil, Errorf(Invalid, "this office does not offer check-in by birth date")
	}
	var matches []*Appointment
	for _, id := range q.byBirth[birthHash] {
		if a := q.appointments[id]; a != nil && !a.Cancelled {
			matches = append(matches, a)
		}
	}
	if appointmentID != "" {
		for _, a := range matches {
			if a.ID == appointmentID {
				return q.checkIn(now, a)
			}
		}
		return Ticket{}, nil, Errorf(NotFound, "no appointment for this birth date today")
	}
	switch len(matches) {
	case 0:
		return Ticket{}, nil, Errorf(NotFound, "no appointment for this birth date today")
	case 1:
		return q.checkIn(now, matches[0])
	}
	// Exactly one appointment in the window decides; otherwise the
	// citizen chooses. A checked-in one is no reason to answer with its
	// ticket: two people share a birth date on most days of a busy
	// office, and the second must never be handed the first one's number
	// and status link. A returning person finds theirs among the choices.
	var open []*Appointment
	for _, a := range matches {
		if q.inWindow(now, a) {
			open = append(open, a)
		}
	}
	if len(open) == 1 {
		return q.checkIn(now, open[0])
	}
	if len(open) == 0 {
		// None in the window: when all are too early (or all too
		// late), a choice would only lead to that message; give it
		// at once, for the earliest (or the last) of them.
		p := q.office.Policy
		sort.Slice(matches, func(i, j int) bool { return matches[i].Start.Before(matches[j].Start) })
		first, last := matches[0], matches[len(matches)-1]
		switch {
		case now.Before(first.Start.Add(-p.CheckInBefore)):
			return q.checkIn(now, first)
		case now.After(last.Start.Add(p.CheckInAfter)) && !p.LateAsWalkIn:
			return q.checkIn(now, last)
		}
		open = matches
	}
	// By start, then id: the same buttons in the same order on every
	// attempt, whatever order the backend listed them in.
	sort.Slice(open, func(i, j int) bool {
		if !open[i].Start.Equal(open[j].Start) {
			return open[i].Start.Before(open[j].Start)
		}
		return open[i].ID < open[j].ID
	})
	e := Errorf(Conflict, "several appointments match this birth date")
	for _, a := range open {
		e.Choices = append(e.Choices, Choice{Appointment: a.ID, Start: a.Start, Services: append([]ServiceCount(nil), a.Services...)})
	}
	return Ticket{}, nil, e
}

func (q *Queue) inWindow(now time.Time, a *Appointment) bool {
	return q.office.Policy.CheckInOpen(now, a.Start)
}

// CheckInOpen reports whether an appointment starting at start can be
// checked in at now: from CheckInBefore before it to CheckInAfter after.
func (p Policy) CheckInOpen(now, start time.Time) bool {
	return !now.Before(start.Add(-p.CheckInBefore)) && !now.After(start.Add(p.CheckInAfter))
}

// checkIn is idempotent: a second check-in returns the ticket of the
// first while it can still be called. A served ticket, a missed one and
// one given up are not shown again as if they were waiting: the number
// would never be called (see again).
func (q *Queue) checkIn(now time.Time, a *Appointment) (Ticket, []Event, error) {
	if tid, ok := q.byAppointment[a.ID]; ok {
		return q.again(now, q.tickets[tid])
	}
	if a.Cancelled {
		return Ticket{}, nil, Errorf(NotFound, "the appointment was cancelled")
	}
	p := q.office.Policy
	if opens := a.Start.Add(-p.CheckInBefore); now.Before(opens) {
		// The citizen reads the office's wall clock, not the backend's zone.
		opens = opens.In(q.office.location())
		e := Errorf(TooEarly, "check-in opens at %s", opens.Format("15:04"))
		e.ComeBackAt = opens
		return Ticket{}, nil, e
	}
	late := now.After(a.Start.Add(p.CheckInAfter))
	if late && !p.LateAsWalkIn {
		return Ticket{}, nil, Errorf(TooLate, "the appointment has expired")
	}
	return q.issue(now, a, late)
}

// issue draws the ticket of a check-in. A late one keeps its link to the
// appointment for reporting but queues by arrival, as a walk-in.
func (q *Queue) issue(now time.Time, a *Appointment, late bool) (Ticket, []Event, error) {
	services := a.Services
	if len(services) == 0 {
		return Ticket{}, nil, Errorf(Invalid, "appointment %s has no service", a.ID)
	}
	if _, ok := q.office.Service(services[0].Service); !ok {
		return Ticket{}, nil, Errorf(Invalid, "appointment %s has unknown service %q", a.ID, services[0].Service)
	}
	t := q.newTicket(now, services)
	if late {
		// Converted to a walk-in: it keeps its link for reporting but
		// queues by arrival.
		t.Appointment = a.ID
	} else {
		t.Appointment, t.AppointmentStart = a.ID, a.Start
	}
	q.setState(t, Waiting)
	a.NoShow = false
	q.byAppointment[a.ID] = t.ID
	return *t, []Event{q.emit(now, CheckedIn, t, nil, ReportArrived)}, nil
}

// WalkIn draws a ticket for a person without appointment, while the
// service can still take one today (see AdmitWalkIn).
func (q *Queue) WalkIn(now time.Time, service string, priority bool) (Ticket, []Event, error) {
	return q.walkIn(now, service, priority, "")
}

// WalkInLevel draws a priority walk-in ticket for one of the office's
// priority levels.
func (q *Queue) WalkInLevel(now time.Time, service, level string) (Ticket, []Event, error) {
	if _, ok := q.office.PriorityLevel(level); !ok {
		return Ticket{}, nil, Errorf(Invalid, "unknown priority level %q", level)
	}
	return q.walkIn(now, service, true, level)
}

func (q *Queue) walkIn(now time.Time, service string, priority bool, level string) (Ticket, []Event, error) {
	if !q.office.Policy.WalkIns {
		return Ticket{}, nil, Errorf(Invalid, "this office takes no walk-ins")
	}
	if _, ok := q.office.Service(service); !ok {
		return Ticket{}, nil, Errorf(NotFound, "unknown service %q", service)
	}
	if !q.served(service) {
		return Ticket{}, nil, Errorf(Invalid, "no counter serves %q", service)
	}
	if err := q.AdmitWalkIn(now, service); err != nil {
		return Ticket{}, nil, err
	}
	t := q.newTicket(now, []ServiceCount{{Service: service, Count: 1}})
	t.Priority, t.PriorityLevel = priority, level
	q.setState(t, Waiting)
	return *t, []Event{q.emit(now, WalkedIn, t, nil, "")}, nil
}

func (q *Queue) served(service string) bool {
	for _, c := range q.office.Counters {
		if c.Serves(service) {
			return true
		}
	}
	return false
}

// newTicket draws the next ticket; the caller sets what ranks it, then
// puts it in the line (setState Waiting).
func (q *Queue) newTicket(now time.Time, services []ServiceCount) *Ticket {
	q.last++
	s, _ := q.office.Service(services[0].Service)
	t := &Ticket{
		ID:       TicketID(q.office.ID, q.opened, q.last),
		Office:   q.office.ID,
		Day:      q.day,
		N:        q.last,
		Number:   formatNumber(s.Prefix, q.last),
		Services: append([]ServiceCount(nil), services...),
		Arrived:  now,
	}
	if q.token != nil {
		t.StatusToken = q.token()
	}
	q.tickets[t.ID] = t
	return t
}

func formatNumber(prefix string, n int) string {
	digits := []byte{byte('0' + n/100%10), byte('0' + n/10%10), byte('0' + n%10)}
	if n >= 1000 {
		return prefix + itoa(n)
	}
	return prefix + string(digits)
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for n > 0 || i == len(b) {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// again answers a check-in for an appointment that has a ticket today.
func (q *Queue) again(now time.Time, t *Ticket) (Ticket, []Event, error) {
	switch t.State {
	case Done:
		return Ticket{}, nil, Errorf(AlreadyServed, "the appointment's ticket %s was served today", t.Number)
	case Cancelled:
		// Given up on the phone: the backend was told it was
		// cancelled, which the desk can sort out, the kiosk cannot.
		return Ticket{}, nil, Errorf(SeeDesk, "ticket %s was given up", t.Number)
	case Missed:
		if q.office.Policy.MissedToDesk {
			return Ticket{}, nil, Errorf(SeeDesk, "ticket %s was missed", t.Number)
		}
		return q.requeue(now, t)
	}
	return *t, nil, nil
}

// requeue puts a missed or given-up ticket back in the line, ranked with
// the appointments due now: the person is here, after everybody already
// due. The booking backend learns that the person arrived after all.
func (q *Queue) requeue(now time.Time, t *Ticket) (Ticket, []Event, error) {
	t.Counter, t.TargetCounter, t.Recalls = "", "", 0
	t.Ended = time.Time{}
	t.Transferred = now
	q.setState(t, Waiting)
	return *t, []Event{q.emit(now, TicketReturned, t, nil, ReportArrived)}, nil
}

// CheckInConfirmed checks in by appointment id at the information desk,
// after staff confirmed what the kiosk would refuse: too early (the
// ticket waits until the appointment is due), too late (it queues by
// arrival, as a late walk-in), after a no-show (the person arrived after
// all), and a missed or given-up ticket (back in the line). A served
// ticket stays served (AlreadyServed); an appointment cancelled in the
// booking system is NotFound, and the desk draws a walk-in instead.
func (q *Queue) CheckInConfirmed(now time.Time, appointmentID string) (Ticket, []Event, error) {
	a, ok := q.appointments[appointmentID]
	if !ok {
		return Ticket{}, nil, Errorf(NotFound, "no appointment %q today", appointmentID)
	}
	if tid, ok := q.byAppointment[a.ID]; ok {
		switch t := q.tickets[tid]; t.State {
		case Missed, Cancelled:
			return q.requeue(now, t)
		default:
			return q.again(now, t)
		}
	}
	if a.Cancelled {
		return Ticket{}, nil, Errorf(NotFound, "the appointment was cancelled")
	}
	return q.issue(now, a, now.After(a.Start.Add(q.office.Policy.CheckInAfter)))
}
