package queue

import (
	"sort"
	"time"
)

// A ticket is stranded when no counter would call it the ordinary way:
// transferred to a counter that is paused, unstaffed or no longer
// configured, or for a service that no open counter serves. The queue never leaves it there:
// such a ticket is offered to other counters, and the note tells the
// clerk why the person comes to them.
//
// Notes on a ticket, for the counter workplace to translate.
const (
	// NoteTargetClosed: transferred to a counter that is paused or gone;
	// offered to the counters of its service.
	NoteTargetClosed = "target_closed"
	// NoteNoOpenCounter: no open counter serves its service; offered to
	// every counter, after the people that counter serves.
	NoteNoOpenCounter = "no_open_counter"
	// NoteCounterGone: it was called or served at a counter that is no
	// longer configured; it waits again.
	NoteCounterGone = "counter_gone"
)

// lastResort is the rank class of a ticket offered to a counter that does
// not serve its service: after everyone else that counter may call.
const lastResort = 4

// availability is which counters are open and which services an open
// counter serves, taken once per "next" or listing.
type availability struct {
	open     map[string]bool
	services map[string]bool
}

func (q *Queue) availability() availability {
	av := availability{open: map[string]bool{}, services: map[string]bool{}}
	for _, c := range q.office.Counters {
		if q.serving(c.ID) {
			av.open[c.ID] = true
			for _, s := range c.Services {
				av.services[s] = true
			}
		}
	}
	return av
}

// offer reports whether counter c may call the waiting ticket t, and its
// rank there.
func (q *Queue) offer(av availability, k *ranking, c Counter, t *Ticket) (rank, bool) {
	return q.offerOf(av.of(c, t.Service()), k, t)
}

// serviceAt is what offer asks of a ticket's service at one counter: the
// same for every ticket of the service, so a scan over a service's
// waiting tickets asks it once.
type serviceAt struct {
	av      availability
	counter string
	serves  bool // the counter serves the service
	open    bool // an open counter serves the service
}

func (av availability) of(c Counter, service string) serviceAt {
	return serviceAt{av: av, counter: c.ID, serves: c.Serves(service), open: av.services[service]}
}

// offerOf is offer with the ticket's service at the counter known.
func (q *Queue) offerOf(s serviceAt, k *ranking, t *Ticket) (rank, bool) {
	if t.State != Waiting {
		return rank{}, false
	}
	switch {
	case t.TargetCounter == s.counter:
	case t.TargetCounter != "" && s.av.open[t.TargetCounter]:
		return rank{}, false // its counter is open: it waits there
	case s.serves:
	case !s.open:
		r := k.of(t)
		r.class = lastResort
		return r, true
	default:
		return rank{}, false
	}
	return k.of(t), true
}

// noteFor is the note a clerk at counter c sees on ticket t: why it is
// offered there, or "" when it belongs there anyway.
func (q *Queue) noteFor(av availability, c Counter, t *Ticket) string {
	switch {
	case t.Note == NoteCounterGone && t.State == Waiting:
		return t.Note
	case t.TargetCounter == c.ID:
		return ""
	case t.TargetCounter != "" && !av.open[t.TargetCounter] && c.Serves(t.Service()):
		return NoteTargetClosed
	case t.TargetCounter != "" && !av.open[t.TargetCounter], t.TargetCounter == "" && !c.Serves(t.Service()) && !av.services[t.Service()]:
		return NoteNoOpenCounter
	}
	return ""
}

// strandedAtCounter lists the tickets called or served at a counter that
// does not hold them (it was removed from the configuration): nobody
// could call, finish or close them.
func (q *Queue) strandedAtCounter() []*Ticket {
	var out []*Ticket
	for _, t := range q.tickets {
		if t.State != Called && t.State != Serving {
			continue
		}
		if cs := q.counters[t.Counter]; cs == nil || cs.Ticket != t.ID {
			out = append(out, t)
		}
	}
	return out
}

// requeueStranded puts the tickets of counters that are gone back into the
// queue, as if transferred there: they are called next, with a note.
func (q *Queue) requeueStranded(now time.Time) []Event {
	if !q.checkCounters {
		return nil
	}
	q.checkCounters = false
	list := q.strandedAtCounter()
	sort.Slice(list, func(i, j int) bool { return list[i].N < list[j].N })
	var events []Event
	for _, t := range list {
		t.Counter, t.TargetCounter = "", ""
		t.Transferred, t.Recalls, t.Note = now, 0, NoteCounterGone
		q.setState(t, Waiting)
		events = append(events, q.emit(now, TicketTransferred, t, nil, ""))
	}
	return events
}

// Presence: a counter nobody works at must not hold tickets. An open
// counter counts as closed for the queue (its transferred tickets are
// offered to the other counters of their service) while no clerk is
// present at it: no live session holds it, and no request without a
// session (HTTP Basic: scripts, load tools) acted there in the last
// ActedStaffing. The estimates still count it: a change of presence
// publishes nothing, so boards would show estimates no event explains.

// ActedStaffing is how long an action at a counter that no session holds
// staffs it: a script's "next" finds the tickets transferred there, and a
// counter its script stopped using frees them a few minutes later.
const ActedStaffing = 5 * time.Minute

// presence is who works at which counter. It is not stored: a restarted
// hub has nobody present until the sessions still live come back.
type presence struct {
	sessions map[string]sessionAt // by session id
	acted    map[string]time.Time // counter → until when an action staffs it
	told     map[string]bool      // counter → staffed, as the last event said
}

type sessionAt struct {
	counter string
	until   time.Time
}

// TrackPresence makes the queue count an unstaffed counter as closed.
// Without it every open counter counts as staffed (the domain alone, with
// nobody to log in).
func (q *Queue) TrackPresence() {
	if q.presence == nil {
		q.presence = &presence{sessions: map[string]sessionAt{}, acted: map[string]time.Time{}, told: map[string]bool{}}
		// What the stored counters said is what the screens show: a
		// counter stored as staffed is announced unstaffed at the first
		// StaffingChanges, since nobody is present after a restart.
		for id, cs := range q.counters {
			q.presence.told[id] = cs.Staffed
		}
	}
}

// KeepPresence takes over who is present from old: q replaces it after a
// restore from the store, and presence is not stored.
func (q *Queue) KeepPresence(old *Queue) {
	if old != nil && old.presence != nil {
		q.presence = old.presence
	}
}

// Staff records that a clerk's session works at counter until it expires.
// A session holds one counter; staffing another moves it there.
func (q *Queue) Staff(session, counter string, until time.Time) {
	if q.presence == nil || counter == "" {
		return
	}
	q.presence.sessions[session] = sessionAt{counter: counter, until: until}
}

// Unstaff records that a session ended (logout, takeover, expiry): its
// counter counts as closed unless another clerk is present there. An
// action's staffing of that counter ends with it: the clerk left.
func (q *Queue) Unstaff(session string) {
	if q.presence == nil {
		return
	}
	if at, ok := q.presence.sessions[session]; ok {
		delete(q.presence.sessions, session)
		delete(q.presence.acted, at.counter)
	}
}

// Staffed reports whether a clerk is present at the counter.
func (q *Queue) Staffed(counter string) bool {
	p := q.presence
	if p == nil {
		return true
	}
	if _, ok := p.acted[counter]; ok {
		return true
	}
	for _, at := range p.sessions {
		if at.counter == counter {
			return true
		}
	}
	return false
}

// serving reports whether the counter is open and staffed: the queue's
// one rule of which counters take tickets.
func (q *Queue) serving(counter string) bool {
	cs := q.counters[counter]
	return cs != nil && cs.Open && q.Staffed(counter)
}

// acted staffs a counter that no session holds for ActedStaffing: the
// action came without a session (a session's counter is staffed anyway).
func (q *Queue) acted(now time.Time, counter string) {
	p := q.presence
	if p == nil {
		return
	}
	for _, at := range p.sessions {
		if at.counter == counter {
			return
		}
	}
	p.acted[counter] = now.Add(ActedStaffing)
}

// sweepPresence ends the sessions that expired and the staffing of
// actions that is over.
func (q *Queue) sweepPresence(now time.Time) {
	p := q.presence
	if p == nil {
		return
	}
	for id, at := range p.sessions {
		if !now.Before(at.until) {
			delete(p.sessions, id)
		}
	}
	for c, until := range p.acted {
		if !now.Before(until) {
			delete(p.acted, c)
		}
	}
}

// StaffingChanges returns an event for each counter whose staffing
// changed since the last events said: the screens learn that a counter
// is unstaffed (and the estimates without it) when it happens, not with
// the next ticket. The office loop calls it after Staff, Unstaff and
// each tick; counter actions call it themselves.
func (q *Queue) StaffingChanges(now time.Time) []Event {
	p := q.presence
	if p == nil {
		return nil
	}
	var events []Event
	for _, c := range q.office.Counters {
		staffed := q.Staffed(c.ID)
		if staffed == p.told[c.ID] {
			continue
		}
		p.told[c.ID] = staffed
		events = append(events, q.emit(now, CounterStaffed, nil, q.counters[c.ID], ""))
	}
	return events
}
