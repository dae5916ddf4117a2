package server

import (
	"maps"
	"slices"
	"time"

	"lotse/hub/api"
	"lotse/hub/booking"
	"lotse/hub/queue"
)

// converter turns the domain's types into the wire types of hub/api,
// resolving ids to the names the wire types carry (one per office).
type converter struct {
	office   *queue.Office
	services map[string]queue.Service
	counters map[string]queue.Counter
}

func newConverter(o *queue.Office) *converter {
	n := &converter{office: o, services: map[string]queue.Service{}, counters: map[string]queue.Counter{}}
	for _, s := range o.Services {
		n.services[s.ID] = s
	}
	for _, c := range o.Counters {
		n.counters[c.ID] = c
	}
	return n
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// wireTime is t as tickets, calls and events carry it: in whole
// milliseconds. A browser's Date holds no finer and the boards show
// minutes, while the nanoseconds were six bytes of each time, 18 of a
// call's event to every screen; with them the event passed the 480
// bytes that Go's io.ReadAll, which gorilla/websocket's ReadMessage
// uses, reads without a second buffer and a copy (measured in
// docs/performance.md).
func wireTime(t time.Time) time.Time { return t.Truncate(time.Millisecond) }

func minutes(d time.Duration) int {
	if d < 0 {
		return -1
	}
	return int((d + time.Minute - 1) / time.Minute)
}

func (n *converter) services2api(list []queue.ServiceCount) []api.ServiceCount {
	out := make([]api.ServiceCount, 0, len(list))
	for _, s := range list {
		out = append(out, api.ServiceCount{Service: s.Service, Name: n.services[s.Service].Name, Count: s.Count})
	}
	return out
}

// ticket converts a ticket for the public: no name.
func (n *converter) ticket(t queue.Ticket) api.Ticket {
	return api.Ticket{
		ID: t.ID, Number: t.Number, State: string(t.State), Services: n.services2api(t.Services), Persons: t.Persons(),
		Counter: t.Counter, CounterName: n.counters[t.Counter].Name, TargetCounter: t.TargetCounter,
		Appointment: t.Appointment, AppointmentStart: timePtr(wireTime(t.AppointmentStart)), Priority: t.Priority, PriorityLevel: t.PriorityLevel,
		Arrived: wireTime(t.Arrived), Called: timePtr(wireTime(t.Called)), Started: timePtr(wireTime(t.Started)), Ended: timePtr(wireTime(t.Ended)), Recalls: t.Recalls,
		Note: t.Note,
	}
}

// closed is the one rule of a counter the boards show closed: it calls
// nobody, paused or with nobody logged in (queue.Queue.Waiting counts the
// others).
func closed(c queue.CounterState) bool { return !c.Open || !c.Staffed }

func (n *converter) counter(c queue.CounterState, tickets map[string]queue.Ticket) api.CounterState {
	out := api.CounterState{ID: c.ID, Name: n.counters[c.ID].Name, Open: c.Open, Staffed: c.Staffed, Closed: closed(c)}
	if t, ok := tickets[c.Ticket]; ok && c.Ticket != "" {
		at := n.ticket(t)
		out.Ticket = &at
	}
	return out
}

func (n *converter) waiting(list []queue.ServiceWait) []api.ServiceWait {
	out := make([]api.ServiceWait, 0, len(list))
	for _, w := range list {
		if hiddenLine(w) {
			continue
		}
		out = append(out, api.ServiceWait{Service: w.Service, Name: n.services[w.Service].Name, Waiting: w.Waiting, WaitMinutes: minutes(w.Estimate)})
	}
	return out
}

// lines converts the waiting lines an event carries: those that changed
// (office.Preparer), which the screens put in place of their lines of the
// same services. A line that is hidden now (hiddenLine) goes too, marked,
// so that a screen showing it drops it.
func (n *converter) lines(list []queue.ServiceWait) []api.ServiceWait {
	out := make([]api.ServiceWait, 0, len(list))
	for _, w := range list {
		out = append(out, api.ServiceWait{Service: w.Service, Name: n.services[w.Service].Name, Waiting: w.Waiting, WaitMinutes: minutes(w.Estimate),
			Hidden: hiddenLine(w)})
	}
	return out
}

// hiddenLine: no line "Anliegen unbekannt" on the boards or the public
// waiting times while nobody waits for it; it exists for bookings the
// booking system did not name a service for.
func hiddenLine(w queue.ServiceWait) bool { return booking.IsFallback(w.Service) && w.Waiting == 0 }

func (n *converter) call(c queue.Call) api.Call {
	return api.Call{Ticket: c.Ticket, Number: c.Number, Counter: c.Counter, CounterName: n.counters[c.Counter].Name, At: wireTime(c.At), Recall: c.Recall}
}

func (n *converter) event(e queue.Event, waiting []api.ServiceWait) api.Event {
	out := api.Event{Type: string(e.Type), Seq: e.Seq, At: wireTime(e.At), Waiting: waiting}
	if e.Ticket != nil {
		t := n.ticket(*e.Ticket)
		// The stream's readers show a ticket's number and counter, and
		// the counter apps read their queue again: no one shows the
		// names of its services from an event, and the office names them
		// (GET .../office). A name was 28 of a call's 482 bytes to every
		// screen.
		for i := range t.Services {
			t.Services[i].Name = ""
		}
		out.Ticket = &t
	}
	if e.Counter != nil && e.Ticket == nil {
		// Only counter events carry the counter's state: a ticket event
		// leaves it as it was (its flags change only with opened, paused
		// and staffed events, and ticket.counter names the counter), and
		// it was a tenth of each call's bytes to every screen.
		out.Counter = &api.CounterState{ID: e.Counter.ID, Name: n.counters[e.Counter.ID].Name, Open: e.Counter.Open, Staffed: e.Counter.Staffed,
			Closed: closed(*e.Counter)}
	}
	return out
}

func (n *converter) officeAPI() api.Office {
	o := n.office
	out := api.Office{ID: o.ID, Name: o.Name, WalkIns: o.Policy.WalkIns, BirthDateCheckIn: o.Policy.BirthDateCheckIn, Timezone: "UTC"}
	if o.Location != nil {
		out.Timezone = o.Location.String()
	}
	for _, s := range o.Services {
		if booking.IsFallback(s.ID) {
			continue // bookings only: never offered for a walk-in
		}
		out.Services = append(out.Services, api.Service{ID: s.ID, Name: s.Name, Prefix: s.Prefix, Minutes: minutes(s.Duration), Names: maps.Clone(s.Names)})
	}
	for _, c := range o.Counters {
		out.Counters = append(out.Counters, api.Counter{ID: c.ID, Name: c.Name, Services: slices.DeleteFunc(append([]string{}, c.Services...), booking.IsFallback)})
	}
	out.BookingURL = o.BookingURL
	for _, l := range o.PriorityLevels {
		out.PriorityLevels = append(out.PriorityLevels, api.PriorityLevel{ID: l.ID, Name: l.Name})
	}
	for _, x := range o.OutcomeList() {
		out.Outcomes = append(out.Outcomes, api.Outcome{ID: x.ID, Name: x.Name, Names: maps.Clone(x.Names)})
	}
	return out
}

func (n *converter) choices(list []queue.Choice) []api.Choice {
	out := make([]api.Choice, 0, len(list))
	for _, c := range list {
		out = append(out, api.Choice{Appointment: c.Appointment, Start: c.Start, Services: n.services2api(c.Services)})
	}
	return out
}
