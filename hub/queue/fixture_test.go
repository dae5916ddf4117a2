package queue_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"lotse/hub/queue"
)

// testDay is the fixed day every table test runs on.
const testDay = "2026-03-10"

// clock returns the time hh:mm (or hh:mm:ss) on testDay in UTC.
func clock(hhmm string) time.Time {
	layout := "2006-01-02 15:04"
	if len(hhmm) > 5 {
		layout = "2006-01-02 15:04:05"
	}
	t, err := time.Parse(layout, testDay+" "+hhmm)
	if err != nil {
		panic(err)
	}
	return t
}

// testOffice has three counters with overlapping services and one service
// that no counter serves:
//
//	c1: pass, anm    c2: anm, fz    c3: fz
func testOffice() queue.Office {
	return queue.Office{
		ID:   "mitte",
		Name: "Bürgerbüro Mitte",
		Services: []queue.Service{
			{ID: "pass", Name: "Personalausweis", Prefix: "P", Duration: 10 * time.Minute},
			{ID: "anm", Name: "Anmeldung einer Wohnung", Prefix: "A", Duration: 15 * time.Minute},
			{ID: "fz", Name: "Führungszeugnis", Prefix: "F", Duration: 5 * time.Minute},
			{ID: "kfz", Name: "Kfz-Zulassung", Prefix: "K", Duration: 20 * time.Minute},
		},
		Counters: []queue.Counter{
			{ID: "c1", Name: "Schalter 1", Services: []string{"pass", "anm"}},
			{ID: "c2", Name: "Schalter 2", Services: []string{"anm", "fz"}},
			{ID: "c3", Name: "Schalter 3", Services: []string{"fz"}},
		},
		Policy: queue.DefaultPolicy(),
	}
}

// appt returns an appointment of the test office at hh:mm on testDay for one
// person. Its QR secret is "secret-<id>".
func appt(id, start, service string) queue.Appointment {
	return queue.Appointment{
		ID:       id,
		Office:   "mitte",
		Start:    clock(start),
		Duration: 15 * time.Minute,
		Services: []queue.ServiceCount{{Service: service, Count: 1}},
		Secret:   "secret-" + id,
		Name:     "Erika Mustermann " + id,
	}
}

// withBirth sets the appointment's birth hash.
func withBirth(a queue.Appointment, hash string) queue.Appointment {
	a.BirthHash = hash
	return a
}

// fixture is a queue at a fixed time with readable labels for its tickets.
// It records every event and checks that seq grows by exactly one per event.
type fixture struct {
	t      *testing.T
	q      *queue.Queue
	now    time.Time
	ids    map[string]string // label → ticket id
	labels map[string]string // ticket id → label
	events []queue.Event
}

// newFixture builds the test office (changed by edit, if not nil) with the
// appointments, at 08:00.
func newFixture(t *testing.T, edit func(*queue.Office), appointments ...queue.Appointment) *fixture {
	t.Helper()
	o := testOffice()
	if edit != nil {
		edit(&o)
	}
	if err := o.Validate(); err != nil {
		t.Fatalf("test office: %v", err)
	}
	f := &fixture{t: t, q: queue.New(o, testDay), now: clock("08:00"), ids: map[string]string{}, labels: map[string]string{}}
	f.q.Sync(appointments)
	return f
}

// at sets the clock.
func (f *fixture) at(hhmm string) *fixture {
	f.now = clock(hhmm)
	return f
}

// record appends events and checks their seq.
func (f *fixture) record(events []queue.Event) {
	f.t.Helper()
	for _, e := range events {
		want := f.q.Seq() - int64(len(events)) + 1
		if len(f.events) > 0 {
			want = f.events[len(f.events)-1].Seq + 1
		}
		if e.Seq != want {
			f.t.Fatalf("event %s has seq %d, want %d", e.Type, e.Seq, want)
		}
		if e.Office != "mitte" || !e.At.Equal(f.now) {
			f.t.Fatalf("event %s: office %q at %v, want mitte at %v", e.Type, e.Office, e.At, f.now)
		}
		f.events = append(f.events, e)
	}
	if len(f.events) > 0 && f.events[len(f.events)-1].Seq != f.q.Seq() {
		f.t.Fatalf("queue seq %d, last event seq %d", f.q.Seq(), f.events[len(f.events)-1].Seq)
	}
}

func (f *fixture) name(tk queue.Ticket, label string) {
	if label != "" {
		f.ids[label] = tk.ID
		f.labels[tk.ID] = label
	}
}

// walkIn draws a walk-in ticket and fails the test on an error.
func (f *fixture) walkIn(label, service string) queue.Ticket {
	f.t.Helper()
	tk, events, err := f.q.WalkIn(f.now, service, false)
	if err != nil {
		f.t.Fatalf("%s: walk-in %s: %v", f.now.Format("15:04"), service, err)
	}
	f.record(events)
	f.name(tk, label)
	return tk
}

// priority draws a priority walk-in ticket.
func (f *fixture) priority(label, service string) queue.Ticket {
	f.t.Helper()
	tk, events, err := f.q.WalkIn(f.now, service, true)
	if err != nil {
		f.t.Fatalf("%s: priority walk-in %s: %v", f.now.Format("15:04"), service, err)
	}
	f.record(events)
	f.name(tk, label)
	return tk
}

// checkIn checks the appointment in by its code and fails on an error.
func (f *fixture) checkIn(label, appointment string) queue.Ticket {
	f.t.Helper()
	tk, events, err := f.q.CheckInCode(f.now, appointment, "secret-"+appointment)
	if err != nil {
		f.t.Fatalf("%s: check-in %s: %v", f.now.Format("15:04"), appointment, err)
	}
	f.record(events)
	f.name(tk, label)
	return tk
}

// do applies a counter action; Ticket may be a label.
func (f *fixture) do(a queue.Action) (queue.Ticket, []queue.Event, error) {
	f.t.Helper()
	if id, ok := f.ids[a.Ticket]; ok {
		a.Ticket = id
	}
	tk, events, err := f.q.Do(f.now, a)
	f.record(events)
	return tk, events, err
}

// must applies a counter action and fails on an error.
func (f *fixture) must(counter string, kind queue.ActionKind) queue.Ticket {
	f.t.Helper()
	tk, _, err := f.do(queue.Action{Counter: counter, Kind: kind})
	if err != nil {
		f.t.Fatalf("%s: %s at %s: %v", f.now.Format("15:04"), kind, counter, err)
	}
	return tk
}

// tick runs Tick and records its events.
func (f *fixture) tick() []queue.Event {
	f.t.Helper()
	events := f.q.Tick(f.now)
	f.record(events)
	return events
}

// id returns the ticket id of a label.
func (f *fixture) id(label string) string {
	f.t.Helper()
	id, ok := f.ids[label]
	if !ok {
		f.t.Fatalf("no ticket labelled %q", label)
	}
	return id
}

// label returns the label of a ticket id (the id if it has none).
func (f *fixture) label(id string) string {
	if l, ok := f.labels[id]; ok {
		return l
	}
	return id
}

// ticket returns the current state of a labelled ticket.
func (f *fixture) ticket(label string) queue.Ticket {
	f.t.Helper()
	tk, ok := f.q.Ticket(f.id(label))
	if !ok {
		f.t.Fatalf("ticket %s (%s) not in queue", label, f.id(label))
	}
	return tk
}

// candidates returns the labels of the tickets the counter would call, in order.
func (f *fixture) candidates(counter string) []string {
	f.t.Helper()
	list, err := f.q.Candidates(f.now, counter)
	if err != nil {
		f.t.Fatalf("candidates %s: %v", counter, err)
	}
	out := make([]string, len(list))
	for i, tk := range list {
		out[i] = f.label(tk.ID)
	}
	return out
}

// eventTypes lists the types of events.
func eventTypes(events []queue.Event) []queue.EventType {
	out := make([]queue.EventType, len(events))
	for i, e := range events {
		out[i] = e.Type
	}
	return out
}

// wantCode fails unless err carries the code ("" = no error).
func wantCode(t *testing.T, what string, err error, code queue.Code) {
	t.Helper()
	if got := queue.ErrorCode(err); got != code {
		t.Fatalf("%s: error %v (code %q), want code %q", what, err, got, code)
	}
	if err != nil {
		var qe *queue.Error
		if !errors.As(err, &qe) {
			t.Fatalf("%s: error %v is not a *queue.Error", what, err)
		}
	}
}

// wantLabels compares label lists.
func wantLabels(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
}
