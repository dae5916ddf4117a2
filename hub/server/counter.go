package server

import (
	"context"
	"net/http"
	"time"

	"lotse/hub/api"
	"lotse/hub/office"
	"lotse/hub/queue"
	"lotse/hub/store"
	"lotse/internal/plaintext"
)

// A counter's actions and views: what the clerk's workplace calls.

type actionResult struct {
	ticket  queue.Ticket
	closed  queue.Ticket // the counter's ticket that next or call ended first
	changed bool         // the action changed something (not a repeat)
	counter queue.CounterState
	name    string
	now     time.Time // the office loop's clock at the action
	audit   []store.AuditEntry
}

// AuditEntries are the action's lines of the audit trail: the office loop
// writes them with the action's events (store.Audited).
func (r actionResult) AuditEntries() []store.AuditEntry { return r.audit }

func (s *Server) counterAction(w http.ResponseWriter, r *http.Request, o *officeHandle, p principal) {
	var req api.ActionRequest
	if err := decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	counter := r.PathValue("counter")
	a := queue.Action{Counter: counter, Kind: queue.ActionKind(r.PathValue("action")), Ticket: req.Ticket,
		Service: req.Service, ToCounter: req.Counter, RequestID: req.RequestID, Current: queue.Report(req.Current),
		// The note is shown to the next clerk: the one rule for text a
		// person sees (no control, bidi or invisible characters).
		Outcome: req.Outcome, Handover: plaintext.Clean(req.Handover)}
	ctx, cancel := s.ctx(r)
	defer cancel()
	ar, err := office.Do(ctx, o.loop, func(q *queue.Queue, now time.Time) (actionResult, []queue.Event, error) {
		before := ""
		for _, c := range q.Counters() {
			if c.ID == counter {
				before = c.Ticket
			}
		}
		t, events, err := q.Do(now, a)
		if err != nil {
			return actionResult{}, events, err
		}
		out := actionResult{ticket: t, now: now, changed: len(events) > 0}
		if b, ok := q.Ticket(before); ok && before != t.ID && b.State.Final() {
			out.closed = b
		}
		for _, c := range q.Counters() {
			if c.ID == counter {
				out.counter = c
			}
		}
		// The name goes to the clerk who serves the person: the ticket is
		// at this counter now or was until this action (finish, park,
		// transfer), never one this counter merely named.
		if t.Appointment != "" && (t.ID == before || t.ID == out.counter.Ticket) {
			if ap, ok := q.Appointment(t.Appointment); ok {
				out.name = ap.Name
			}
		}
		if out.changed {
			out.audit = counterAudit(o.office.ID, p.clerk, counter, a, t, out.closed, now) // audit.go
		}
		return out, events, nil
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if ar.changed {
		s.purgeAuditWhenDue(r.Context()) // audit.go
	}
	out := api.ActionResult{Counter: api.CounterState{ID: ar.counter.ID, Name: o.convert.counters[ar.counter.ID].Name, Open: ar.counter.Open,
		Staffed: ar.counter.Staffed, Closed: closed(ar.counter)}}
	if ar.ticket.ID != "" {
		t := o.convert.ticket(ar.ticket)
		t.Name = ar.name // the clerk who serves the person sees the name
		if ar.counter.Ticket == t.ID {
			t.Handover = ar.ticket.Handover // the note is for the clerk it came to
		}
		out.Ticket = &t
		if ar.counter.Ticket == t.ID {
			// As the counter's queue answers it: whichever answer the
			// workplace reads last, it shows the same minutes waited.
			m := waitedAtCounter(ar.ticket, ar.now)
			t.WaitMinutes = &m
			out.Counter.Ticket = &t
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// CounterQueue is what a counter workplace lists: the tickets it may call
// in the order "next" takes them, and the parked and missed ones.
type CounterQueue struct {
	Counter api.CounterState  `json:"counter"`
	Next    []api.Ticket      `json:"next"`
	Parked  []api.Ticket      `json:"parked"`
	Missed  []api.Ticket      `json:"missed"`
	Waiting []api.ServiceWait `json:"waiting"`
	Seq     int64             `json:"seq"`
}

func (s *Server) counterQueue(w http.ResponseWriter, r *http.Request, o *officeHandle, p principal) {
	counter := r.PathValue("counter")
	ctx, cancel := s.ctx(r)
	defer cancel()
	res, err := office.Do(ctx, o.loop, func(q *queue.Queue, now time.Time) (CounterQueue, []queue.Event, error) {
		next, err := q.Candidates(now, counter)
		if err != nil {
			return CounterQueue{}, nil, err
		}
		out := CounterQueue{Seq: q.Seq(), Waiting: o.convert.waiting(q.Waiting())}
		for _, t := range next {
			at := o.convert.ticket(t)
			m := waitedMinutes(t.Arrived, now)
			at.WaitMinutes = &m // minutes waited so far
			out.Next = append(out.Next, at)
		}
		for _, t := range q.Tickets(func(t *queue.Ticket) bool { return t.State == queue.Parked || t.State == queue.Missed }) {
			if t.State == queue.Parked {
				out.Parked = append(out.Parked, o.convert.ticket(t))
			} else {
				out.Missed = append(out.Missed, o.convert.ticket(t))
			}
		}
		for _, c := range q.Counters() {
			if c.ID == counter {
				out.Counter = api.CounterState{ID: c.ID, Name: o.convert.counters[c.ID].Name, Open: c.Open, Staffed: c.Staffed, Closed: closed(c)}
				if t, ok := q.Ticket(c.Ticket); ok {
					at := o.convert.ticket(t)
					if a, ok := q.Appointment(t.Appointment); ok {
						at.Name = a.Name
					}
					at.Handover = t.Handover // the last clerk's note, for this one
					// The same rule as the queue's rows: the clerk saw
					// "wartet 4 Min." a moment ago and must not read
					// "Gewartet 3 Min." now.
					m := waitedAtCounter(t, now)
					at.WaitMinutes = &m // minutes waited until the call
					out.Counter.Ticket = &at
				}
			}
		}
		return out, nil, nil
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// waitedAtCounter is how long the ticket at a counter waited: until its
// call (or start), in waitedMinutes.
func waitedAtCounter(t queue.Ticket, now time.Time) int {
	until := now
	if !t.Called.IsZero() {
		until = t.Called
	} else if !t.Started.IsZero() {
		until = t.Started
	}
	return waitedMinutes(t.Arrived, until)
}

// waitedMinutes is how long someone has waited, in whole minutes passed:
// the one rule for every "wartet" and "gewartet" of the workplace. Whole
// minutes passed, not begun: 3 min 20 s read as 4 would claim a minute
// nobody waited. An estimate of what is still to come (minutes) rounds up
// instead.
func waitedMinutes(arrived, until time.Time) int {
	if arrived.IsZero() || until.Before(arrived) {
		return 0
	}
	return int(until.Sub(arrived) / time.Minute)
}

// ticketDetail serves one ticket. Ticket ids are predictable, so the
// person's name is in it only for a caller that may see it (seesName);
// everyone else gets the ticket without it.
func (s *Server) ticketDetail(w http.ResponseWriter, r *http.Request, o *officeHandle, p principal) {
	id := r.PathValue("ticket")
	ctx, cancel := s.ctx(r)
	defer cancel()
	type detail struct {
		ticket  api.Ticket
		name    string
		counter string // where it is called or served, if it is
	}
	res, err := office.Do(ctx, o.loop, func(q *queue.Queue, now time.Time) (detail, []queue.Event, error) {
		t, ok := q.Ticket(id)
		if !ok {
			return detail{}, nil, queue.Errorf(queue.NotFound, "unknown ticket %q", id)
		}
		d := detail{ticket: o.convert.ticket(t)}
		if a, ok := q.Appointment(t.Appointment); ok {
			d.name = a.Name
		}
		if t.State == queue.Called || t.State == queue.Serving {
			d.counter = t.Counter
		}
		if t.State == queue.Waiting {
			m := minutes(q.EstimateFor(now, t.ID))
			d.ticket.WaitMinutes = &m
		}
		return d, nil, nil
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if res.name != "" {
		ok, err := s.seesName(ctx, o, p, res.counter)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if ok {
			res.ticket.Name = res.name
		}
	}
	writeJSON(w, http.StatusOK, res.ticket)
}

// seesName reports whether the caller may read the name of a person whose
// ticket is called or served at counter ("" when it is at none): the
// information desk, supervisors and admins always; a clerk only at a
// counter where the clerk works now, which is where the name is needed.
func (s *Server) seesName(ctx context.Context, o *officeHandle, p principal, counter string) (bool, error) {
	if p.hasRole(RoleDesk, RoleSupervisor, RoleAdmin) {
		return true, nil
	}
	if counter == "" || p.atCounter(counter) != nil {
		return false, nil
	}
	if err := s.heldByOther(ctx, o, counter, p); err != nil {
		if queue.ErrorCode(err) == codeCounterInUse {
			return false, nil
		}
		return false, err
	}
	return true, nil
}
