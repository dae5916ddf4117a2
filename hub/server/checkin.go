package server

import (
	"context"
	"crypto/hmac"
	"net/http"
	"time"

	"lotse/hub/api"
	"lotse/hub/booking"
	"lotse/hub/office"
	"lotse/hub/queue"
)

// Check-in by code or birth date, and walk-in tickets: what kiosks and the
// information desk draw.

type ticketResult struct {
	ticket queue.Ticket
	wait   time.Duration
}

func (s *Server) checkIn(w http.ResponseWriter, r *http.Request, o *officeHandle, p principal) {
	var req api.CheckInRequest
	if err := decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	var fn office.Command[ticketResult]
	// guard holds the tokens this attempt took; honest decides by the
	// answer whether they go back.
	var guard []slot
	var honest func(error) bool
	switch {
	case req.Code != "":
		id, secret, err := queue.ParseCode(req.Code, s.formats)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		// Keyed by the id alone (ids are unique across the hub's offices):
		// keyed by the route's office, every other office's kiosk route
		// would be a fresh budget for the same secret.
		appointment := slot{s.limits.codeAppointment, "appointment:" + id}
		if wait, ok := appointment.l.check(appointment.key); !ok {
			// Locked after wrong secrets for this id: the person can still
			// be checked in at the desk, which needs no code. The lock is
			// answered before any office is asked, so that a right secret
			// is not confirmed by "wrong office" either.
			s.writeError(w, r, rateLimitError{queue.Errorf(codeRateLimited, "this code is locked after wrong tries; please ask at the desk"), wait})
			return
		}
		guard = []slot{{s.limits.codeDevice, p.key}, {s.limits.codeOffice, o.office.ID}, appointment}
		// Only "not found" is a wrong guess: every other answer needed the
		// right secret.
		honest = func(err error) bool { return queue.ErrorCode(err) != queue.NotFound }
		fn = func(q *queue.Queue, now time.Time) (ticketResult, []queue.Event, error) {
			return withWait(q, now)(q.CheckInCode(now, id, secret))
		}
	case req.BirthDate != "":
		date, err := queue.ParseBirthDate(req.BirthDate, s.now())
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		guard = []slot{{s.limits.birthDevice, p.key}}
		// Every answer but a ticket tells something about the birth date
		// (several matches, too early, too late, wrong office), so every
		// one counts; only a failure of the hub itself does not.
		honest = func(err error) bool {
			c := queue.ErrorCode(err)
			return err == nil || c == queue.Unavailable || c == queue.Internal
		}
		hash := queue.BirthHash(s.birthKey, date)
		fn = func(q *queue.Queue, now time.Time) (ticketResult, []queue.Event, error) {
			return withWait(q, now)(q.CheckInBirthDate(now, hash, req.Appointment))
		}
	case req.Appointment != "" && req.Confirm:
		if !p.hasRole(RoleDesk, RoleSupervisor, RoleAdmin) {
			s.writeError(w, r, queue.Errorf(codeForbidden, "only the information desk confirms a check-in"))
			return
		}
		fn = func(q *queue.Queue, now time.Time) (ticketResult, []queue.Event, error) {
			return withWait(q, now)(q.CheckInConfirmed(now, req.Appointment))
		}
	case req.Appointment != "" && p.isClerk():
		// The information desk checks in a person who has neither code
		// nor birth date on file (e.g. booked by phone).
		fn = func(q *queue.Queue, now time.Time) (ticketResult, []queue.Event, error) {
			return withWait(q, now)(q.CheckInAppointment(now, req.Appointment))
		}
	default:
		s.writeError(w, r, queue.Errorf(queue.Invalid, "send a code or a birth date"))
		return
	}
	// The tokens are taken before the attempt, so that parallel guesses
	// cannot all pass one check before the first is counted.
	if wait, ok := takeAll(guard...); !ok {
		s.metrics.checkIn(o.office.ID, string(codeRateLimited))
		s.writeError(w, r, rateLimitError{queue.Errorf(codeRateLimited, "too many attempts; please wait"), wait})
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	tr, err := office.Do(ctx, o.loop, fn)
	if queue.ErrorCode(err) == queue.NotFound {
		err = s.otherOffice(ctx, o, req, err)
	}
	if honest == nil || honest(err) {
		giveAll(guard...)
	}
	if err != nil {
		s.metrics.checkIn(o.office.ID, string(queue.ErrorCode(err)))
		s.writeError(w, r, err)
		return
	}
	s.metrics.checkIn(o.office.ID, "ok")
	t := o.convert.ticket(tr.ticket)
	if tr.ticket.State == queue.Waiting {
		m := minutes(tr.wait)
		t.WaitMinutes = &m
	}
	// Only the device or desk that drew the ticket learns its link.
	t.StatusURL = s.statusURL(r, tr.ticket.StatusToken)
	writeJSON(w, http.StatusCreated, t)
}

// withWait adds the waiting estimate to a command's ticket result.
func withWait(q *queue.Queue, now time.Time) func(queue.Ticket, []queue.Event, error) (ticketResult, []queue.Event, error) {
	return func(t queue.Ticket, events []queue.Event, err error) (ticketResult, []queue.Event, error) {
		if err != nil {
			return ticketResult{}, events, err
		}
		return ticketResult{ticket: t, wait: q.EstimateFor(now, t.ID)}, events, nil
	}
}

// otherOffice turns "not found" into "wrong office" when the appointment
// belongs to another office of this hub, so the kiosk can send the
// citizen to the right building.
func (s *Server) otherOffice(ctx context.Context, here *officeHandle, req api.CheckInRequest, notFound error) error {
	var match func(q *queue.Queue) bool
	switch {
	case req.Code != "":
		id, secret, err := queue.ParseCode(req.Code, s.formats)
		if err != nil {
			return notFound
		}
		match = func(q *queue.Queue) bool {
			a, ok := q.Appointment(id)
			return ok && !a.Cancelled && hmac.Equal([]byte(a.Secret), []byte(secret))
		}
	case req.BirthDate != "":
		date, err := queue.ParseBirthDate(req.BirthDate, s.now())
		if err != nil {
			return notFound
		}
		hash := queue.BirthHash(s.birthKey, date)
		match = func(q *queue.Queue) bool {
			return len(q.Appointments(func(a *queue.Appointment) bool { return a.BirthHash == hash && !a.Cancelled })) > 0
		}
	default:
		return notFound
	}
	for _, id := range s.order {
		o := s.offices[id]
		if o == here {
			continue
		}
		found, err := office.Do(ctx, o.loop, func(q *queue.Queue, _ time.Time) (bool, []queue.Event, error) { return match(q), nil, nil })
		if err == nil && found {
			e := queue.Errorf(codeWrongOffice, "the appointment is at %s", o.office.Name)
			e.Office = o.office.ID
			return e
		}
	}
	return notFound
}

func (s *Server) walkIn(w http.ResponseWriter, r *http.Request, o *officeHandle, p principal) {
	var req api.WalkInRequest
	if err := decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if booking.IsFallback(req.Service) {
		// "Anliegen unbekannt" exists for bookings whose service the
		// booking system did not name; nobody walks in for it.
		s.writeError(w, r, queue.Errorf(queue.NotFound, "unknown service %q", req.Service))
		return
	}
	// A kiosk draws tickets as fast as people can press a button, not
	// thousands a second: a flood would bury the real queue.
	var guard []slot
	if p.isDevice() {
		guard = []slot{{s.limits.walkInDevice, p.key}}
	}
	if wait, ok := takeAll(guard...); !ok {
		s.writeError(w, r, rateLimitError{queue.Errorf(codeRateLimited, "too many tickets from this kiosk; please wait"), wait})
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	priority := req.Priority && p.isClerk() // only staff hand out priority tickets
	level := ""
	if p.isClerk() {
		level = req.PriorityLevel
	}
	tr, err := office.Do(ctx, o.loop, func(q *queue.Queue, now time.Time) (ticketResult, []queue.Event, error) {
		if level != "" {
			return withWait(q, now)(q.WalkInLevel(now, req.Service, level))
		}
		return withWait(q, now)(q.WalkIn(now, req.Service, priority))
	})
	if err != nil {
		giveAll(guard...) // no ticket was issued
		s.writeError(w, r, err)
		return
	}
	t := o.convert.ticket(tr.ticket)
	m := minutes(tr.wait)
	t.WaitMinutes = &m
	t.StatusURL = s.statusURL(r, tr.ticket.StatusToken)
	writeJSON(w, http.StatusCreated, t)
}
