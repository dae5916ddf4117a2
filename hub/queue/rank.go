package queue

// Ranking: the order in which a counter calls the waiting tickets.

import (
	"sort"
	"time"
)

// rank orders the tickets a counter may call: priority first, then due
// appointments by start (and walk-ins that waited too long, and transferred
// tickets), then walk-ins by arrival, then appointments not yet due — those
// are only called early when nothing else waits.
type rank struct {
	class int
	at    time.Time
	n     int
}

func (r rank) less(o rank) bool {
	if r.class != o.class {
		return r.class < o.class
	}
	if !r.at.Equal(o.at) {
		return r.at.Before(o.at)
	}
	return r.n < o.n
}

// ranking is the instant a scan ranks tickets at, with the policy's
// thresholds at that instant worked out once per scan instead of once per
// ticket: the counter's list, the estimate and the phones' places rank
// every ticket of a line, and with hundreds waiting the per-ticket time
// arithmetic was a tenth of a scan's time.
type ranking struct {
	dueBy   time.Time // appointments starting by then are due
	maxWait time.Duration
	overdue time.Time // walk-ins that arrived by then waited too long; with maxWait > 0
}

func (q *Queue) rankingAt(now time.Time) ranking {
	p := &q.office.Policy
	return ranking{dueBy: now.Add(p.DueAhead), maxWait: p.MaxWalkInWait, overdue: now.Add(-p.MaxWalkInWait)}
}

func (k *ranking) of(t *Ticket) rank {
	switch {
	case t.Priority:
		return rank{0, t.Arrived, t.N}
	case !t.Transferred.IsZero():
		return rank{1, t.Transferred, t.N}
	case !t.AppointmentStart.IsZero():
		if !t.AppointmentStart.After(k.dueBy) {
			return rank{1, t.AppointmentStart, t.N}
		}
		return rank{3, t.AppointmentStart, t.N}
	case k.maxWait > 0 && !t.Arrived.After(k.overdue):
		return rank{1, t.Arrived.Add(k.maxWait), t.N}
	default:
		return rank{2, t.Arrived, t.N}
	}
}

// Candidates returns the waiting tickets the counter may call, in the order
// "next" would call them.
func (q *Queue) Candidates(now time.Time, counter string) ([]Ticket, error) {
	c, ok := q.office.Counter(counter)
	if !ok {
		return nil, Errorf(NotFound, "unknown counter %q", counter)
	}
	type ranked struct {
		t *Ticket
		r rank
	}
	var list []ranked
	av := q.availability()
	k := q.rankingAt(now)
	for _, set := range q.waiting {
		for _, t := range set {
			if r, ok := q.offer(av, &k, c, t); ok {
				list = append(list, ranked{t, r})
			}
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].r.less(list[j].r) })
	// The alternation moves the normal ticket it would call to the front.
	for j, x := range list {
		if !x.t.Priority {
			if j > 0 && q.yields(now, c, list[0].t, x.t) {
				copy(list[1:j+1], list[:j])
				list[0] = x
			}
			break
		}
	}
	out := make([]Ticket, len(list))
	for i, x := range list {
		out[i] = *x.t
		out[i].Note = q.noteFor(av, c, x.t)
	}
	return out, nil
}

// pick returns the ticket "next" calls at the counter, or nil.
//
// It looks at the first ticket of each kind of each service's line
// (waitOrder) and at the few tickets sent to one counter, not at every
// ticket waiting: with 2,000 waiting a full scan took 140 µs of a call's
// 0.9 ms under the benchmark. Only a service no open counter serves,
// whose tickets any counter may take by time alone (lastResort), is
// looked at whole.
func (q *Queue) pick(now time.Time, c Counter) *Ticket {
	var best, normal *Ticket
	var bestRank, normalRank rank
	consider := func(t *Ticket, r rank) {
		if best == nil || r.less(bestRank) {
			best, bestRank = t, r
		}
		if !t.Priority && (normal == nil || r.less(normalRank)) {
			normal, normalRank = t, r
		}
	}
	av := q.availability()
	k := q.rankingAt(now)
	for service, set := range q.waiting {
		s := av.of(c, service)
		o := q.order[service]
		if o == nil {
			continue
		}
		for _, t := range o.targeted {
			if r, ok := q.offerOf(s, &k, t); ok {
				consider(t, r)
			}
		}
		switch {
		case s.serves:
			for _, list := range o.kinds {
				if len(list) > 0 {
					consider(list[0], k.of(list[0]))
				}
			}
		case !s.open:
			for _, t := range set {
				if t.TargetCounter != "" {
					continue // looked at above
				}
				if r, ok := q.offerOf(s, &k, t); ok {
					consider(t, r)
				}
			}
		}
	}
	picked := best
	if q.yields(now, c, best, normal) {
		picked = normal
	}
	if checkPick != nil {
		checkPick(q, now, c, picked)
	}
	return picked
}

// checkPick, set by the package's tests, checks every pick against a
// scan of every waiting ticket.
var checkPick func(q *Queue, now time.Time, c Counter, picked *Ticket)

// yields reports whether the counter calls the normal ticket instead of
// the priority ticket ranked first: it has called the policy's run of
// priority tickets in a row, and the normal one has waited long enough.
// Priority first stays the rule; this only keeps a steady stream of
// priority tickets from starving everyone else.
func (q *Queue) yields(now time.Time, c Counter, first, normal *Ticket) bool {
	p := q.office.Policy
	if p.PriorityRun <= 0 || first == nil || normal == nil || !first.Priority || normal.Priority {
		return false
	}
	if q.priorityRun[c.ID] < p.PriorityRun {
		return false
	}
	return now.Sub(normal.WaitingSince()) >= p.PriorityYieldAfter
}

// countCall keeps the run of priority calls at the counter.
func (q *Queue) countCall(counter string, t *Ticket) {
	if t.Priority {
		q.priorityRun[counter]++
	} else {
		q.priorityRun[counter] = 0
	}
}

// restoreRuns rebuilds the runs of priority calls from the tickets' last
// calls, so that a restart does not hand a counter a fresh run.
func (q *Queue) restoreRuns() {
	byCounter := map[string][]*Ticket{}
	for _, t := range q.tickets {
		if t.Counter != "" && !t.Called.IsZero() {
			byCounter[t.Counter] = append(byCounter[t.Counter], t)
		}
	}
	for counter, list := range byCounter {
		sort.Slice(list, func(i, j int) bool {
			if !list[i].Called.Equal(list[j].Called) {
				return list[i].Called.After(list[j].Called)
			}
			return list[i].N > list[j].N
		})
		n := 0
		for n < len(list) && list[n].Priority {
			n++
		}
		q.priorityRun[counter] = n
	}
}
