package queue_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"lotse/hub/queue"
)

// step is one clerk action of a state-machine script and what it must do.
type step struct {
	counter string
	kind    queue.ActionKind
	ticket  string // call: label of the ticket
	service string // transfer
	to      string // transfer
	request string // RequestID
	current queue.Report

	wantCode queue.Code
	want     string                       // label of the returned ticket, "" for none
	events   []queue.EventType            // nil: unchecked, but none on an error
	states   map[string]queue.TicketState // labels → state after the step
	holds    map[string]string            // counter → label it holds after the step ("" = none)
}

// TestStateMachine runs clerk scripts against a queue holding the walk-ins
// w1, w2 (pass) and f1 (fz) and the checked-in appointment ap (pass, due).
func TestStateMachine(t *testing.T) {
	const (
		called      = queue.TicketCalled
		recalled    = queue.TicketRecalled
		started     = queue.TicketStarted
		finished    = queue.TicketFinished
		missed      = queue.TicketMissed
		parked      = queue.TicketParked
		transferred = queue.TicketTransferred
	)
	none := []queue.EventType{}
	type states = map[string]queue.TicketState
	type holds = map[string]string
	tests := []struct {
		name  string
		steps []step
	}{
		{name: "call, start, finish", steps: []step{
			{counter: "c1", kind: queue.ActNext, want: "ap", events: []queue.EventType{called}, states: states{"ap": queue.Called}, holds: holds{"c1": "ap"}},
			{counter: "c1", kind: queue.ActStart, want: "ap", events: []queue.EventType{started}, states: states{"ap": queue.Serving}},
			{counter: "c1", kind: queue.ActStart, want: "ap", events: none, states: states{"ap": queue.Serving}}, // a second start changes nothing
			{counter: "c1", kind: queue.ActFinish, want: "ap", events: []queue.EventType{finished}, states: states{"ap": queue.Done}, holds: holds{"c1": ""}},
		}},
		{name: "next finishes the current ticket and calls the next", steps: []step{
			{counter: "c1", kind: queue.ActNext, want: "ap"},
			{counter: "c1", kind: queue.ActNext, current: queue.ReportServed, want: "w1", events: []queue.EventType{finished, called}, states: states{"ap": queue.Done, "w1": queue.Called}, holds: holds{"c1": "w1"}},
			{counter: "c1", kind: queue.ActStart, want: "w1"},
			{counter: "c1", kind: queue.ActNext, want: "w2", events: []queue.EventType{finished, called}, states: states{"w1": queue.Done, "w2": queue.Called}},
			{counter: "c1", kind: queue.ActNext, current: queue.ReportServed, want: "w3", events: []queue.EventType{finished, called}, states: states{"w2": queue.Done}}, // anm, also served at c1
			{counter: "c1", kind: queue.ActNext, current: queue.ReportServed, wantCode: queue.NotFound, events: []queue.EventType{finished}, states: states{"w3": queue.Done}, holds: holds{"c1": ""}},
			{counter: "c1", kind: queue.ActNext, wantCode: queue.NotFound},
		}},
		{name: "recall up to MaxRecalls, then missed", steps: []step{
			{counter: "c3", kind: queue.ActNext, want: "f1"},
			{counter: "c3", kind: queue.ActRecall, want: "f1", events: []queue.EventType{recalled}, states: states{"f1": queue.Called}},
			{counter: "c3", kind: queue.ActRecall, want: "f1", events: []queue.EventType{recalled}, states: states{"f1": queue.Called}},
			{counter: "c3", kind: queue.ActRecall, want: "f1", events: []queue.EventType{missed}, states: states{"f1": queue.Missed}, holds: holds{"c3": ""}},
			{counter: "c3", kind: queue.ActRecall, wantCode: queue.Conflict},
		}},
		{name: "noshow", steps: []step{
			{counter: "c3", kind: queue.ActNext, want: "f1"},
			{counter: "c3", kind: queue.ActNoShow, want: "f1", events: []queue.EventType{missed}, states: states{"f1": queue.Missed}, holds: holds{"c3": ""}},
			{counter: "c3", kind: queue.ActNext, wantCode: queue.NotFound},
		}},
		{name: "recall and noshow only while called", steps: []step{
			{counter: "c3", kind: queue.ActNext, want: "f1"},
			{counter: "c3", kind: queue.ActStart, want: "f1"},
			{counter: "c3", kind: queue.ActRecall, wantCode: queue.Conflict, states: states{"f1": queue.Serving}},
			{counter: "c3", kind: queue.ActNoShow, wantCode: queue.Conflict, states: states{"f1": queue.Serving}},
		}},
		{name: "park, then call brings it back", steps: []step{
			{counter: "c1", kind: queue.ActNext, want: "ap"},
			{counter: "c1", kind: queue.ActStart, want: "ap"},
			{counter: "c1", kind: queue.ActPark, want: "ap", events: []queue.EventType{parked}, states: states{"ap": queue.Parked}, holds: holds{"c1": ""}},
			{counter: "c1", kind: queue.ActNext, want: "w1", events: []queue.EventType{called}, states: states{"ap": queue.Parked}},
			{counter: "c1", kind: queue.ActCall, ticket: "ap", current: queue.ReportServed, want: "ap", events: []queue.EventType{finished, called}, states: states{"ap": queue.Called, "w1": queue.Done}, holds: holds{"c1": "ap"}},
			{counter: "c1", kind: queue.ActFinish, want: "ap", events: []queue.EventType{finished}, states: states{"ap": queue.Done}},
		}},
		{name: "a parked ticket can be called at another counter", steps: []step{
			{counter: "c1", kind: queue.ActNext, want: "ap"},
			{counter: "c1", kind: queue.ActPark, want: "ap"},
			{counter: "c2", kind: queue.ActCall, ticket: "ap", want: "ap", events: []queue.EventType{called}, holds: holds{"c1": "", "c2": "ap"}},
		}},
		{name: "call of a missed ticket", steps: []step{
			{counter: "c3", kind: queue.ActNext, want: "f1"},
			{counter: "c3", kind: queue.ActNoShow, want: "f1"},
			{counter: "c3", kind: queue.ActCall, ticket: "f1", want: "f1", events: []queue.EventType{called}, states: states{"f1": queue.Called}, holds: holds{"c3": "f1"}},
			{counter: "c3", kind: queue.ActRecall, want: "f1", events: []queue.EventType{recalled}}, // recalls start again
			{counter: "c3", kind: queue.ActRecall, want: "f1", events: []queue.EventType{recalled}},
			{counter: "c3", kind: queue.ActRecall, want: "f1", events: []queue.EventType{missed}},
		}},
		{name: "call of a waiting ticket out of order", steps: []step{
			{counter: "c1", kind: queue.ActCall, ticket: "w2", want: "w2", events: []queue.EventType{called}, states: states{"w2": queue.Called, "ap": queue.Waiting, "w1": queue.Waiting}},
		}},
		{name: "call of a done ticket", steps: []step{
			{counter: "c1", kind: queue.ActNext, want: "ap"},
			{counter: "c1", kind: queue.ActFinish, want: "ap"},
			{counter: "c1", kind: queue.ActCall, ticket: "ap", wantCode: queue.Conflict, states: states{"ap": queue.Done}},
		}},
		{name: "call of a ticket held by another counter", steps: []step{
			{counter: "c1", kind: queue.ActNext, want: "ap"},
			{counter: "c2", kind: queue.ActCall, ticket: "ap", wantCode: queue.Conflict, holds: holds{"c1": "ap", "c2": ""}},
			{counter: "c1", kind: queue.ActStart, want: "ap"},
			{counter: "c2", kind: queue.ActCall, ticket: "ap", wantCode: queue.Conflict, holds: holds{"c1": "ap", "c2": ""}},
		}},
		{name: "call of the own current ticket", steps: []step{
			{counter: "c1", kind: queue.ActNext, want: "ap"},
			{counter: "c1", kind: queue.ActCall, ticket: "ap", want: "ap", events: none, states: states{"ap": queue.Called}},
		}},
		{name: "call of an unknown ticket", steps: []step{
			{counter: "c1", kind: queue.ActCall, ticket: "nope", wantCode: queue.NotFound},
		}},
		{name: "actions need a ticket at the counter", steps: []step{
			{counter: "c1", kind: queue.ActStart, wantCode: queue.Conflict},
			{counter: "c1", kind: queue.ActFinish, wantCode: queue.Conflict},
			{counter: "c1", kind: queue.ActRecall, wantCode: queue.Conflict},
			{counter: "c1", kind: queue.ActNoShow, wantCode: queue.Conflict},
			{counter: "c1", kind: queue.ActPark, wantCode: queue.Conflict},
			{counter: "c1", kind: queue.ActTransfer, service: "fz", wantCode: queue.Conflict},
		}},
		{name: "unknown counter and action", steps: []step{
			{counter: "c9", kind: queue.ActNext, wantCode: queue.NotFound},
			{counter: "c1", kind: "dance", wantCode: queue.Invalid},
		}},
		{name: "transfer to another service", steps: []step{
			{counter: "c1", kind: queue.ActNext, want: "ap"},
			{counter: "c1", kind: queue.ActTransfer, service: "fz", want: "ap", events: []queue.EventType{transferred}, states: states{"ap": queue.Waiting}, holds: holds{"c1": ""}},
			{counter: "c3", kind: queue.ActNext, want: "ap", events: []queue.EventType{called}, holds: holds{"c3": "ap"}},
			{counter: "c3", kind: queue.ActFinish, want: "ap"},
			{counter: "c3", kind: queue.ActNext, want: "f1"},
		}},
		{name: "transfer to a counter", steps: []step{
			{counter: "c1", kind: queue.ActNext, want: "ap"},
			{counter: "c1", kind: queue.ActTransfer, to: "c2", want: "ap", events: []queue.EventType{transferred}},
			{counter: "c1", kind: queue.ActNext, want: "w1"},
			{counter: "c2", kind: queue.ActNext, want: "ap", holds: holds{"c2": "ap"}},
		}},
		{name: "refused transfers leave the ticket where it is", steps: []step{
			{counter: "c1", kind: queue.ActNext, want: "ap"},
			{counter: "c1", kind: queue.ActTransfer, wantCode: queue.Invalid, holds: holds{"c1": "ap"}},
			{counter: "c1", kind: queue.ActTransfer, service: "angeln", wantCode: queue.NotFound, holds: holds{"c1": "ap"}},
			{counter: "c1", kind: queue.ActTransfer, service: "kfz", wantCode: queue.Invalid, holds: holds{"c1": "ap"}},
			{counter: "c1", kind: queue.ActTransfer, to: "c9", wantCode: queue.NotFound, states: states{"ap": queue.Called}, holds: holds{"c1": "ap"}},
		}},
		{name: "request ids: a double click calls once", steps: []step{
			{counter: "c1", kind: queue.ActNext, request: "r1", want: "ap", events: []queue.EventType{called}},
			{counter: "c1", kind: queue.ActNext, request: "r1", want: "ap", events: none, states: states{"ap": queue.Called, "w1": queue.Waiting}},
			{counter: "c1", kind: queue.ActNext, request: "r2", current: queue.ReportServed, want: "w1", events: []queue.EventType{finished, called}},
			{counter: "c1", kind: queue.ActNext, request: "r2", want: "w1", events: none, states: states{"w1": queue.Called, "w2": queue.Waiting}},
			{counter: "c1", kind: queue.ActRecall, request: "r3", want: "w1", events: []queue.EventType{recalled}},
			{counter: "c1", kind: queue.ActRecall, request: "r3", want: "w1", events: none},
			{counter: "c1", kind: queue.ActFinish, request: "r4", want: "w1", events: []queue.EventType{finished}},
			{counter: "c1", kind: queue.ActFinish, request: "r4", want: "w1", events: none},
		}},
		{name: "request ids are per counter", steps: []step{
			{counter: "c1", kind: queue.ActNext, request: "same", want: "ap"},
			{counter: "c2", kind: queue.ActNext, request: "same", want: "f1", events: []queue.EventType{called}},
		}},
		{name: "next after a call that was not started asks the clerk", steps: []step{
			{counter: "c1", kind: queue.ActNext, want: "ap"},
			{counter: "c1", kind: queue.ActNext, wantCode: queue.CurrentNotStarted, states: states{"ap": queue.Called, "w1": queue.Waiting}, holds: holds{"c1": "ap"}},
			{counter: "c1", kind: queue.ActCall, ticket: "w2", wantCode: queue.CurrentNotStarted, states: states{"ap": queue.Called, "w2": queue.Waiting}, holds: holds{"c1": "ap"}},
			{counter: "c1", kind: queue.ActNext, current: "gone", wantCode: queue.Invalid, holds: holds{"c1": "ap"}},
			{counter: "c1", kind: queue.ActNext, current: queue.ReportNoShow, want: "w1", events: []queue.EventType{missed, called}, states: states{"ap": queue.Missed, "w1": queue.Called}},
			{counter: "c1", kind: queue.ActCall, ticket: "w2", current: queue.ReportServed, want: "w2", events: []queue.EventType{finished, called}, states: states{"w1": queue.Done, "w2": queue.Called}},
			{counter: "c1", kind: queue.ActStart, want: "w2"},
			{counter: "c1", kind: queue.ActNext, current: queue.ReportNoShow, wantCode: queue.Conflict, states: states{"w2": queue.Serving}},
			{counter: "c1", kind: queue.ActNext, want: "w3", events: []queue.EventType{finished, called}, states: states{"w2": queue.Done}},
		}},
		{name: "pause and open", steps: []step{
			{counter: "c3", kind: queue.ActPause, events: []queue.EventType{queue.CounterPaused}},
			{counter: "c3", kind: queue.ActNext, wantCode: queue.Conflict},
			{counter: "c3", kind: queue.ActOpen, events: []queue.EventType{queue.CounterOpened}},
			{counter: "c3", kind: queue.ActOpen, events: none},
			{counter: "c3", kind: queue.ActNext, want: "f1"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil, appt("ap", "09:10", "pass"))
			f.at("09:00").walkIn("w1", "pass")
			f.at("09:01").walkIn("w2", "pass")
			f.at("09:02").walkIn("f1", "fz")
			f.at("09:03").walkIn("w3", "anm")
			f.at("09:04").checkIn("ap", "ap")
			f.ids["nope"] = "mitte-" + testDay + "-9999"
			f.at("09:10")
			for i, s := range tt.steps {
				f.now = f.now.Add(time.Minute)
				tk, events, err := f.do(queue.Action{Counter: s.counter, Kind: s.kind, Ticket: s.ticket, Service: s.service, ToCounter: s.to, RequestID: s.request, Current: s.current})
				wantCode(t, stepName(i, s), err, s.wantCode)
				if got := f.label(tk.ID); got != s.want {
					t.Fatalf("%s: ticket %q, want %q", stepName(i, s), got, s.want)
				}
				if got := eventTypes(events); (s.events != nil || s.wantCode != "") && !slices.Equal(got, s.events) {
					t.Fatalf("%s: events %v, want %v", stepName(i, s), got, s.events)
				}
				for label, state := range s.states {
					if got := f.ticket(label).State; got != state {
						t.Fatalf("%s: %s is %s, want %s", stepName(i, s), label, got, state)
					}
				}
				for counter, label := range s.holds {
					if got := f.label(holding(f.q, counter)); got != label {
						t.Fatalf("%s: %s holds %q, want %q", stepName(i, s), counter, got, label)
					}
				}
				checkHolding(t, f.q)
			}
		})
	}
}

func stepName(i int, s step) string {
	return fmt.Sprintf("step %d: %s %s at %s", i+1, s.kind, s.ticket, s.counter)
}

// holding returns the ticket id a counter holds.
func holding(q *queue.Queue, counter string) string {
	for _, c := range q.Counters() {
		if c.ID == counter {
			return c.Ticket
		}
	}
	return ""
}

// checkHolding asserts that counters and tickets agree: a counter holds a
// called or serving ticket that names it, no ticket is held twice, and
// every called or serving ticket is held.
func checkHolding(t *testing.T, q *queue.Queue) {
	t.Helper()
	heldBy := map[string]string{}
	for _, c := range q.Counters() {
		if c.Ticket == "" {
			continue
		}
		if other, ok := heldBy[c.Ticket]; ok {
			t.Fatalf("ticket %s held by %s and %s", c.Ticket, other, c.ID)
		}
		heldBy[c.Ticket] = c.ID
		tk, ok := q.Ticket(c.Ticket)
		if !ok || tk.Counter != c.ID || (tk.State != queue.Called && tk.State != queue.Serving) {
			t.Fatalf("counter %s holds %s, which is %s at %q", c.ID, c.Ticket, tk.State, tk.Counter)
		}
	}
	for _, tk := range q.Tickets(func(tk *queue.Ticket) bool { return tk.State == queue.Called || tk.State == queue.Serving }) {
		if heldBy[tk.ID] != tk.Counter {
			t.Fatalf("ticket %s is %s at %s, but that counter holds %q", tk.Number, tk.State, tk.Counter, holding(q, tk.Counter))
		}
	}
}

// TestReports: only appointment tickets tell the booking backend something,
// and only on arrival, call, service and no-show.
func TestReports(t *testing.T) {
	type report struct {
		event  queue.EventType
		report queue.Report
	}
	run := func(f *fixture, label string) []report {
		f.at("09:40")
		f.must("c1", queue.ActNext)
		f.must("c1", queue.ActRecall)
		f.must("c1", queue.ActStart)
		f.must("c1", queue.ActPark)
		if _, _, err := f.do(queue.Action{Counter: "c1", Kind: queue.ActCall, Ticket: label}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.do(queue.Action{Counter: "c1", Kind: queue.ActTransfer, Service: "anm"}); err != nil {
			t.Fatal(err)
		}
		f.must("c1", queue.ActNext)
		f.must("c1", queue.ActNoShow)
		if _, _, err := f.do(queue.Action{Counter: "c1", Kind: queue.ActCall, Ticket: label}); err != nil {
			t.Fatal(err)
		}
		f.must("c1", queue.ActFinish)
		var out []report
		for _, e := range f.events {
			if e.Ticket == nil || e.Ticket.ID != f.id(label) {
				t.Fatalf("event %s about ticket %v", e.Type, e.Ticket)
			}
			out = append(out, report{e.Type, e.Report})
		}
		return out
	}

	f := newFixture(t, nil, appt("a1", "09:40", "pass"))
	f.at("09:20").checkIn("a1", "a1")
	got := run(f, "a1")
	want := []report{
		{queue.CheckedIn, queue.ReportArrived},
		{queue.TicketCalled, queue.ReportCalled},
		{queue.TicketRecalled, ""},
		{queue.TicketStarted, ""},
		{queue.TicketParked, ""},
		{queue.TicketCalled, queue.ReportCalled},
		{queue.TicketTransferred, ""},
		{queue.TicketCalled, queue.ReportCalled},
		{queue.TicketMissed, queue.ReportNoShow},
		{queue.TicketCalled, queue.ReportCalled},
		{queue.TicketFinished, queue.ReportServed},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("appointment reports\n got %v\nwant %v", got, want)
	}
	for _, e := range f.events {
		if e.Appointment != "a1" {
			t.Fatalf("event %s names appointment %q", e.Type, e.Appointment)
		}
	}

	f = newFixture(t, nil)
	f.at("09:20").walkIn("w1", "pass")
	for _, r := range run(f, "w1") {
		if r.report != "" {
			t.Fatalf("walk-in event %s reports %q", r.event, r.report)
		}
	}
	for _, e := range f.events {
		if e.Appointment != "" {
			t.Fatalf("walk-in event %s names appointment %q", e.Type, e.Appointment)
		}
	}
}

// TestNoShowReportedOnce: a citizen who missed the call, was called again
// from the missed list and missed it again is one no-show for the booking
// backend, not two; one who comes back and is served is reported served
// after the no-show, so the backend's last word is right. The ticket
// remembers the report, so a restored queue does not repeat it.
func TestNoShowReportedOnce(t *testing.T) {
	f := newFixture(t, nil, appt("a1", "09:40", "pass"))
	f.at("09:20").checkIn("a1", "a1")
	f.at("09:40")
	f.must("c1", queue.ActNext)
	f.must("c1", queue.ActNoShow)
	callAgain := func() {
		t.Helper()
		if _, _, err := f.do(queue.Action{Counter: "c1", Kind: queue.ActCall, Ticket: "a1"}); err != nil {
			t.Fatal(err)
		}
	}
	callAgain()
	f.must("c1", queue.ActNoShow)
	if !f.ticket("a1").NoShowReported {
		t.Fatal("the ticket does not remember its no-show report")
	}

	// The office restarts: the restored queue still knows.
	f.q = queue.Restore(*f.q.Office(), f.q.State())
	callAgain()
	f.must("c1", queue.ActNoShow)
	callAgain()
	f.must("c1", queue.ActFinish)

	var reports []queue.Report
	for _, e := range f.events {
		if e.Report != "" {
			reports = append(reports, e.Report)
		}
	}
	want := []queue.Report{queue.ReportArrived, queue.ReportCalled, queue.ReportNoShow,
		queue.ReportCalled, queue.ReportCalled, queue.ReportCalled, queue.ReportServed}
	if !slices.Equal(reports, want) {
		t.Fatalf("reports\n got %v\nwant %v", reports, want)
	}
}

// TestEventSnapshots: an event keeps the ticket and counter as they were
// when it happened; later changes of the queue do not reach it, and
// changing it does not reach the queue.
func TestEventSnapshots(t *testing.T) {
	f := newFixture(t, nil)
	f.at("09:00").walkIn("w1", "pass")
	f.at("09:05")
	_, events, err := f.do(queue.Action{Counter: "c1", Kind: queue.ActNext})
	if err != nil || len(events) != 1 {
		t.Fatalf("next: %v %v", err, events)
	}
	callEvent := events[0]

	f.at("09:07").must("c1", queue.ActStart)
	f.at("09:09")
	if _, _, err := f.do(queue.Action{Counter: "c1", Kind: queue.ActTransfer, Service: "fz", ToCounter: "c3"}); err != nil {
		t.Fatal(err)
	}
	f.at("09:10").must("c1", queue.ActPause)

	e := callEvent
	if e.Ticket.State != queue.Called || e.Ticket.Counter != "c1" || !e.Ticket.Started.IsZero() || e.Ticket.TargetCounter != "" ||
		e.Ticket.Service() != "pass" || len(e.Ticket.Services) != 1 || !e.Ticket.Transferred.IsZero() {
		t.Fatalf("call event's ticket changed afterwards: %+v", e.Ticket)
	}
	if !e.Counter.Open || e.Counter.Ticket != f.id("w1") {
		t.Fatalf("call event's counter changed afterwards: %+v", e.Counter)
	}

	transfer := f.events[len(f.events)-2]
	if transfer.Type != queue.TicketTransferred || transfer.Ticket.Service() != "fz" || transfer.Ticket.TargetCounter != "c3" ||
		transfer.Counter == nil || transfer.Counter.Ticket != "" {
		t.Fatalf("transfer event %+v %+v", transfer.Ticket, transfer.Counter)
	}

	// Writing into an event must not write into the queue.
	transfer.Ticket.Services[0].Service = "anm"
	transfer.Ticket.State = queue.Done
	transfer.Counter.Ticket = "x"
	transfer.Counter.Open = false
	if tk := f.ticket("w1"); tk.Service() != "fz" || tk.State != queue.Waiting {
		t.Fatalf("queue ticket changed through an event: %+v", tk)
	}
	if holding(f.q, "c1") != "" {
		t.Fatal("queue counter changed through an event")
	}
}
