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

// maxAhead bounds the exact count of people ahead in EstimateFor; a longer
// line is sampled. Counting every one of thousands would make each
// check-in cost more the longer the line, on the one goroutine that
// serves the whole office.
const maxAhead = 32

// EstimateFor estimates how long the ticket still waits: the tickets ranked
// before it at the counters of its service (sampled beyond maxAhead), and
// for an appointment not before its start.
func (q *Queue) EstimateFor(now time.Time, ticketID string) time.Duration {
	t, ok := q.tickets[ticketID]
	if !ok || t.State != Waiting {
		return 0
	}
	k := q.rankingAt(now)
	r := k.of(t)
	line := q.waiting[t.Service()]
	ahead, seen := 0, 0
	for _, o := range line {
		seen++
		if k.of(o).less(r) {
			ahead++
			if ahead == maxAhead {
				// Map order is random: the share ahead among those
				// seen is a fair sample of the whole line.
				ahead = ahead * len(line) / seen
				break
			}
		}
	}
	d := q.estimate(t.Service(), ahead)
	if d >= 0 && !t.AppointmentStart.IsZero() {
		if until := t.AppointmentStart.Sub(now); until > d {
			d = until
		}
	}
	return d
}

// AverageServiceTime returns the recent service time per person.
func (q *Queue) AverageServiceTime(service string) time.Duration { return q.avg[service] }
