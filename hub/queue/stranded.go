package queue

import (
	"sort"
	"time"
)

// A ticket is stranded when no counter would call it the ordinary way:
// transferred to a counter that is paused or no longer configured, or for
// a service that no open counter serves. The queue never leaves it there:
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
		if cs := q.counters[c.ID]; cs != nil && cs.Open {
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
func (q *Queue) offer(av availability, now time.Time, c Counter, t *Ticket) (rank, bool) {
	if t.State != Waiting {
		return rank{}, false
	}
	switch {
	case t.TargetCounter == c.ID:
	case t.TargetCounter != "" && av.open[t.TargetCounter]:
		return rank{}, false // its counter is open: it waits there
	case c.Serves(t.Service()):
	case !av.services[t.Service()]:
		r := q.rankOf(now, t)
		r.class = lastResort
		return r, true
	default:
		return rank{}, false
	}
	return q.rankOf(now, t), true
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
