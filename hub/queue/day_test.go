package queue_test

import (
	"slices"
	"testing"
	"time"

	"lotse/hub/queue"
)

// TestTickNoShow: an appointment not checked in by start + grace is a
// no-show, reported once; checked-in and cancelled ones never are.
func TestTickNoShow(t *testing.T) {
	cancelled := appt("cancelled", "09:00", "pass")
	cancelled.Cancelled = true
	f := newFixture(t, func(o *queue.Office) { o.Policy.LateAsWalkIn = true },
		appt("absent", "09:00", "pass"),
		appt("present", "09:00", "pass"),
		appt("late-walk-in", "08:30", "pass"),
		appt("later", "09:30", "fz"),
		cancelled,
	)
	f.at("08:50").checkIn("present", "present")
	f.at("08:50").checkIn("late-walk-in", "late-walk-in") // 20 min late: a walk-in

	tests := []struct {
		now  string
		want []string // appointments reported
	}{
		{"08:00", nil},
		{"09:15", nil}, // exactly start + grace: not yet
		{"09:15:01", []string{"absent"}},
		{"09:20", nil}, // once only
		{"09:44", nil},
		{"09:45:30", []string{"later"}},
		{"18:00", nil},
	}
	for _, tt := range tests {
		f.at(tt.now)
		var got []string
		for _, e := range f.tick() {
			if e.Type != queue.AppointmentNoShow || e.Report != queue.ReportNoShow || e.Ticket != nil || e.Counter != nil {
				t.Fatalf("%s: event %+v", tt.now, e)
			}
			got = append(got, e.Appointment)
		}
		wantLabels(t, "no-shows at "+tt.now, got, tt.want)
	}
	for id, want := range map[string]bool{"absent": true, "later": true, "present": false, "late-walk-in": false, "cancelled": false} {
		if a, _ := f.q.Appointment(id); a.NoShow != want {
			t.Errorf("%s: NoShow %v, want %v", id, a.NoShow, want)
		}
	}
}

// TestTickOrder: several no-shows at once come in the order of their start.
func TestTickOrder(t *testing.T) {
	f := newFixture(t, nil, appt("c", "09:10", "pass"), appt("a", "09:00", "pass"), appt("b", "09:05", "pass"))
	var got []string
	for _, e := range f.at("12:00").tick() {
		got = append(got, e.Appointment)
	}
	wantLabels(t, "no-shows", got, []string{"a", "b", "c"})
}

// TestSync covers how the backend's list replaces the day's appointments.
func TestSync(t *testing.T) {
	base := []queue.Appointment{
		withBirth(appt("a1", "09:00", "pass"), "h1"),
		withBirth(appt("a2", "10:00", "anm"), "h2"),
		appt("a3", "11:00", "fz"),
	}
	clone := func() []queue.Appointment {
		out := make([]queue.Appointment, len(base))
		for i, a := range base {
			a.Services = slices.Clone(a.Services)
			out[i] = a
		}
		return out
	}
	tests := []struct {
		name    string
		list    func() []queue.Appointment
		changed []string
		check   func(t *testing.T, f *fixture)
	}{
		{name: "unchanged", list: clone},
		{name: "unchanged, other order", list: func() []queue.Appointment { l := clone(); slices.Reverse(l); return l }},
		{name: "new one", list: func() []queue.Appointment { return append(clone(), appt("a4", "12:00", "pass")) }, changed: []string{"a4"},
			check: func(t *testing.T, f *fixture) {
				if _, _, err := f.q.CheckInCode(clock("11:50"), "a4", "secret-a4"); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "moved", list: func() []queue.Appointment { l := clone(); l[1].Start = clock("10:30"); return l }, changed: []string{"a2"},
			check: func(t *testing.T, f *fixture) {
				_, _, err := f.q.CheckInCode(clock("09:45"), "a2", "secret-a2")
				wantCode(t, "check-in before the new window", err, queue.TooEarly)
			}},
		{name: "more persons", list: func() []queue.Appointment { l := clone(); l[0].Services[0].Count = 2; return l }, changed: []string{"a1"}},
		{name: "new secret", list: func() []queue.Appointment { l := clone(); l[2].Secret = "fresh"; return l }, changed: []string{"a3"},
			check: func(t *testing.T, f *fixture) {
				_, _, err := f.q.CheckInCode(clock("10:50"), "a3", "secret-a3")
				wantCode(t, "old secret", err, queue.NotFound)
				if _, _, err := f.q.CheckInCode(clock("10:50"), "a3", "fresh"); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "cancelled by the backend", list: func() []queue.Appointment { l := clone(); l[2].Cancelled = true; return l }, changed: []string{"a3"}},
		{name: "missing from the list", list: func() []queue.Appointment { return clone()[:2] }, changed: []string{"a3"},
			check: func(t *testing.T, f *fixture) {
				a, _ := f.q.Appointment("a3")
				if !a.Cancelled {
					t.Fatal("missing appointment not cancelled")
				}
				_, _, err := f.q.CheckInCode(clock("10:50"), "a3", "secret-a3")
				wantCode(t, "check-in of a withdrawn appointment", err, queue.NotFound)
				if changed := f.q.Sync(clone()[:2]); len(changed) != 0 {
					t.Fatalf("second sync without it changed %v", changed)
				}
				if changed := f.q.Sync(clone()); len(changed) != 1 || changed[0].Cancelled {
					t.Fatalf("sync with it again: %+v", changed)
				}
			}},
		{name: "empty list cancels all", list: func() []queue.Appointment { return nil }, changed: []string{"a1", "a2", "a3"},
			check: func(t *testing.T, f *fixture) {
				_, _, err := f.q.CheckInBirthDate(clock("08:50"), "h1", "")
				wantCode(t, "birth date of a withdrawn appointment", err, queue.NotFound)
			}},
		{name: "birth hash changed", list: func() []queue.Appointment { l := clone(); l[0].BirthHash = "h9"; return l }, changed: []string{"a1"},
			check: func(t *testing.T, f *fixture) {
				_, _, err := f.q.CheckInBirthDate(clock("08:50"), "h1", "")
				wantCode(t, "old birth hash", err, queue.NotFound)
				tk, _, err := f.q.CheckInBirthDate(clock("08:50"), "h9", "")
				if err != nil || tk.Appointment != "a1" {
					t.Fatalf("new birth hash: %v %v", tk.Appointment, err)
				}
			}},
		{name: "birth hash removed", list: func() []queue.Appointment { l := clone(); l[1].BirthHash = ""; return l }, changed: []string{"a2"},
			check: func(t *testing.T, f *fixture) {
				_, _, err := f.q.CheckInBirthDate(clock("09:50"), "h2", "")
				wantCode(t, "removed birth hash", err, queue.NotFound)
			}},
		{name: "birth hash moves to another appointment", list: func() []queue.Appointment {
			l := clone()
			l[0].BirthHash, l[1].BirthHash = "h2", "h1"
			return l
		}, changed: []string{"a1", "a2"},
			check: func(t *testing.T, f *fixture) {
				tk, _, err := f.q.CheckInBirthDate(clock("09:50"), "h1", "")
				if err != nil || tk.Appointment != "a2" {
					t.Fatalf("h1: %v %v", tk.Appointment, err)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil, clone()...)
			seq := f.q.Seq()
			var got []string
			for _, a := range f.q.Sync(tt.list()) {
				got = append(got, a.ID)
			}
			slices.Sort(got)
			wantLabels(t, "changed", got, tt.changed)
			if f.q.Seq() != seq {
				t.Fatal("sync emitted events")
			}
			if tt.check != nil {
				tt.check(t, f)
			}
		})
	}
}

// TestSyncKeepsLocalState: a re-sync does not undo what the hub decided —
// a no-show stays a no-show and is not reported again — and does not share
// memory with the caller's list.
func TestSyncKeepsLocalState(t *testing.T) {
	list := []queue.Appointment{appt("a1", "09:00", "pass"), appt("a2", "09:00", "pass")}
	f := newFixture(t, nil, list...)
	if n := len(f.at("09:20").tick()); n != 2 {
		t.Fatalf("%d no-shows", n)
	}
	if changed := f.q.Sync(list); len(changed) != 0 {
		t.Fatalf("re-sync after no-shows changed %d", len(changed))
	}
	moved := slices.Clone(list)
	moved[0].Duration = 30 * time.Minute
	if changed := f.q.Sync(moved); len(changed) != 1 || !changed[0].NoShow {
		t.Fatalf("changed %+v, want a1 still a no-show", changed)
	}
	if events := f.at("09:30").tick(); len(events) != 0 {
		t.Fatalf("no-show reported again after a re-sync: %v", eventTypes(events))
	}
	if a, _ := f.q.Appointment("a1"); !a.NoShow || a.Duration != 30*time.Minute {
		t.Fatalf("a1 %+v", a)
	}

	list[1].Services[0].Service = "anm" // the caller's slice, after the sync
	if a, _ := f.q.Appointment("a2"); a.Services[0].Service != "pass" {
		t.Fatal("sync keeps the caller's services slice")
	}
}

// TestCloseDay: every open ticket ends in a final state, the counters are
// free, and the next day starts at number 1 without yesterday's bookings.
func TestCloseDay(t *testing.T) {
	f := newFixture(t, nil, appt("a1", "09:00", "pass"), appt("a2", "17:00", "pass"))
	f.at("08:40").checkIn("serving", "a1")
	f.walkIn("called", "fz")
	f.walkIn("parked", "anm")
	f.walkIn("waiting", "pass")
	f.walkIn("done", "fz")
	f.walkIn("missed", "fz")
	f.at("09:00").must("c1", queue.ActNext)
	f.must("c1", queue.ActStart)
	f.must("c2", queue.ActNext) // walk-ins of the same minute: by number
	if _, _, err := f.do(queue.Action{Counter: "c3", Kind: queue.ActCall, Ticket: "parked"}); err != nil {
		t.Fatal(err)
	}
	f.must("c3", queue.ActPark)
	f.must("c3", queue.ActNext)
	f.must("c3", queue.ActFinish)
	f.must("c3", queue.ActNext)
	f.must("c3", queue.ActNoShow)
	f.must("c3", queue.ActPause)
	for counter, label := range map[string]string{"c1": "serving", "c2": "called", "c3": ""} {
		if got := f.label(holding(f.q, counter)); got != label {
			t.Fatalf("%s holds %q, want %q", counter, got, label)
		}
	}
	for label, state := range map[string]queue.TicketState{"done": queue.Done, "missed": queue.Missed} {
		if got := f.ticket(label).State; got != state {
			t.Fatalf("%s is %s", label, got)
		}
	}

	f.at("18:30")
	events := f.q.CloseDay(f.now, "2026-03-11")
	f.record(events)
	want := map[string]struct {
		event queue.EventType
		state queue.TicketState
	}{
		"serving": {queue.TicketFinished, queue.Done},
		"called":  {queue.TicketMissed, queue.Missed},
		"parked":  {queue.TicketCancelled, queue.Cancelled},
		"waiting": {queue.TicketCancelled, queue.Cancelled},
	}
	if len(events) != len(want)+1 || events[len(events)-1].Type != queue.DayTurned || events[len(events)-1].Ticket != nil {
		t.Fatalf("close emitted %v, want the tickets' events and day_turned last", eventTypes(events))
	}
	for _, e := range events[:len(events)-1] {
		w, ok := want[f.label(e.Ticket.ID)]
		if !ok || e.Type != w.event || e.Ticket.State != w.state || e.Ticket.Ended.IsZero() {
			t.Fatalf("close event %s for %s in state %s", e.Type, f.label(e.Ticket.ID), e.Ticket.State)
		}
		if e.Ticket.Counter != "" && (e.Counter == nil || e.Counter.Ticket != "") {
			t.Fatalf("close event for %s leaves its counter %+v", f.label(e.Ticket.ID), e.Counter)
		}
	}
	if events[0].Report != queue.ReportServed {
		t.Fatalf("the appointment in service is reported %q", events[0].Report)
	}

	if f.q.Day() != "2026-03-11" || f.q.LastNumber() != 0 || len(f.q.Tickets(nil)) != 0 || len(f.q.Appointments(nil)) != 0 || len(f.q.Calls()) != 0 {
		t.Fatalf("next day starts with day %s, number %d, %d tickets, %d appointments, %d calls",
			f.q.Day(), f.q.LastNumber(), len(f.q.Tickets(nil)), len(f.q.Appointments(nil)), len(f.q.Calls()))
	}
	for _, c := range f.q.Counters() {
		if c.Ticket != "" {
			t.Fatalf("counter %s still holds %s", c.ID, c.Ticket)
		}
	}
	for _, w := range f.q.Waiting() {
		if w.Waiting != 0 {
			t.Fatalf("%s: %d still waiting", w.Service, w.Waiting)
		}
	}
	if _, _, err := f.q.CheckInCode(clock("16:50"), "a2", "secret-a2"); queue.ErrorCode(err) != queue.NotFound {
		t.Fatalf("yesterday's appointment after close: %v", err)
	}

	next := clock("08:00").Add(24 * time.Hour)
	f.now = next
	tk := f.walkIn("", "fz")
	if tk.Number != "F001" || tk.N != 1 || tk.Day != "2026-03-11" || tk.ID != queue.TicketID("mitte", "2026-03-11", 1) {
		t.Fatalf("first ticket of the next day: %+v", tk)
	}
	if _, _, err := f.do(queue.Action{Counter: "c3", Kind: queue.ActNext}); queue.ErrorCode(err) != queue.Conflict {
		t.Fatalf("a counter paused yesterday is still paused: next = %v", err)
	}
}

// TestRestore: a queue rebuilt from its State answers like the original.
func TestRestore(t *testing.T) {
	f := newFixture(t, nil,
		withBirth(appt("a1", "09:00", "pass"), "h1"),
		withBirth(appt("a2", "09:30", "anm"), "h2"),
		withBirth(appt("a3", "10:00", "fz"), "h1"),
		appt("a4", "08:30", "pass"),
	)
	f.at("08:35").checkIn("a1", "a1")
	f.walkIn("w1", "pass")
	f.walkIn("w2", "fz")
	f.priority("p1", "anm")
	f.at("09:00").checkIn("a2", "a2")
	f.tick()
	f.must("c1", queue.ActNext)
	f.must("c1", queue.ActStart)
	f.must("c2", queue.ActNext)
	f.must("c2", queue.ActPark)
	f.walkIn("w3", "fz")
	f.must("c3", queue.ActNext)
	f.must("c3", queue.ActRecall)
	f.must("c3", queue.ActPause)
	f.at("09:40").checkIn("a3", "a3")

	st := f.q.State()
	r := queue.Restore(testOffice(), st)
	if r.Seq() != f.q.Seq() || r.LastNumber() != f.q.LastNumber() || r.Day() != f.q.Day() {
		t.Fatalf("restored seq %d number %d day %s, want %d %d %s", r.Seq(), r.LastNumber(), r.Day(), f.q.Seq(), f.q.LastNumber(), f.q.Day())
	}
	if !slices.Equal(r.Waiting(), f.q.Waiting()) {
		t.Fatalf("waiting %v, want %v", r.Waiting(), f.q.Waiting())
	}
	if !slices.EqualFunc(r.Counters(), f.q.Counters(), func(a, b queue.CounterState) bool { return a == b }) {
		t.Fatalf("counters %v, want %v", r.Counters(), f.q.Counters())
	}
	if !slices.Equal(r.Calls(), f.q.Calls()) {
		t.Fatalf("calls %v, want %v", r.Calls(), f.q.Calls())
	}
	now := clock("09:45")
	for _, c := range []string{"c1", "c2", "c3"} {
		got, _ := r.Candidates(now, c)
		want, _ := f.q.Candidates(now, c)
		if !slices.EqualFunc(got, want, func(a, b queue.Ticket) bool { return a.ID == b.ID }) {
			t.Fatalf("%s: candidates differ after restore", c)
		}
	}
	for _, tk := range f.q.Tickets(nil) {
		if got := r.EstimateFor(now, tk.ID); got != f.q.EstimateFor(now, tk.ID) {
			t.Fatalf("%s: estimate %v, want %v", tk.Number, got, f.q.EstimateFor(now, tk.ID))
		}
	}

	// Both go on alike: same check-in answers, numbers and seq.
	for _, q := range []*queue.Queue{f.q, r} {
		tk, _, err := q.CheckInCode(now, "a1", "secret-a1")
		if err != nil || tk.ID != f.id("a1") {
			t.Fatalf("repeat check-in after restore: %v %v", tk.ID, err)
		}
		_, _, err = q.CheckInBirthDate(now, "h1", "")
		if qe, ok := err.(*queue.Error); err != nil && (!ok || qe.Code != queue.Conflict) {
			t.Fatalf("birth date after restore: %v", err)
		}
		tk, events, err := q.WalkIn(now, "pass", false)
		if err != nil || tk.Number != "P008" || events[0].Seq != st.Seq+1 {
			t.Fatalf("walk-in after restore: %s seq %d (%v)", tk.Number, events[0].Seq, err)
		}
		if events := q.Tick(clock("10:30")); len(events) != 0 {
			t.Fatalf("no-show reported again after restore: %v", eventTypes(events))
		}
	}
}

// TestRestoreOfficeChanged: counters added since the state was stored start
// open; counters removed are dropped.
func TestRestoreOfficeChanged(t *testing.T) {
	f := newFixture(t, nil)
	f.at("09:00").must("c2", queue.ActPause)
	o := testOffice()
	o.Counters = append(o.Counters[1:], queue.Counter{ID: "c4", Name: "Schalter 4", Services: []string{"pass"}})
	r := queue.Restore(o, f.q.State())
	var got []string
	for _, c := range r.Counters() {
		got = append(got, c.ID+map[bool]string{true: " open", false: " paused"}[c.Open])
	}
	wantLabels(t, "counters", got, []string{"c2 paused", "c3 open", "c4 open"})
}

// TestCloseDayAfterCounterRemoved: a counter removed from the office's
// configuration while it held tickets (restart mid-day) does not stop the
// day from closing; its tickets still end final.
func TestCloseDayAfterCounterRemoved(t *testing.T) {
	f := newFixture(t, nil)
	f.at("09:00").walkIn("serving", "pass")
	f.walkIn("called", "fz")
	f.must("c1", queue.ActNext)
	f.must("c1", queue.ActStart)
	f.must("c3", queue.ActNext)
	o := testOffice()
	o.Counters = o.Counters[1:2] // only c2 is left
	r := queue.Restore(o, f.q.State())
	events := r.CloseDay(clock("18:00"), "2026-03-11")
	got := map[string]queue.TicketState{}
	for _, e := range events[:len(events)-1] {
		got[f.label(e.Ticket.ID)] = e.Ticket.State
	}
	if last := events[len(events)-1]; last.Type != queue.DayTurned {
		t.Fatalf("last event of the close is %s", last.Type)
	}
	if len(got) != 2 || got["serving"] != queue.Done || got["called"] != queue.Missed {
		t.Fatalf("close: %v", got)
	}
}
