package queue

// Walk-ins admitted by capacity: a walk-in ticket is a promise to serve
// the person today. It is issued only while the counters can still keep it
// before closing, so that nobody waits all afternoon to be sent home.

import "time"

// noShowWeight is how many appointments the expected no-show rate counts
// for against the day's own measurement: early in the day a handful of
// no-shows must not swing the estimate, later the day's rate decides.
const noShowWeight = 20

// Capacity is what the estimate behind AdmitWalkIn saw for one service.
type Capacity struct {
	// Supply is the counter time left before closing at the counters that
	// serve the service, after the tickets they hold now.
	Supply time.Duration
	// Demand is the work already promised to those counters: the waiting
	// and parked tickets, and the booked appointments still to come
	// weighted by the no-show rate, each shared among the counters that
	// can serve it.
	Demand time.Duration
	// Need is what one more walk-in takes: the measured service time.
	Need time.Duration
	// Idle: a staffed, open counter for the service holds no ticket and
	// has nobody waiting for it; a walk-in would be called at once.
	Idle bool
	// NoShowRate is the rate the appointments to come were weighed with.
	NoShowRate float64
}

// Admits reports whether one more walk-in fits.
func (c Capacity) Admits() bool { return c.Idle || c.Demand+c.Need <= c.Supply }

// ClosingAt returns the office's closing time on the day of now, and false
// when the office has none.
func (q *Queue) ClosingAt(now time.Time) (time.Time, bool) {
	p := q.office.Policy
	if p.Closing <= 0 {
		return time.Time{}, false
	}
	loc := q.office.location()
	y, m, d := now.In(loc).Date()
	// By the clock on the wall, not midnight plus a duration: on the days
	// the clocks change the two differ by an hour.
	h, min := int(p.Closing/time.Hour), int(p.Closing%time.Hour/time.Minute)
	return time.Date(y, m, d, h, min, 0, 0, loc), true
}

// AdmitWalkIn returns nil while a walk-in for the service can still be
// served today, and a WalkInsFull error saying why not otherwise: the
// daily quota is drawn, the office has closed, or the staffed counters'
// time before closing is spoken for. It is asked anew for every ticket,
// so capacity freed by a no-show, a cancellation or an early finish opens
// walk-ins again by itself.
func (q *Queue) AdmitWalkIn(now time.Time, service string) error {
	s, ok := q.office.Service(service)
	if !ok {
		return Errorf(NotFound, "unknown service %q", service)
	}
	if s.WalkInQuota > 0 {
		if n := q.walkInsToday(service); n >= s.WalkInQuota {
			return Errorf(WalkInsFull, "the %d walk-in tickets of the day for %s are drawn", s.WalkInQuota, service)
		}
	}
	closing, ok := q.ClosingAt(now)
	if !ok {
		return nil
	}
	if !now.Before(closing) {
		return Errorf(WalkInsFull, "the office closed at %s; tickets already drawn are still served", closing.Format("15:04"))
	}
	if c := q.WalkInCapacity(now, service); !c.Admits() {
		return Errorf(WalkInsFull, "the counters for %s are spoken for until closing at %s (free %v, promised %v, one more %v)",
			service, closing.Format("15:04"), c.Supply.Round(time.Minute), c.Demand.Round(time.Minute), c.Need.Round(time.Minute))
	}
	return nil
}

// walkInsToday counts the day's walk-in tickets of the service that were
// not withdrawn.
func (q *Queue) walkInsToday(service string) int {
	n := 0
	for _, t := range q.tickets {
		if t.Appointment == "" && t.State != Cancelled && t.Service() == service {
			n++
		}
	}
	return n
}

// WalkInCapacity estimates the service's capacity before closing (see
// Capacity). Without a closing time it is zero.
func (q *Queue) WalkInCapacity(now time.Time, service string) Capacity {
	closing, ok := q.ClosingAt(now)
	if !ok {
		return Capacity{}
	}
	pool := q.pool()
	mine := pool[service]
	c := Capacity{Need: q.avg[service], NoShowRate: q.noShowRate(now)}
	if len(mine) == 0 {
		return c
	}
	// share is the part of a ticket's work that falls on this service's
	// counters: its work is spread evenly over every counter that may
	// call it.
	shares := make(map[string]float64, len(pool))
	for svc, all := range pool {
		n := 0
		for id := range all {
			if mine[id] {
				n++
			}
		}
		if n > 0 {
			shares[svc] = float64(n) / float64(len(all))
		}
	}
	share := func(t *Ticket, svc string) float64 {
		if t != nil && t.TargetCounter != "" {
			if mine[t.TargetCounter] {
				return 1
			}
			return 0
		}
		return shares[svc]
	}
	for id := range mine {
		cs := q.counters[id]
		free := now
		if t := q.tickets[cs.Ticket]; cs.Ticket != "" && t != nil {
			left := q.work(t)
			if !t.Started.IsZero() {
				left -= now.Sub(t.Started)
			}
			free = now.Add(max(0, left))
		}
		c.Supply += max(0, closing.Sub(free))
		if cs.Ticket == "" && q.serving(id) && !q.anyWaitingFor(id) {
			c.Idle = true
		}
	}
	// Each part is rounded to a whole nanosecond before it is added: a sum
	// of floats in the maps' random order could differ in its last bit
	// from one run to the next and turn the same person away once and
	// admit them another time.
	part := func(work time.Duration, f float64) time.Duration { return time.Duration(float64(work) * f) }
	for _, set := range q.waiting {
		for _, t := range set {
			c.Demand += part(q.work(t), share(t, t.Service()))
		}
	}
	for _, t := range q.tickets {
		if t.State == Parked {
			c.Demand += part(q.work(t), share(t, t.Service()))
		}
	}
	for _, a := range q.appointments {
		if !q.toCome(now, closing, a) {
			continue
		}
		svc := a.Services[0].Service
		c.Demand += part(time.Duration(a.Persons())*q.avg[svc], (1-c.NoShowRate)*share(nil, svc))
	}
	return c
}

// pool returns, per service, the counters expected to serve it for the
// rest of the day: the staffed, open ones; where none is, every counter
// that serves it, since nobody logged in yet (the morning) or everyone
// is at lunch says nothing about the afternoon.
func (q *Queue) pool() map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, s := range q.office.Services {
		set := map[string]bool{}
		for _, c := range q.office.Counters {
			if c.Serves(s.ID) && q.serving(c.ID) {
				set[c.ID] = true
			}
		}
		if len(set) == 0 {
			for _, c := range q.office.Counters {
				if c.Serves(s.ID) {
					set[c.ID] = true
				}
			}
		}
		out[s.ID] = set
	}
	return out
}

// work is the measured counter time a ticket takes.
func (q *Queue) work(t *Ticket) time.Duration {
	return time.Duration(t.Persons()) * q.avg[t.Service()]
}

// anyWaitingFor reports whether a waiting ticket could be called at the
// counter.
func (q *Queue) anyWaitingFor(counter string) bool {
	c, ok := q.office.Counter(counter)
	if !ok {
		return false
	}
	for _, s := range c.Services {
		for _, t := range q.waiting[s] {
			if t.TargetCounter == "" || t.TargetCounter == counter {
				return true
			}
		}
	}
	return false
}

// toCome reports whether a booked appointment may still bring someone
// before closing: not cancelled, no ticket yet, not a no-show, and its
// check-in still possible.
func (q *Queue) toCome(now, closing time.Time, a *Appointment) bool {
	if a.Cancelled || a.NoShow || len(a.Services) == 0 || !a.Start.Before(closing) {
		return false
	}
	if _, ok := q.byAppointment[a.ID]; ok {
		return false
	}
	return now.Before(a.Start.Add(q.office.Policy.NoShowGrace))
}

// noShowRate is the share of the day's due appointments whose holders
// stayed away, blended with the policy's expectation while the day has
// seen few.
func (q *Queue) noShowRate(now time.Time) float64 {
	grace := q.office.Policy.NoShowGrace
	decided, away := 0, 0
	for _, a := range q.appointments {
		if a.Cancelled || now.Before(a.Start.Add(grace)) {
			continue
		}
		decided++
		if _, ok := q.byAppointment[a.ID]; !ok {
			away++
		}
	}
	return (float64(away) + noShowWeight*q.office.Policy.ExpectedNoShow) / float64(decided+noShowWeight)
}
