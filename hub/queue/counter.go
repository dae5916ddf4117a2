package queue

// Counter actions: what a clerk does at a counter.

import "time"

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
	// Outcome is how the visit the action finishes ended (finish, and
	// next or call that finish the counter's ticket): an id of the
	// office's OutcomeList, or empty.
	Outcome string
	// Handover is a short note for the next clerk (transfer).
	Handover string
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
	if err := q.checkAction(&a); err != nil {
		return Ticket{}, nil, err
	}
	cs := q.counters[c.ID]
	q.acted(now, c.ID)
	staffing := q.StaffingChanges(now)
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
	return t, append(staffing, events...), err
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

// actions maps each counter action to its method. Every method gets the
// counter's configuration and state and the action as the clerk sent it.
var actions = map[ActionKind]func(q *Queue, now time.Time, c Counter, cs *CounterState, a Action) (Ticket, []Event, error){
	ActNext:     (*Queue).actNext,
	ActCall:     (*Queue).actCall,
	ActRecall:   (*Queue).actRecall,
	ActNoShow:   (*Queue).actNoShow,
	ActStart:    (*Queue).actStart,
	ActFinish:   (*Queue).actFinish,
	ActPark:     (*Queue).actPark,
	ActTransfer: (*Queue).actTransfer,
	ActPause:    (*Queue).actPauseOpen,
	ActOpen:     (*Queue).actPauseOpen,
}

func (q *Queue) do(now time.Time, c Counter, cs *CounterState, a Action) (Ticket, []Event, error) {
	act, ok := actions[a.Kind]
	if !ok {
		return Ticket{}, nil, Errorf(Invalid, "unknown action %q", a.Kind)
	}
	return act(q, now, c, cs, a)
}

// actNext finishes the counter's ticket and calls the next one.
func (q *Queue) actNext(now time.Time, c Counter, cs *CounterState, a Action) (Ticket, []Event, error) {
	events, err := q.closeCurrent(now, cs, a.Current, a.Outcome)
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
}

// actCall calls a chosen ticket, out of the order "next" would take.
func (q *Queue) actCall(now time.Time, _ Counter, cs *CounterState, a Action) (Ticket, []Event, error) {
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
	events, err := q.closeCurrent(now, cs, a.Current, a.Outcome)
	if err != nil {
		return Ticket{}, nil, err
	}
	t.Recalls = 0
	events = append(events, q.call(now, cs, t))
	return *t, events, nil
}

// actRecall calls the counter's ticket again; past the policy's limit the
// ticket is missed instead.
func (q *Queue) actRecall(now time.Time, _ Counter, cs *CounterState, _ Action) (Ticket, []Event, error) {
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
}

// actNoShow marks the called ticket as missed.
func (q *Queue) actNoShow(now time.Time, _ Counter, cs *CounterState, _ Action) (Ticket, []Event, error) {
	t, err := q.current(cs)
	if err != nil {
		return Ticket{}, nil, err
	}
	if t.State != Called {
		return Ticket{}, nil, Errorf(Conflict, "ticket %s is %s, not called", t.Number, t.State)
	}
	return *t, []Event{q.miss(now, cs, t)}, nil
}

// actStart begins the service of the counter's ticket.
func (q *Queue) actStart(now time.Time, _ Counter, cs *CounterState, _ Action) (Ticket, []Event, error) {
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
}

// actFinish ends the service of the counter's ticket.
func (q *Queue) actFinish(now time.Time, _ Counter, cs *CounterState, a Action) (Ticket, []Event, error) {
	t, err := q.current(cs)
	if err != nil {
		return Ticket{}, nil, err
	}
	t.Outcome = a.Outcome
	return *t, []Event{q.finish(now, cs, t)}, nil
}

// actPark sets the counter's ticket aside; it is called again by "call".
func (q *Queue) actPark(now time.Time, _ Counter, cs *CounterState, _ Action) (Ticket, []Event, error) {
	t, err := q.current(cs)
	if err != nil {
		return Ticket{}, nil, err
	}
	q.setState(t, Parked)
	t.Counter = ""
	cs.Ticket = ""
	return *t, []Event{q.emit(now, TicketParked, t, cs, "")}, nil
}

// actTransfer sends the counter's ticket to another service and/or counter,
// where it waits again.
func (q *Queue) actTransfer(now time.Time, _ Counter, cs *CounterState, a Action) (Ticket, []Event, error) {
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
	t.Handover = a.Handover // a new transfer's note replaces the last one
	t.Transferred = now
	t.Recalls = 0
	q.setState(t, Waiting)
	cs.Ticket = ""
	return *t, []Event{q.emit(now, TicketTransferred, t, cs, "")}, nil
}

// actPauseOpen pauses or opens the counter; repeating it changes nothing.
func (q *Queue) actPauseOpen(now time.Time, _ Counter, cs *CounterState, a Action) (Ticket, []Event, error) {
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
	q.countCall(cs.ID, t)
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
	t.Handover = "" // served: the note has done its work
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
