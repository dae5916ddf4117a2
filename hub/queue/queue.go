package queue

import (
	"crypto/subtle"
	"sort"
	"strings"
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
	avg           map[string]time.Duration      // main service → recent service time
	lastRequest   map[string]request            // counter → last deduplicated request
	calls         []Call                        // recent calls, newest first
	// checkCounters: restored from the store, where a ticket may be held
	// by a counter no longer configured; the next Tick requeues it.
	checkCounters bool
	// carriedAt: when the day was carried over to this date (CarryDay);
	// zero if it was not.
	carriedAt time.Time
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
		avg:           map[string]time.Duration{},
		lastRequest:   map[string]request{},
		calls:         append([]Call(nil), st.Calls...),
		checkCounters: len(st.Tickets) > 0,
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
		out = append(out, *q.counters[c.ID])
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
		e.Counter = &cp
	}
	return e
}

// setState moves a ticket to a new state and keeps the waiting index right.
// The index keeps "next" and the estimates proportional to the people
// waiting, not to every ticket of the day.
func (q *Queue) setState(t *Ticket, s TicketState) {
	if t.State == Waiting {
		delete(q.waiting[t.Service()], t.ID)
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
}

// --- check-in and walk-in ---

// CheckInCode checks in the holder of a scanned code. A wrong secret is
// "not found", so that codes cannot be probed.
func (q *Queue) CheckInCode(now time.Time, appointmentID, secret string) (Ticket, []Event, error) {
	a, ok := q.appointments[appointmentID]
	if !ok || a.Secret == "" || subtle.ConstantTimeCompare([]byte(a.Secret), []byte(secret)) != 1 {
		return Ticket{}, nil, Errorf(NotFound, "no appointment for this code today")
	}
	return q.checkIn(now, a)
}

// CheckInAppointment checks in by appointment id alone: the information
// desk does this for a person who has neither code nor birth date on file,
// e.g. after booking by phone, once staff have identified them.
func (q *Queue) CheckInAppointment(now time.Time, appointmentID string) (Ticket, []Event, error) {
	a, ok := q.appointments[appointmentID]
	if !ok {
		return Ticket{}, nil, Errorf(NotFound, "no appointment %q today", appointmentID)
	}
	return q.checkIn(now, a)
}

// CheckInBirthDate checks in by birth date (as its keyed hash). When several
// appointments match, the one inside the check-in window is taken; if that
// is still ambiguous, a conflict lists the choices and the caller repeats
// with appointmentID.
func (q *Queue) CheckInBirthDate(now time.Time, birthHash, appointmentID string) (Ticket, []Event, error) {
	if !q.office.Policy.BirthDateCheckIn {
		return Ticket{}, nil, Errorf(Invalid, "this office does not offer check-in by birth date")
	}
	var matches []*Appointment
	for _, id := range q.byBirth[birthHash] {
		if a := q.appointments[id]; a != nil && !a.Cancelled {
			matches = append(matches, a)
		}
	}
	if appointmentID != "" {
		for _, a := range matches {
			if a.ID == appointmentID {
				return q.checkIn(now, a)
			}
		}
		return Ticket{}, nil, Errorf(NotFound, "no appointment for this birth date today")
	}
	switch len(matches) {
	case 0:
		return Ticket{}, nil, Errorf(NotFound, "no appointment for this birth date today")
	case 1:
		return q.checkIn(now, matches[0])
	}
	// A returning person (already checked in) or exactly one appointment in
	// the window decides; otherwise the citizen chooses.
	var open []*Appointment
	for _, a := range matches {
		if tid, ok := q.byAppointment[a.ID]; ok && !q.tickets[tid].State.Final() {
			return *q.tickets[tid], nil, nil
		}
		if q.inWindow(now, a) {
			open = append(open, a)
		}
	}
	if len(open) == 1 {
		return q.checkIn(now, open[0])
	}
	if len(open) == 0 {
		open = matches
	}
	// By start, then id: the same buttons in the same order on every
	// attempt, whatever order the backend listed them in.
	sort.Slice(open, func(i, j int) bool {
		if !open[i].Start.Equal(open[j].Start) {
			return open[i].Start.Before(open[j].Start)
		}
		return open[i].ID < open[j].ID
	})
	e := Errorf(Conflict, "several appointments match this birth date")
	for _, a := range open {
		e.Choices = append(e.Choices, Choice{Appointment: a.ID, Start: a.Start, Services: append([]ServiceCount(nil), a.Services...)})
	}
	return Ticket{}, nil, e
}

func (q *Queue) inWindow(now time.Time, a *Appointment) bool {
	p := q.office.Policy
	return !now.Before(a.Start.Add(-p.CheckInBefore)) && !now.After(a.Start.Add(p.CheckInAfter))
}

// checkIn is idempotent: a second check-in returns the ticket of the first.
func (q *Queue) checkIn(now time.Time, a *Appointment) (Ticket, []Event, error) {
	if tid, ok := q.byAppointment[a.ID]; ok {
		return *q.tickets[tid], nil, nil
	}
	if a.Cancelled {
		return Ticket{}, nil, Errorf(NotFound, "the appointment was cancelled")
	}
	p := q.office.Policy
	if opens := a.Start.Add(-p.CheckInBefore); now.Before(opens) {
		// The citizen reads the office's wall clock, not the backend's zone.
		opens = opens.In(q.office.location())
		e := Errorf(TooEarly, "check-in opens at %s", opens.Format("15:04"))
		e.ComeBackAt = opens
		return Ticket{}, nil, e
	}
	late := now.After(a.Start.Add(p.CheckInAfter))
	if late && !p.LateAsWalkIn {
		return Ticket{}, nil, Errorf(TooLate, "the appointment has expired")
	}
	services := a.Services
	if len(services) == 0 {
		return Ticket{}, nil, Errorf(Invalid, "appointment %s has no service", a.ID)
	}
	if _, ok := q.office.Service(services[0].Service); !ok {
		return Ticket{}, nil, Errorf(Invalid, "appointment %s has unknown service %q", a.ID, services[0].Service)
	}
	t := q.newTicket(now, services)
	if late {
		// Converted to a walk-in: it keeps its link for reporting but
		// queues by arrival.
		t.Appointment = a.ID
	} else {
		t.Appointment, t.AppointmentStart = a.ID, a.Start
	}
	a.NoShow = false
	q.byAppointment[a.ID] = t.ID
	return *t, []Event{q.emit(now, CheckedIn, t, nil, ReportArrived)}, nil
}

// WalkIn draws a ticket for a person without appointment.
func (q *Queue) WalkIn(now time.Time, service string, priority bool) (Ticket, []Event, error) {
	if !q.office.Policy.WalkIns {
		return Ticket{}, nil, Errorf(Invalid, "this office takes no walk-ins")
	}
	if _, ok := q.office.Service(service); !ok {
		return Ticket{}, nil, Errorf(NotFound, "unknown service %q", service)
	}
	if !q.served(service) {
		return Ticket{}, nil, Errorf(Invalid, "no counter serves %q", service)
	}
	t := q.newTicket(now, []ServiceCount{{Service: service, Count: 1}})
	t.Priority = priority
	return *t, []Event{q.emit(now, WalkedIn, t, nil, "")}, nil
}

func (q *Queue) served(service string) bool {
	for _, c := range q.office.Counters {
		if c.Serves(service) {
			return true
		}
	}
	return false
}

func (q *Queue) newTicket(now time.Time, services []ServiceCount) *Ticket {
	q.last++
	s, _ := q.office.Service(services[0].Service)
	t := &Ticket{
		ID:       TicketID(q.office.ID, q.day, q.last),
		Office:   q.office.ID,
		Day:      q.day,
		N:        q.last,
		Number:   formatNumber(s.Prefix, q.last),
		Services: append([]ServiceCount(nil), services...),
		Arrived:  now,
	}
	q.tickets[t.ID] = t
	q.setState(t, Waiting)
	return t
}

func formatNumber(prefix string, n int) string {
	digits := []byte{byte('0' + n/100%10), byte('0' + n/10%10), byte('0' + n%10)}
	if n >= 1000 {
		return prefix + itoa(n)
	}
	return prefix + string(digits)
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for n > 0 || i == len(b) {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// --- ranking ---

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

func (q *Queue) rankOf(now time.Time, t *Ticket) rank {
	p := q.office.Policy
	switch {
	case t.Priority:
		return rank{0, t.Arrived, t.N}
	case !t.Transferred.IsZero():
		return rank{1, t.Transferred, t.N}
	case !t.AppointmentStart.IsZero():
		if !t.AppointmentStart.After(now.Add(p.DueAhead)) {
			return rank{1, t.AppointmentStart, t.N}
		}
		return rank{3, t.AppointmentStart, t.N}
	case p.MaxWalkInWait > 0 && now.Sub(t.Arrived) >= p.MaxWalkInWait:
		return rank{1, t.Arrived.Add(p.MaxWalkInWait), t.N}
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
	for _, set := range q.waiting {
		for _, t := range set {
			if r, ok := q.offer(av, now, c, t); ok {
				list = append(list, ranked{t, r})
			}
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].r.less(list[j].r) })
	out := make([]Ticket, len(list))
	for i, x := range list {
		out[i] = *x.t
		out[i].Note = q.noteFor(av, c, x.t)
	}
	return out, nil
}

// pick returns the ticket "next" calls at the counter, or nil.
func (q *Queue) pick(now time.Time, c Counter) *Ticket {
	var best *Ticket
	var bestRank rank
	av := q.availability()
	for _, set := range q.waiting {
		for _, t := range set {
			r, ok := q.offer(av, now, c, t)
			if !ok {
				continue
			}
			if best == nil || r.less(bestRank) {
				best, bestRank = t, r
			}
		}
	}
	return best
}

// --- counter actions ---

// Action is a clerk's command at a counter.
type Action struct {
	Counter   string
	Kind      ActionKind
	Ticket    string // call: the ticket to call
	Service   string // transfer: the new service
	ToCounter string // transfer: only this counter may call it next
	// Current says, for next and call, how the counter's ticket ended
	// when it was called but never started: ReportServed or
	// ReportNoShow. Without it such a ticket stops the action with
	// CurrentNotStarted.
	Current   Report
	RequestID string // repeated ids answer with the first answer (double clicks)
}

// ActionKind names a counter action.
type ActionKind string

// The counter actions of the API.
const (
	ActNext     ActionKind = "next"
	ActRecall   ActionKind = "recall"
	ActNoShow   ActionKind = "noshow"
	ActStart    ActionKind = "start"
	ActFinish   ActionKind = "finish"
	ActPark     ActionKind = "park"
	ActTransfer ActionKind = "transfer"
	ActCall     ActionKind = "call"
	ActPause    ActionKind = "pause"
	ActOpen     ActionKind = "open"
)

// Do applies a counter action. It returns the ticket the action concerned
// (zero for pause and open, and for next with nobody waiting: then the
// error is not_found).
func (q *Queue) Do(now time.Time, a Action) (Ticket, []Event, error) {
	c, ok := q.office.Counter(a.Counter)
	if !ok {
		return Ticket{}, nil, Errorf(NotFound, "unknown counter %q", a.Counter)
	}
	cs := q.counters[c.ID]
	if a.RequestID != "" {
		if last, ok := q.lastRequest[c.ID]; ok && last.id == a.RequestID {
			if t, ok := q.tickets[last.ticket]; ok {
				return *t, nil, nil
			}
			return Ticket{}, nil, nil
		}
	}
	t, events, err := q.do(now, c, cs, a)
	if err == nil && a.RequestID != "" {
		q.lastRequest[c.ID] = request{id: a.RequestID, ticket: t.ID}
	}
	return t, events, err
}

func (q *Queue) current(cs *CounterState) (*Ticket, error) {
	if cs.Ticket == "" {
		return nil, Errorf(Conflict, "no ticket at this counter")
	}
	t, ok := q.tickets[cs.Ticket]
	if !ok {
		return nil, Errorf(Internal, "counter %s holds unknown ticket %s", cs.ID, cs.Ticket)
	}
	return t, nil
}

func (q *Queue) do(now time.Time, c Counter, cs *CounterState, a Action) (Ticket, []Event, error) {
	switch a.Kind {
	case ActNext:
		events, err := q.closeCurrent(now, cs, a.Current)
		if err != nil {
			return Ticket{}, nil, err
		}
		if !cs.Open {
			return Ticket{}, events, Errorf(Conflict, "counter is paused")
		}
		t := q.pick(now, c)
		if t == nil {
			// Finishing the current ticket still stands.
			return Ticket{}, events, Errorf(NotFound, "nobody is waiting for this counter")
		}
		events = append(events, q.call(now, cs, t))
		return *t, events, nil

	case ActCall:
		t, ok := q.tickets[a.Ticket]
		if !ok {
			return Ticket{}, nil, Errorf(NotFound, "unknown ticket %q", a.Ticket)
		}
		if t.Counter == cs.ID && (t.State == Called || t.State == Serving) {
			return *t, nil, nil
		}
		if t.State != Waiting && t.State != Parked && t.State != Missed {
			return Ticket{}, nil, Errorf(Conflict, "ticket %s is %s", t.Number, t.State)
		}
		events, err := q.closeCurrent(now, cs, a.Current)
		if err != nil {
			return Ticket{}, nil, err
		}
		t.Recalls = 0
		events = append(events, q.call(now, cs, t))
		return *t, events, nil

	case ActRecall:
		t, err := q.current(cs)
		if err != nil {
			return Ticket{}, nil, err
		}
		if t.State != Called {
			return Ticket{}, nil, Errorf(Conflict, "ticket %s is %s, not called", t.Number, t.State)
		}
		if t.Recalls >= q.office.Policy.MaxRecalls {
			return *t, []Event{q.miss(now, cs, t)}, nil
		}
		t.Recalls++
		t.Called = now
		q.addCall(Call{Ticket: t.ID, Number: t.Number, Counter: cs.ID, At: now, Recall: true})
		return *t, []Event{q.emit(now, TicketRecalled, t, nil, "")}, nil

	case ActNoShow:
		t, err := q.current(cs)
		if err != nil {
			return Ticket{}, nil, err
		}
		if t.State != Called {
			return Ticket{}, nil, Errorf(Conflict, "ticket %s is %s, not called", t.Number, t.State)
		}
		return *t, []Event{q.miss(now, cs, t)}, nil

	case ActStart:
		t, err := q.current(cs)
		if err != nil {
			return Ticket{}, nil, err
		}
		if t.State == Serving {
			return *t, nil, nil
		}
		t.Started = now
		q.setState(t, Serving)
		return *t, []Event{q.emit(now, TicketStarted, t, nil, "")}, nil

	case ActFinish:
		t, err := q.current(cs)
		if err != nil {
			return Ticket{}, nil, err
		}
		return *t, []Event{q.finish(now, cs, t)}, nil

	case ActPark:
		t, err := q.current(cs)
		if err != nil {
			return Ticket{}, nil, err
		}
		q.setState(t, Parked)
		t.Counter = ""
		cs.Ticket = ""
		return *t, []Event{q.emit(now, TicketParked, t, cs, "")}, nil

	case ActTransfer:
		t, err := q.current(cs)
		if err != nil {
			return Ticket{}, nil, err
		}
		if a.Service == "" && a.ToCounter == "" {
			return Ticket{}, nil, Errorf(Invalid, "transfer needs a service or a counter")
		}
		if a.Service != "" {
			if _, ok := q.office.Service(a.Service); !ok {
				return Ticket{}, nil, Errorf(NotFound, "unknown service %q", a.Service)
			}
			if !q.served(a.Service) {
				return Ticket{}, nil, Errorf(Invalid, "no counter serves %q", a.Service)
			}
		}
		if a.ToCounter != "" {
			if _, ok := q.office.Counter(a.ToCounter); !ok {
				return Ticket{}, nil, Errorf(NotFound, "unknown counter %q", a.ToCounter)
			}
		}
		// Leave the waiting count before the main service changes.
		q.setState(t, Parked)
		if a.Service != "" {
			t.Services = append([]ServiceCount{{Service: a.Service, Count: t.Persons()}}, without(t.Services, a.Service)...)
		}
		t.TargetCounter = a.ToCounter
		t.Counter = ""
		t.Note = ""
		t.Transferred = now
		t.Recalls = 0
		q.setState(t, Waiting)
		cs.Ticket = ""
		return *t, []Event{q.emit(now, TicketTransferred, t, cs, "")}, nil

	case ActPause, ActOpen:
		open := a.Kind == ActOpen
		if cs.Open == open {
			return Ticket{}, nil, nil
		}
		cs.Open = open
		typ := CounterPaused
		if open {
			typ = CounterOpened
		}
		return Ticket{}, []Event{q.emit(now, typ, nil, cs, "")}, nil
	}
	return Ticket{}, nil, Errorf(Invalid, "unknown action %q", a.Kind)
}

func without(list []ServiceCount, service string) []ServiceCount {
	var out []ServiceCount
	for _, s := range list {
		if s.Service != service {
			out = append(out, s)
		}
	}
	return out
}

func (q *Queue) call(now time.Time, cs *CounterState, t *Ticket) Event {
	if c, ok := q.office.Counter(cs.ID); ok {
		// The clerk learns why the person comes to this counter.
		t.Note = q.noteFor(q.availability(), c, t)
	}
	q.setState(t, Called)
	t.Counter = cs.ID
	t.TargetCounter = ""
	t.Called = now
	// A new call begins a new service: a start before a park or a
	// transfer must not make the queue time count as service time.
	t.Started = time.Time{}
	cs.Ticket = t.ID
	q.addCall(Call{Ticket: t.ID, Number: t.Number, Counter: cs.ID, At: now})
	return q.emit(now, TicketCalled, t, cs, ReportCalled)
}

func (q *Queue) addCall(c Call) {
	q.calls = append([]Call{c}, q.calls...)
	if len(q.calls) > maxCalls {
		q.calls = q.calls[:maxCalls]
	}
}

// finish ends the service of t; cs is nil when the counter no longer exists.
func (q *Queue) finish(now time.Time, cs *CounterState, t *Ticket) Event {
	q.setState(t, Done)
	t.Ended = now
	if cs != nil {
		cs.Ticket = ""
	}
	q.learn(t)
	return q.emit(now, TicketFinished, t, cs, ReportServed)
}

// learn takes the service time of the finished ticket t into its service's
// average.
func (q *Queue) learn(t *Ticket) {
	began := t.Started
	if began.IsZero() {
		began = t.Called
	}
	if d := t.Ended.Sub(began); d > 0 {
		// Per person, so that a family of four does not make the
		// estimate for everyone else four times as long.
		d /= time.Duration(t.Persons())
		// Exponential moving average: follows the day's real pace.
		q.avg[t.Service()] = (4*q.avg[t.Service()] + d) / 5
	}
}

func (q *Queue) miss(now time.Time, cs *CounterState, t *Ticket) Event {
	q.setState(t, Missed)
	t.Ended = now
	if cs != nil {
		cs.Ticket = ""
	}
	return q.emit(now, TicketMissed, t, cs, q.noShowReport(t))
}

// noShowReport is the report of a missed ticket: a no-show the first time,
// nothing when it was called back and missed again.
func (q *Queue) noShowReport(t *Ticket) Report {
	if t.NoShowReported {
		return ""
	}
	if t.Appointment != "" {
		t.NoShowReported = true
	}
	return ReportNoShow
}

// --- time ---

// Tick applies what time alone decides: appointments not checked in by
// start + grace become no-shows, and after a restore, tickets held by a
// counter that is no longer configured wait again. It must be called
// regularly; it is cheap when nothing is due.
func (q *Queue) Tick(now time.Time) []Event {
	events := q.requeueStranded(now)
	grace := q.office.Policy.NoShowGrace
	// An appointment is missed only on its own day. After a day carried
	// over to a new date (CarryDay), the old date's bookings are still
	// held, and a day later by the clock; they were not missed.
	dayStart, dayEnd := q.dayBounds()
	// Only the due ones are collected and sorted: late in a big day the
	// settled appointments are tens of thousands, and Tick runs every few
	// seconds on the office loop (Appointments would copy them all).
	var due []*Appointment
	for _, a := range q.appointments {
		if a.NoShow || a.Cancelled || !now.After(a.Start.Add(grace)) || a.Start.Before(dayStart) || !a.Start.Before(dayEnd) {
			continue
		}
		if _, checkedIn := q.byAppointment[a.ID]; !checkedIn {
			due = append(due, a)
		}
	}
	sort.Slice(due, func(i, j int) bool {
		if !due[i].Start.Equal(due[j].Start) {
			return due[i].Start.Before(due[j].Start)
		}
		return due[i].ID < due[j].ID
	})
	for _, a := range due {
		a.NoShow = true
		q.seq++
		events = append(events, Event{Seq: q.seq, Office: q.office.ID, Type: AppointmentNoShow, At: now, Appointment: a.ID, Report: ReportNoShow})
	}
	return events
}

// CloseDay ends the day: every ticket still open is cancelled (waiting,
// parked) or missed (called) so that every ticket ends in a final state.
// The queue is then empty for the next day, and the last event is
// DayTurned. A day never turns back: a nextDay not after the queue's day
// (a clock that went back) changes nothing, so no ticket id of a closed
// day is ever issued again.
func (q *Queue) CloseDay(now time.Time, nextDay string) []Event {
	if nextDay <= q.day {
		return nil
	}
	var events []Event
	for _, t := range q.Tickets(func(t *Ticket) bool { return !t.State.Final() }) {
		tp := q.tickets[t.ID]
		// The counter may be gone: removed from the configuration while
		// it held the ticket (Restore drops it).
		cs := q.counters[tp.Counter]
		if cs != nil && cs.Ticket == tp.ID {
			cs.Ticket = ""
		}
		switch tp.State {
		case Serving:
			events = append(events, q.finish(now, cs, tp))
			continue
		case Called:
			events = append(events, q.miss(now, cs, tp))
		default:
			tp.Ended = now
			q.setState(tp, Cancelled)
			events = append(events, q.emit(now, TicketCancelled, tp, cs, ReportCancelled))
		}
	}
	q.day = nextDay
	q.last = 0
	q.tickets = map[string]*Ticket{}
	q.byAppointment = map[string]string{}
	q.appointments = map[string]*Appointment{}
	q.byBirth = map[string][]string{}
	q.waiting = map[string]map[string]*Ticket{}
	q.lastRequest = map[string]request{}
	q.calls = nil
	q.carriedAt = time.Time{}
	return append(events, q.emit(now, DayTurned, nil, nil, ""))
}

// dayBounds returns the start of the queue's day and of the next, in the
// office's time zone.
func (q *Queue) dayBounds() (start, end time.Time) {
	start, err := time.ParseInLocation(DayFormat, q.day, q.office.location())
	if err != nil {
		// Not a date: no bound at all rather than no no-show ever.
		return time.Time{}, time.Unix(1<<62, 0)
	}
	return start, start.AddDate(0, 0, 1)
}

// CarryDay moves the open day to nextDay without closing it, for a clock
// that jumped over midnight while the office was open: the people in the
// room keep their place. Tickets, counters, calls, appointments and the
// numbering stay as they are; every ticket now belongs to nextDay (its id
// does not change, so ids stay unique for ever, and the numbering goes on,
// so no number is issued twice on one real day). It emits no event: every
// client's state stays valid. The new date's bookings due before now could
// not be checked in (the queue held another date's): Sync does not let
// them become reported no-shows. A nextDay not after the queue's day
// changes nothing and reports false.
func (q *Queue) CarryDay(now time.Time, nextDay string) bool {
	if nextDay <= q.day {
		return false
	}
	for _, t := range q.tickets {
		t.Day = nextDay
	}
	q.day = nextDay
	q.carriedAt = now
	return true
}

// --- appointments from the booking backend ---

// Sync replaces the day's appointments with the backend's list. It returns
// the appointments that are new or changed (for the store to write; nothing
// when nothing changed). Appointments missing from the list are cancelled:
// cancellations disappear from check-in at once.
func (q *Queue) Sync(list []Appointment) (changed []Appointment) {
	seen := make(map[string]bool, len(list))
	for _, a := range list {
		seen[a.ID] = true
		if old, ok := q.appointments[a.ID]; ok {
			a.NoShow = old.NoShow
			if old.SameBooking(a) {
				continue
			}
		}
		a.Services = append([]ServiceCount(nil), a.Services...)
		q.putAppointment(a)
		changed = append(changed, a)
	}
	for id, a := range q.appointments {
		if !seen[id] && !a.Cancelled {
			a.Cancelled = true
			changed = append(changed, *a)
		}
	}
	// After a carry, a booking whose no-show time had passed before it
	// was not missed at this hub: it is settled as missed without a
	// report, so the backend never hears a no-show the hub caused.
	if !q.carriedAt.IsZero() {
		grace := q.office.Policy.NoShowGrace
		for id, a := range q.appointments {
			if _, checkedIn := q.byAppointment[id]; checkedIn || a.NoShow || a.Cancelled || a.Start.Add(grace).After(q.carriedAt) {
				continue
			}
			a.NoShow = true
			changed = append(changed, *a)
		}
	}
	return changed
}

// FindAppointments searches the day's appointments for the information
// desk: by part of the name (case-insensitive) and/or a time range.
func (q *Queue) FindAppointments(name string, from, to time.Time) []Appointment {
	name = strings.ToLower(strings.TrimSpace(name))
	return q.Appointments(func(a *Appointment) bool {
		if name != "" && !strings.Contains(strings.ToLower(a.Name), name) {
			return false
		}
		if !from.IsZero() && a.Start.Before(from) {
			return false
		}
		if !to.IsZero() && a.Start.After(to) {
			return false
		}
		return true
	})
}

// --- waiting-time estimates ---

// ServiceWait is the waiting line of one service.
type ServiceWait struct {
	Service  string
	Waiting  int
	Estimate time.Duration // -1 when no open counter serves it
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
	open := 0
	for _, c := range q.office.Counters {
		if q.counters[c.ID].Open && c.Serves(service) {
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
	r := q.rankOf(now, t)
	line := q.waiting[t.Service()]
	ahead, seen := 0, 0
	for _, o := range line {
		seen++
		if q.rankOf(now, o).less(r) {
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
	if !t.AppointmentStart.IsZero() {
		if until := t.AppointmentStart.Sub(now); until > d {
			d = until
		}
	}
	return d
}

// AverageServiceTime returns the recent service time per person.
func (q *Queue) AverageServiceTime(service string) time.Duration { return q.avg[service] }
