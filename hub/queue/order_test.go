package queue_test

import (
	"testing"

	"lotse/hub/queue"
)

// TestOrder covers whom "next" calls: each case builds a queue, then
// compares the candidates of a counter at a given time with the expected
// order, and checks that "next" calls the first of them.
func TestOrder(t *testing.T) {
	appointments := []queue.Appointment{
		appt("a0930", "09:30", "pass"),
		appt("a0935", "09:35", "pass"),
		appt("a0940", "09:40", "pass"),
		appt("a0942", "09:42", "pass"),
		appt("a0946", "09:46", "pass"),
		appt("a1000", "10:00", "pass"),
		appt("fz0940", "09:40", "fz"),
		appt("anm0940", "09:40", "anm"),
	}
	tests := []struct {
		name    string
		edit    func(*queue.Office)
		setup   func(f *fixture)
		now     string
		counter string
		want    []string
	}{
		{
			name: "walk-ins by arrival", now: "09:30", counter: "c1",
			setup: func(f *fixture) {
				f.at("09:10").walkIn("w2", "pass")
				f.at("09:05").walkIn("w1", "pass") // numbers do not decide, arrival does
				f.at("09:20").walkIn("w3", "pass")
			},
			want: []string{"w1", "w2", "w3"},
		},
		{
			name: "priority first", now: "09:30", counter: "c1",
			setup: func(f *fixture) {
				f.at("09:00").walkIn("w1", "pass")
				f.at("09:05").checkIn("a0930", "a0930")
				f.at("09:20").priority("p2", "pass")
				f.at("09:10").priority("p1", "anm")
			},
			want: []string{"p1", "p2", "a0930", "w1"},
		},
		{
			name: "due appointments by start, before walk-ins", now: "09:40", counter: "c1",
			setup: func(f *fixture) {
				f.at("09:05").walkIn("w1", "pass")
				f.at("09:10").checkIn("a0940", "a0940")
				f.at("09:20").checkIn("a0935", "a0935")
				f.at("09:25").checkIn("a0930", "a0930")
			},
			want: []string{"a0930", "a0935", "a0940", "w1"},
		},
		{
			name: "due two minutes ahead of the start", now: "09:40", counter: "c1",
			setup: func(f *fixture) {
				f.at("09:05").walkIn("w1", "pass")
				f.at("09:15").checkIn("a0942", "a0942")
			},
			want: []string{"a0942", "w1"},
		},
		{
			name: "one second before due", now: "09:39:59", counter: "c1",
			setup: func(f *fixture) {
				f.at("09:05").walkIn("w1", "pass")
				f.at("09:15").checkIn("a0942", "a0942")
			},
			want: []string{"w1", "a0942"},
		},
		{
			name: "not yet due does not block walk-ins", now: "09:45", counter: "c1",
			setup: func(f *fixture) {
				f.at("09:31").checkIn("a1000", "a1000")
				f.at("09:40").walkIn("w1", "pass")
				f.at("09:44").walkIn("w2", "pass")
			},
			want: []string{"w1", "w2", "a1000"},
		},
		{
			name: "not yet due is called early when nobody else waits", now: "09:35", counter: "c1",
			setup: func(f *fixture) {
				f.at("09:31").checkIn("a1000", "a1000")
				f.at("09:32").walkIn("other service", "fz")
			},
			want: []string{"a1000"},
		},
		{
			name: "walk-in waiting 45 minutes ranks with due appointments", now: "09:50", counter: "c1",
			setup: func(f *fixture) {
				f.at("09:00").walkIn("long", "pass") // ranks as of 09:45
				f.at("09:10").walkIn("w1", "pass")
				f.at("09:11").checkIn("a0940", "a0940")
				f.at("09:30").checkIn("a1000", "a1000")
			},
			want: []string{"a0940", "long", "w1", "a1000"},
		},
		{
			name: "walk-in waiting 45 minutes before a later due appointment", now: "09:58", counter: "c1",
			setup: func(f *fixture) {
				f.at("09:00").walkIn("long", "pass") // ranks as of 09:45
				f.at("09:20").walkIn("w1", "pass")
				f.at("09:40").checkIn("a1000", "a1000")
			},
			want: []string{"long", "a1000", "w1"},
		},
		{
			name: "walk-in at 44:59 still ranks by arrival", now: "09:44:59", counter: "c1",
			setup: func(f *fixture) {
				f.at("09:00").walkIn("w1", "pass")
				f.at("09:20").checkIn("a0942", "a0942")
			},
			want: []string{"a0942", "w1"},
		},
		{
			// 45 minutes to the nanosecond: the guard holds from then on.
			name: "walk-in at 45:00 ranks with due appointments", now: "09:45", counter: "c1",
			setup: func(f *fixture) {
				f.at("09:00").walkIn("w1", "pass") // ranks as of 09:45
				f.at("09:30").checkIn("a0946", "a0946")
			},
			want: []string{"w1", "a0946"},
		},
		{
			name: "no starvation guard when MaxWalkInWait is 0", now: "11:00", counter: "c1",
			edit: func(o *queue.Office) { o.Policy.MaxWalkInWait = 0 },
			setup: func(f *fixture) {
				f.at("09:00").walkIn("w1", "pass")
				f.at("09:30").checkIn("a1000", "a1000")
			},
			want: []string{"a1000", "w1"},
		},
		{
			name: "transferred ticket ranks with due appointments", now: "09:50", counter: "c1",
			setup: func(f *fixture) {
				f.at("09:00").walkIn("w1", "pass")
				f.at("09:01").walkIn("moved", "fz")
				f.at("09:30").walkIn("w2", "pass")
				f.must("c3", queue.ActNext)
				f.at("09:38")
				if _, _, err := f.do(queue.Action{Counter: "c3", Kind: queue.ActTransfer, Service: "pass"}); err != nil {
					f.t.Fatal(err)
				}
				f.at("09:39").checkIn("a0940", "a0940")
			},
			want: []string{"moved", "a0940", "w1", "w2"},
		},
		{
			name: "counter calls only its services", now: "09:45", counter: "c3",
			setup: func(f *fixture) {
				f.at("09:00").walkIn("pass", "pass")
				f.at("09:01").walkIn("anm", "anm")
				f.at("09:02").walkIn("fz", "fz")
				f.at("09:15").checkIn("a0940", "a0940")
				f.at("09:16").checkIn("anm0940", "anm0940")
				f.at("09:17").checkIn("fz0940", "fz0940")
			},
			want: []string{"fz0940", "fz"},
		},
		{
			name: "main service decides", now: "09:45", counter: "c3",
			setup: func(f *fixture) {
				a := appt("combo", "09:40", "anm")
				a.Services = append(a.Services, queue.ServiceCount{Service: "fz", Count: 1})
				f.q.Sync(append(f.q.Appointments(nil), a))
				f.at("09:15").checkIn("combo", "combo")
			},
			want: []string{},
		},
		{
			name: "overlapping counters see shared services", now: "09:45", counter: "c2",
			setup: func(f *fixture) {
				f.at("09:00").walkIn("pass", "pass")
				f.at("09:01").walkIn("anm", "anm")
				f.at("09:02").walkIn("fz", "fz")
				f.at("09:16").checkIn("anm0940", "anm0940")
			},
			want: []string{"anm0940", "anm", "fz"},
		},
		{
			name: "transfer to a counter: only that counter calls it", now: "09:45", counter: "c1",
			setup: func(f *fixture) {
				f.at("09:00").walkIn("to c2", "pass")
				f.at("09:01").walkIn("w1", "pass")
				f.must("c1", queue.ActNext)
				if _, _, err := f.do(queue.Action{Counter: "c1", Kind: queue.ActTransfer, ToCounter: "c2"}); err != nil {
					f.t.Fatal(err)
				}
			},
			want: []string{"w1"},
		},
		{
			name: "transfer to a counter that does not serve the service", now: "09:45", counter: "c3",
			setup: func(f *fixture) {
				f.at("09:00").walkIn("to c3", "pass")
				f.at("09:01").walkIn("fz", "fz")
				f.must("c1", queue.ActNext)
				if _, _, err := f.do(queue.Action{Counter: "c1", Kind: queue.ActTransfer, ToCounter: "c3"}); err != nil {
					f.t.Fatal(err)
				}
			},
			want: []string{"to c3", "fz"},
		},
		{
			name: "called, parked and finished tickets are not candidates", now: "09:45", counter: "c1",
			setup: func(f *fixture) {
				f.at("09:00").walkIn("done", "pass")
				f.at("09:01").walkIn("parked", "pass")
				f.at("09:02").walkIn("called", "pass")
				f.at("09:03").walkIn("w", "pass")
				f.must("c1", queue.ActNext)
				f.must("c1", queue.ActStart)
				f.must("c1", queue.ActNext)
				f.must("c1", queue.ActPark)
				f.must("c1", queue.ActNext)
			},
			want: []string{"w"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.edit, appointments...)
			tt.setup(f)
			f.at(tt.now)
			got := f.candidates(tt.counter)
			wantLabels(t, "candidates", got, tt.want)

			tk, _, err := f.do(queue.Action{Counter: tt.counter, Kind: queue.ActNext, Current: queue.ReportServed})
			if len(tt.want) == 0 {
				wantCode(t, "next", err, queue.NotFound)
				return
			}
			if err != nil || f.label(tk.ID) != tt.want[0] {
				t.Fatalf("next called %q (%v), want %q", f.label(tk.ID), err, tt.want[0])
			}
		})
	}
}

// TestOrderFollowsTheClock: the same waiting tickets rank differently as
// time passes; the ranking is decided at the moment of "next".
func TestOrderFollowsTheClock(t *testing.T) {
	f := newFixture(t, nil, appt("a1010", "10:10", "pass"))
	f.at("09:20").walkIn("w1", "pass")
	f.at("09:40").checkIn("a1010", "a1010")
	f.at("09:41").walkIn("w2", "pass")
	for _, tt := range []struct {
		now  string
		want []string
	}{
		{"09:45", []string{"w1", "w2", "a1010"}},
		{"10:05", []string{"w1", "w2", "a1010"}}, // w1 waited 45 min; a1010 not due
		{"10:08", []string{"w1", "a1010", "w2"}}, // a1010 due; w1 ranks as of 10:05
		{"10:30", []string{"w1", "a1010", "w2"}}, // w2 ranks as of 10:26
	} {
		wantLabels(t, "at "+tt.now, f.at(tt.now).candidates("c1"), tt.want)
	}
}

// TestPausedCounter: a paused counter calls nobody, but "next" still
// finishes what it holds.
func TestPausedCounter(t *testing.T) {
	f := newFixture(t, nil)
	f.at("09:00").walkIn("w1", "pass")
	f.walkIn("w2", "pass")
	f.must("c1", queue.ActNext)

	f.at("09:05")
	_, events, err := f.do(queue.Action{Counter: "c1", Kind: queue.ActPause})
	if err != nil || len(events) != 1 || events[0].Type != queue.CounterPaused || events[0].Counter == nil ||
		events[0].Counter.Open || events[0].Counter.Ticket != f.id("w1") || events[0].Ticket != nil {
		t.Fatalf("pause: %v %+v", err, events)
	}
	if _, events, _ := f.do(queue.Action{Counter: "c1", Kind: queue.ActPause}); len(events) != 0 {
		t.Fatalf("pausing twice emitted %v", eventTypes(events))
	}
	wantLabels(t, "candidates of a paused counter", f.candidates("c1"), []string{"w2"})

	f.at("09:10")
	tk, events, err := f.do(queue.Action{Counter: "c1", Kind: queue.ActNext, Current: queue.ReportServed})
	wantCode(t, "next while paused", err, queue.Conflict)
	if tk.ID != "" || len(events) != 1 || events[0].Type != queue.TicketFinished || events[0].Ticket.ID != f.id("w1") {
		t.Fatalf("next while paused: ticket %q, events %v", tk.ID, eventTypes(events))
	}
	if w1 := f.ticket("w1"); w1.State != queue.Done {
		t.Fatalf("w1 is %s after next at a paused counter", w1.State)
	}
	if w2 := f.ticket("w2"); w2.State != queue.Waiting {
		t.Fatalf("w2 is %s, want still waiting", w2.State)
	}
	_, events, err = f.do(queue.Action{Counter: "c1", Kind: queue.ActNext})
	wantCode(t, "next while paused and empty", err, queue.Conflict)
	if len(events) != 0 {
		t.Fatalf("events %v", eventTypes(events))
	}

	f.at("09:40")
	_, events, err = f.do(queue.Action{Counter: "c1", Kind: queue.ActOpen})
	if err != nil || len(events) != 1 || events[0].Type != queue.CounterOpened || !events[0].Counter.Open {
		t.Fatalf("open: %v %+v", err, events)
	}
	if tk := f.must("c1", queue.ActNext); tk.ID != f.id("w2") {
		t.Fatalf("after opening, next called %s", f.label(tk.ID))
	}
}
