package queue

import (
	"sort"
	"time"
)

// Queue is one office's queue: its appointments of the day, tickets and
// counters. It is not safe for concurrent use: one goroutine (the office
// loop) owns it, which is why two clerks pressing "next" at once can never
// get the same ticket.
//
// Every command takes the current time and returns the events it caused, in
// order, with their seq already assigned. If persisting them fails, the
// owner must throw the Queue away and restore it from the store.
type Queue struct {
	office Office
	day    string
	seq    int64
	last   int // the daily ticket counter

	tickets       map[string]*Ticket
	byAppointment map[string]string // appointment id → ticket id
	appointments  map[string]*Appointment
	byBirth       map[string][]string // birth hash → appointment ids
	counters      map[string]*CounterState
	waiting       map[string]map[string]*Ticket // main service → its waiting tickets by id
	order         map[string]*waitOrder         // main service → its waiting tickets in order (waitorder.go)
	avg           map[string]time.Duration      // main service → recent service time
	lastRequest   map[string]request            // counter → last deduplicated request
	calls         []Call                        // recent calls, newest first
	priorityRun   map[string]int                // counter → priority tickets called in a row
	// checkCounters: restored from the store, where a ticket may be held
	// by a counter no longer configured; the next Tick requeues it.
	checkCounters bool
	// carriedAt: when the day was carried over to this date (CarryDay);
	// zero if it was not.
	carriedAt time.Time
	// opened is the date the day was opened on: day itself, or the date
	// it was carried over from. Ticket ids carry it, not day, so that a
	// carry taken back (UncarryDay) and the real turn to the carried-to
	// date after it never issue one id twice.
	opened string
	// presence: who works at which counter (stranded.go); nil when not
	// tracked.
	presence *presence
	// synced: the list the last Sync applied (appointments.go).
	synced syncedList
	// token makes the status tokens of new tickets; nil: none.
	token func() string
}

// request remembers a counter's last request id, so that a double click or a
// retried request answers with the same ticket instead of calling another.
type request struct {
	id     string
	ticket string
}

// Call is one entry of the board's call history.
type Call struct {
	Ticket  string
	Number  string
	Counter string
	At      time.Time
	Recall  bool
}

// maxCalls is how many recent calls the queue keeps for snapshots.
const maxCalls = 20

// State is what the store keeps of a queue and hands back on restart.
type State struct {
	Day          string
	Seq          int64
	LastNumber   int
	Tickets      []Ticket
	Counters     []CounterState
	Appointments []Appointment
	Calls        []Call
}

// New returns an empty queue for the office's day.
func New(office Office, day string) *Queue {
	return Restore(office, State{Day: day})
}

// Restore rebuilds a queue from stored state. Counters missing from the
// state start open; counters no longer in the office are dropped.
func Restore(office Office, st State) *Queue {
	q := &Queue{
		office:        office,
		day:           st.Day,
		seq:           st.Seq,
		last:          st.LastNumber,
		tickets:       map[string]*Ticket{},
		byAppointment: map[string]string{},
		appointments:  map[string]*Appointment{},
		byBirth:       map[string][]string{},
		counters:      map[string]*CounterState{},
		waiting:       map[string]map[string]*Ticket{},
		order:         map[string]*waitOrder{},
		avg:           map[string]time.Duration{},
		lastRequest:   map[string]request{},
		priorityRun:   map[string]int{},
		calls:         append([]Call(nil), st.Calls...),
		checkCounters: len(st.Tickets) > 0,
		opened:        st.Day,
	}
	for _, s := range office.Services {
		q.avg[s.ID] = s.Duration
	}
	for _, c := range office.Counters {
		q.counters[c.ID] = &CounterState{ID: c.ID, Open: true}
	}
	for _, c := range st.Counters {
		if _, ok := q.counters[c.ID]; ok {
			c := c
			q.counters[c.ID] = &c
		}
	}
	for i := range st.Tickets {
		t := st.Tickets[i]
		q.tickets[t.ID] = &t
		// The store keeps no opening date: the oldest date in the ids
		// of the day's tickets is it (a carried day keeps their ids).
		if d := idDay(office.ID, t.ID); d != "" && d < q.opened {
			q.opened = d
		}
		if t.Appointment != "" {
			q.byAppointment[t.Appointment] = t.ID
		}
		if t.State == Waiting {
			q.addWaiting(q.tickets[t.ID])
		}
	}
	for _, a := range st.Appointments {
		q.putAppointment(a)
	}
	// The averages are not stored: the day's finished tickets, in the
	// order they ended, give them back exactly, so estimates after a
	// restart are as good as before it.
	var done []*Ticket
	for _, t := range q.tickets {
		if t.State == Done {
			done = append(done, t)
		}
	}
	sort.Slice(done, func(i, j int) bool {
		if !done[i].Ended.Equal(done[j].Ended) {
			return done[i].Ended.Before(done[j].Ended)
		}
		return done[i].N < done[j].N
	})
	for _, t := range done {
		q.learn(t)
	}
	if len(q.calls) > maxCalls {
		q.calls = q.calls[:maxCalls]
	}
	q.restoreRuns()
	return q
}

// Office returns the office the queue belongs to.
func (q *Queue) Office() *Office { return &q.office }

// Day is the office-local day the queue holds.
func (q *Queue) Day() string { return q.day }

// Seq is the seq of the last event.
func (q *Queue) Seq() int64 { return q.seq }

// LastNumber is the daily counter of the last ticket drawn.
func (q *Queue) LastNumber() int { return q.last }

// Ticket returns a copy of the ticket with the id.
func (q *Queue) Ticket(id string) (Ticket, bool) {
	t, ok := q.tickets[id]
	if !ok {
		return Ticket{}, false
	}
	return *t, true
}

// Appointment returns a copy of the appointment with the id.
func (q *Queue) Appointment(id string) (Appointment, bool) {
	a, ok := q.appointments[id]
	if !ok {
		return Appointment{}, false
	}
	return *a, true
}

// TicketForAppointment returns the ticket drawn for the appointment, if any.
func (q *Queue) TicketForAppointment(id string) (Ticket, bool) {
	tid, ok := q.byAppointment[id]
	if !ok {
		return Ticket{}, false
	}
	return q.Ticket(tid)
}

// Counters returns the counters' states in the office's order.
func (q *Queue) Counters() []CounterState {
	out := make([]CounterState, 0, len(q.office.Counters))
	for _, c := range q.office.Counters {
		cs := *q.counters[c.ID]
		cs.Staffed = q.Staffed(c.ID)
		out = append(out, cs)
	}
	return out
}

// Calls returns the recent calls, newest first.
func (q *Queue) Calls() []Call { return append([]Call(nil), q.calls...) }

// Tickets returns copies of the day's tickets that match keep (all if nil),
// by number.
func (q *Queue) Tickets(keep func(*Ticket) bool) []Ticket {
	out := make([]Ticket, 0, len(q.tickets))
	for _, t := range q.tickets {
		if keep == nil || keep(t) {
			out = append(out, *t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].N < out[j].N })
	return out
}

// Appointments returns copies of the day's appointments that match keep (all
// if nil), by start.
func (q *Queue) Appointments(keep func(*Appointment) bool) []Appointment {
	out := make([]Appointment, 0, len(q.appointments))
	for _, a := range q.appointments {
		if keep == nil || keep(a) {
			out = append(out, *a)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Start.Equal(out[j].Start) {
			return out[i].Start.Before(out[j].Start)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// State returns what the store must keep to restore the queue.
func (q *Queue) State() State {
	st := State{Day: q.day, Seq: q.seq, LastNumber: q.last, Calls: q.Calls()}
	st.Tickets = q.Tickets(nil)
	st.Counters = q.Counters()
	st.Appointments = q.Appointments(nil)
	return st
}

func (q *Queue) putAppointment(a Appointment) {
	if old, ok := q.appointments[a.ID]; ok && old.BirthHash != a.BirthHash {
		q.dropBirth(old.BirthHash, a.ID)
	}
	if old, ok := q.appointments[a.ID]; !ok || old.BirthHash != a.BirthHash {
		if a.BirthHash != "" {
			q.byBirth[a.BirthHash] = append(q.byBirth[a.BirthHash], a.ID)
		}
	}
	q.appointments[a.ID] = &a
}

func (q *Queue) dropBirth(hash, id string) {
	ids := q.byBirth[hash]
	for i, x := range ids {
		if x == id {
			ids = append(ids[:i:i], ids[i+1:]...)
			break
		}
	}
	if len(ids) == 0 {
		delete(q.byBirth, hash)
	} else {
		q.byBirth[hash] = ids
	}
}

// emit assigns the next seq and returns the event.
func (q *Queue) emit(now time.Time, typ EventType, t *Ticket, c *CounterState, report Report) Event {
	q.seq++
	e := Event{Seq: q.seq, Office: q.office.ID, Type: typ, At: now}
	if t != nil {
		cp := *t
		cp.Services = append([]ServiceCount(nil), t.Services...)
		e.Ticket = &cp
		e.Appointment = t.Appointment
		if t.Appointment != "" {
			e.Report = report
		}
	}
	if c != nil {
		cp := *c
		cp.Staffed = q.Staffed(c.ID)
		e.Counter = &cp
	}
	return e
}

// setState moves a ticket to a new state and keeps the waiting index right.
// The index keeps "next" and the estimates proportional to the people
// waiting, not to every ticket of the day.
//
// A ticket enters the line with its rank's fields set (kind and time,
// waitOrder) and keeps them while it waits.
func (q *Queue) setState(t *Ticket, s TicketState) {
	if t.State == Waiting {
		delete(q.waiting[t.Service()], t.ID)
		if o := q.order[t.Service()]; o != nil {
			o.remove(t)
		}
	}
	if s == Waiting {
		q.addWaiting(t)
	}
	t.State = s
}

func (q *Queue) addWaiting(t *Ticket) {
	set := q.waiting[t.Service()]
	if set == nil {
		set = map[string]*Ticket{}
		q.waiting[t.Service()] = set
	}
	set[t.ID] = t
	o := q.order[t.Service()]
	if o == nil {
		o = &waitOrder{}
		q.order[t.Service()] = o
	}
	o.add(t)
}
