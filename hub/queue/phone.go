package queue

// What the holder of a ticket sees on their phone: the place in the line,
// and giving the ticket up.

import (
	"sort"
	"time"
)

// SetTokenSource makes every new ticket carry a status token from token.
// The queue has no randomness of its own, so that a simulated day stays
// reproducible; the office loop passes a source of random tokens.
func (q *Queue) SetTokenSource(token func() string) { q.token = token }

// Place is where a waiting ticket stands.
type Place struct {
	// Ahead is how many tickets of the ticket's line are called before
	// it, in the order "next" calls them today.
	Ahead int
	// Wait is the estimated wait: Ahead spread over the open counters of
	// the service, and for an appointment not before its start; -1 when
	// no open counter serves the service.
	Wait time.Duration
}

// Places returns the place of each of the tickets named by ids that are
// waiting; the others are left out. Each line is ranked once, so a phone
// page per waiting ticket costs one sort per service and batch, not one
// scan per ticket.
func (q *Queue) Places(now time.Time, ids []string) map[string]Place {
	out := make(map[string]Place, len(ids))
	ranked := map[string][]*Ticket{}
	pos := map[string]int{}
	for _, id := range ids {
		t, ok := q.tickets[id]
		if !ok || t.State != Waiting {
			continue
		}
		svc := t.Service()
		if _, done := ranked[svc]; !done {
			line := make([]*Ticket, 0, len(q.waiting[svc]))
			for _, o := range q.waiting[svc] {
				line = append(line, o)
			}
			ranks := make(map[*Ticket]rank, len(line))
			k := q.rankingAt(now)
			for _, o := range line {
				ranks[o] = k.of(o)
			}
			sort.Slice(line, func(i, j int) bool { return ranks[line[i]].less(ranks[line[j]]) })
			for i, o := range line {
				pos[o.ID] = i
			}
			ranked[svc] = line
		}
		ahead := pos[id]
		wait := q.estimate(svc, ahead)
		if wait >= 0 && !t.AppointmentStart.IsZero() {
			wait = max(wait, t.AppointmentStart.Sub(now))
		}
		out[id] = Place{Ahead: ahead, Wait: wait}
	}
	return out
}

// Withdraw ends a ticket its holder gives up: from their phone, "Ich komme
// nicht mehr". A waiting, parked, called or missed ticket is cancelled;
// for an appointment the booking backend is told it was cancelled, not
// missed, so the person does not count as a no-show and the slot counts
// as freed. A ticket already at the counter or served cannot be given up
// (Conflict). Withdrawing twice answers the cancelled ticket again,
// without a second event.
func (q *Queue) Withdraw(now time.Time, ticketID string) (Ticket, []Event, error) {
	t, ok := q.tickets[ticketID]
	if !ok {
		return Ticket{}, nil, Errorf(NotFound, "no ticket %q today", ticketID)
	}
	switch t.State {
	case Cancelled:
		return *t, nil, nil
	case Serving, Done:
		return *t, nil, Errorf(Conflict, "ticket %s is already at the counter", t.Number)
	}
	var cs *CounterState
	if t.State == Called {
		if cs = q.counters[t.Counter]; cs != nil && cs.Ticket == t.ID {
			cs.Ticket = ""
		} else {
			cs = nil
		}
	}
	t.Ended = now
	q.setState(t, Cancelled)
	var report Report
	// A missed appointment already reported as a no-show stays one: the
	// backend has acted on that report.
	if t.Appointment != "" && !t.NoShowReported {
		report = ReportCancelled
	}
	return *t, []Event{q.emit(now, TicketWithdrawn, t, cs, report)}, nil
}
