package queue

// Waiting-time estimates.

import "time"

// ServiceWait is the waiting line of one service.
type ServiceWait struct {
	Service  string
	Waiting  int
	Estimate time.Duration // -1 when no open, staffed counter serves it
}

// Waiting returns, per service in the office's order, the number waiting
// and the estimated wait for a newcomer: recent real service times per
// person, spread over the open counters that serve the service.
func (q *Queue) Waiting() []ServiceWait {
	out := make([]ServiceWait, 0, len(q.office.Services))
	for _, s := range q.office.Services {
		out = append(out, ServiceWait{Service: s.ID, Waiting: len(q.waiting[s.ID]), Estimate: q.estimate(s.ID, len(q.waiting[s.ID]))})
	}
	return out
}

func (q *Queue) estimate(service string, ahead int) time.Duration {
	// Only counters that call: open and staffed. A counter nobody is
	// logged in at calls nobody, whatever its open flag says since the
	// start or the last logout.
	open := 0
	for _, c := range q.office.Counters {
		if c.Serves(service) && q.serving(c.ID) {
			open++
		}
	}
	if open == 0 {
		return -1
	}
	return time.Duration(ahead) * q.avg[service] / time.Duration(open)
}

// EstimateFor estimates how long the ticket still waits: the tickets ranked
// before it at the counters of its service, and for an appointment not
// before its start.
func (q *Queue) EstimateFor(now time.Time, ticketID string) time.Duration {
	t, ok := q.tickets[ticketID]
	if !ok || t.State != Waiting {
		return 0
	}
	k := q.rankingAt(now)
	ahead := q.order[t.Service()].ahead(&k, k.of(t))
	if checkAhead != nil {
		checkAhead(q, now, t, ahead)
	}
	d := q.estimate(t.Service(), ahead)
	if d >= 0 && !t.AppointmentStart.IsZero() {
		if until := t.AppointmentStart.Sub(now); until > d {
			d = until
		}
	}
	return d
}

// checkAhead, set by the package's tests, checks every count of the
// tickets ahead against a ranking of the whole line.
var checkAhead func(q *Queue, now time.Time, t *Ticket, ahead int)

// AverageServiceTime returns the recent service time per person.
func (q *Queue) AverageServiceTime(service string) time.Duration { return q.avg[service] }
