package queue

// The waiting order: each service's waiting tickets kept sorted within
// their kind, so that "next" looks at the first ticket of each kind
// instead of ranking every ticket that waits.

import (
	"sort"
	"time"
)

// Kinds of waiting tickets. Within a kind, ranking's order is the order
// of one time of the ticket (then N), whatever the clock says: a due
// appointment ranks before one not yet due and both by their start; a
// walk-in that waited too long ranks before one that did not, and both by
// their arrival. So the first ticket of a kind is the kind's best.
const (
	kindPriority    = iota // by arrival
	kindTransferred        // by the transfer (and requeued tickets)
	kindAppointment        // by the appointment's start
	kindWalkIn             // by arrival
	numKinds
)

// waitOrder is one service's waiting tickets in order. Tickets sent to
// one counter (a transfer to a counter) are kept apart and looked at
// whole: whether a counter may call them depends on the counter. A
// ticket's kind and time do not change while it waits (the queue sets
// them before it enters the line, see setState), which keeps each
// kind's order without re-sorting.
type waitOrder struct {
	kinds    [numKinds][]*Ticket
	targeted map[string]*Ticket
}

// kindOf is the ticket's kind, in ranking's order of precedence
// (ranking.of); ok is false for a ticket sent to one counter.
func kindOf(t *Ticket) (kind int, key time.Time, ok bool) {
	switch {
	case t.TargetCounter != "":
		return 0, time.Time{}, false
	case t.Priority:
		return kindPriority, t.Arrived, true
	case !t.Transferred.IsZero():
		return kindTransferred, t.Transferred, true
	case !t.AppointmentStart.IsZero():
		return kindAppointment, t.AppointmentStart, true
	default:
		return kindWalkIn, t.Arrived, true
	}
}

// search returns where t belongs in list, sorted by key then N.
func search(list []*Ticket, key time.Time, n int) int {
	return sort.Search(len(list), func(i int) bool {
		_, k, _ := kindOf(list[i])
		if !k.Equal(key) {
			return k.After(key)
		}
		return list[i].N >= n
	})
}

func (o *waitOrder) add(t *Ticket) {
	kind, key, ok := kindOf(t)
	if !ok {
		if o.targeted == nil {
			o.targeted = map[string]*Ticket{}
		}
		o.targeted[t.ID] = t
		return
	}
	list := o.kinds[kind]
	i := search(list, key, t.N)
	list = append(list, nil)
	copy(list[i+1:], list[i:])
	list[i] = t
	o.kinds[kind] = list
}

func (o *waitOrder) remove(t *Ticket) {
	kind, key, ok := kindOf(t)
	if !ok {
		delete(o.targeted, t.ID)
		return
	}
	list := o.kinds[kind]
	i := search(list, key, t.N)
	if i == len(list) || list[i] != t {
		// Not where its kind and time say: they changed while it
		// waited, against the rule above. Found anyway, so that the
		// line never keeps a ticket that left it.
		i = -1
		for j, x := range list {
			if x == t {
				i = j
			}
		}
		if i < 0 {
			return
		}
	}
	o.kinds[kind] = append(list[:i], list[i+1:]...)
}

// ahead counts the tickets of the line that rank before r: in each kind
// the tickets before the first that does not (a kind's order is
// ranking's, so they are a prefix, found by halving), and the tickets
// sent to one counter one by one. Every check-in and walk-in is told
// its wait from this count; counting the whole line cost 14 µs of the
// office's one goroutine per check-in with 10,000 waiting (the big day
// of make bench), sampling it beyond 32 ahead only guessed.
func (o *waitOrder) ahead(k *ranking, r rank) int {
	if o == nil {
		return 0
	}
	n := 0
	for _, list := range o.kinds {
		n += sort.Search(len(list), func(i int) bool { return !k.of(list[i]).less(r) })
	}
	for _, t := range o.targeted {
		if k.of(t).less(r) {
			n++
		}
	}
	return n
}
