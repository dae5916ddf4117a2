package queue_test

import (
	"testing"
	"time"

	"lotse/hub/queue"
)

// TestWaiting: per service, the number waiting and ahead × average service
// time ÷ open counters serving it; -1 when no open counter serves it.
func TestWaiting(t *testing.T) {
	const m = time.Minute
	tests := []struct {
		name  string
		setup func(f *fixture)
		want  map[string]queue.ServiceWait
	}{
		{name: "empty", setup: func(f *fixture) {}, want: map[string]queue.ServiceWait{
			"pass": {Waiting: 0, Estimate: 0}, "anm": {Waiting: 0, Estimate: 0}, "fz": {Waiting: 0, Estimate: 0}, "kfz": {Estimate: -1},
		}},
		{name: "counted per main service", setup: func(f *fixture) {
			for range 3 {
				f.walkIn("", "pass")
			}
			for range 4 {
				f.walkIn("", "anm")
			}
			f.walkIn("", "fz")
			f.checkIn("", "a1")
		}, want: map[string]queue.ServiceWait{
			"pass": {Waiting: 4, Estimate: 4 * 10 * m},     // c1 only
			"anm":  {Waiting: 4, Estimate: 4 * 15 * m / 2}, // c1, c2
			"fz":   {Waiting: 1, Estimate: 5 * m / 2},      // c2, c3
			"kfz":  {Estimate: -1},
		}},
		{name: "called and parked tickets do not wait", setup: func(f *fixture) {
			f.walkIn("", "fz")
			f.walkIn("", "fz")
			f.walkIn("", "fz")
			f.must("c3", queue.ActNext)
			f.must("c2", queue.ActNext)
			f.must("c2", queue.ActPark)
		}, want: map[string]queue.ServiceWait{
			"fz": {Waiting: 1, Estimate: 5 * m / 2},
		}},
		{name: "paused counters do not count", setup: func(f *fixture) {
			f.walkIn("", "anm")
			f.walkIn("", "fz")
			f.must("c2", queue.ActPause)
		}, want: map[string]queue.ServiceWait{
			"anm": {Waiting: 1, Estimate: 15 * m},
			"fz":  {Waiting: 1, Estimate: 5 * m},
		}},
		{name: "no open counter", setup: func(f *fixture) {
			f.walkIn("", "pass")
			f.must("c1", queue.ActPause)
		}, want: map[string]queue.ServiceWait{
			"pass": {Waiting: 1, Estimate: -1},
		}},
		{name: "transfer moves the count", setup: func(f *fixture) {
			f.walkIn("", "pass")
			f.must("c1", queue.ActNext)
			if _, _, err := f.do(queue.Action{Counter: "c1", Kind: queue.ActTransfer, Service: "fz"}); err != nil {
				f.t.Fatal(err)
			}
		}, want: map[string]queue.ServiceWait{
			"pass": {Waiting: 0, Estimate: 0},
			"fz":   {Waiting: 1, Estimate: 5 * m / 2},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil, appt("a1", "09:00", "pass"))
			f.at("08:45")
			tt.setup(f)
			got := f.q.Waiting()
			if len(got) != 4 || got[0].Service != "pass" || got[3].Service != "kfz" {
				t.Fatalf("services %v, want the office's order", got)
			}
			for _, w := range got {
				want, ok := tt.want[w.Service]
				if !ok {
					continue
				}
				want.Service = w.Service
				if w != want {
					t.Errorf("%s: %+v, want %+v", w.Service, w, want)
				}
			}
		})
	}
}

// TestAverageServiceTime: the estimate follows the real service times of
// the day (exponential average, per person), not the configured ones.
func TestAverageServiceTime(t *testing.T) {
	const m = time.Minute
	tests := []struct {
		name    string
		persons int
		start   bool
		minutes time.Duration // from start (two minutes after the call) to finish
		want    time.Duration
	}{
		{name: "faster than configured", persons: 1, start: true, minutes: 5, want: (4*10*m + 5*m) / 5},
		{name: "slower than configured", persons: 1, start: true, minutes: 30, want: (4*10*m + 30*m) / 5},
		{name: "counted from the call without start", persons: 1, minutes: 20, want: (4*10*m + 22*m) / 5},
		{name: "per person", persons: 3, start: true, minutes: 30, want: 10 * m},
		{name: "per person, family of two", persons: 2, start: true, minutes: 10, want: (4*10*m + 5*m) / 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := appt("a1", "09:00", "pass")
			a.Services[0].Count = tt.persons
			f := newFixture(t, nil, a)
			f.at("09:00").checkIn("a1", "a1")
			f.must("c1", queue.ActNext)
			f.now = f.now.Add(2 * m)
			if tt.start {
				f.must("c1", queue.ActStart)
			}
			f.now = f.now.Add(tt.minutes * m)
			f.must("c1", queue.ActFinish)
			if got := f.q.AverageServiceTime("pass"); got != tt.want {
				t.Fatalf("average %v, want %v", got, tt.want)
			}
			if got := f.q.AverageServiceTime("anm"); got != 15*m {
				t.Fatalf("other service's average moved to %v", got)
			}
		})
	}
}

// TestAverageFollowsTheDay: a run of quick services pulls the average
// toward their duration, step by step.
func TestAverageFollowsTheDay(t *testing.T) {
	f := newFixture(t, nil)
	f.at("09:00")
	prev := f.q.AverageServiceTime("anm")
	for i := range 20 {
		f.walkIn("", "anm")
		f.must("c2", queue.ActNext)
		f.must("c2", queue.ActStart)
		f.now = f.now.Add(3 * time.Minute)
		f.must("c2", queue.ActFinish)
		got := f.q.AverageServiceTime("anm")
		if got >= prev || got < 3*time.Minute {
			t.Fatalf("after %d quick services: average %v (before %v)", i+1, got, prev)
		}
		prev = got
	}
	if prev > 3*time.Minute+10*time.Second {
		t.Fatalf("average %v after 20 services of 3 minutes", prev)
	}
	w := f.q.Waiting()[1]
	f.walkIn("", "anm")
	f.walkIn("", "anm")
	if w = f.q.Waiting()[1]; w.Estimate != 2*prev/2 {
		t.Fatalf("estimate %v with the average at %v and two counters", w.Estimate, prev)
	}
}

// TestAverageSurvivesRestore: after a restart the averages are what they
// were, rebuilt from the day's finished tickets; a hub restarted at noon
// does not fall back to the configured durations.
func TestAverageSurvivesRestore(t *testing.T) {
	f := newFixture(t, nil)
	f.at("09:00")
	configured := map[string]time.Duration{}
	for _, s := range f.q.Office().Services {
		configured[s.ID] = s.Duration
	}
	for i, minutes := range []int{3, 12, 4, 7, 20, 5} {
		service := []string{"anm", "pass"}[i%2]
		f.walkIn("", service)
		f.must("c1", queue.ActNext)
		f.must("c1", queue.ActStart)
		f.now = f.now.Add(time.Duration(minutes) * time.Minute)
		f.must("c1", queue.ActFinish)
	}
	restored := queue.Restore(*f.q.Office(), f.q.State())
	for _, service := range []string{"anm", "pass"} {
		want := f.q.AverageServiceTime(service)
		if want == configured[service] {
			t.Fatalf("%s: the test did not move the average", service)
		}
		if got := restored.AverageServiceTime(service); got != want {
			t.Errorf("%s: average %v after the restart, %v before", service, got, want)
		}
	}
}

// TestEstimateFor: how long one ticket still waits — the tickets ranked
// before it, spread over the open counters, and for an appointment at least
// until its start.
func TestEstimateFor(t *testing.T) {
	const m = time.Minute
	f := newFixture(t, nil, appt("a1030", "10:30", "pass"), appt("a1000", "10:00", "pass"), appt("fz1000", "10:00", "fz"))
	f.at("09:30").walkIn("w1", "pass")
	f.at("09:31").walkIn("w2", "pass")
	f.at("09:32").walkIn("w3", "pass")
	f.checkIn("a1000", "a1000")
	f.checkIn("fz1000", "fz1000")
	f.at("10:00").checkIn("a1030", "a1030")
	f.walkIn("f1", "fz")
	f.walkIn("f2", "fz")
	f.must("c3", queue.ActNext) // fz1000 called

	tests := []struct {
		label string
		now   string
		want  time.Duration
	}{
		{"a1000", "10:00", 0},          // due, first
		{"w1", "10:00", 1 * 10 * m},    // behind a1000
		{"w3", "10:00", 3 * 10 * m},    // behind a1000, w1, w2
		{"a1030", "10:00", 4 * 10 * m}, // not due: behind everyone, which takes longer than until its start
		{"f1", "10:00", 0},
		{"f2", "10:00", 5 * m / 2},
		{"fz1000", "10:00", 0}, // called: not waiting
	}
	for _, tt := range tests {
		f.at(tt.now)
		if got := f.q.EstimateFor(f.now, f.id(tt.label)); got != tt.want {
			t.Errorf("%s at %s: %v, want %v", tt.label, tt.now, got, tt.want)
		}
	}
	if got := f.q.EstimateFor(f.now, "nope"); got != 0 {
		t.Errorf("unknown ticket: %v", got)
	}

	// Alone in the queue, an appointment still waits for its start.
	f = newFixture(t, nil, appt("a1030", "10:30", "pass"))
	f.at("10:00").checkIn("a1030", "a1030")
	for now, want := range map[string]time.Duration{"10:00": 30 * m, "10:20": 10 * m, "10:30": 0, "10:40": 0} {
		if got := f.q.EstimateFor(clock(now), f.id("a1030")); got != want {
			t.Errorf("alone at %s: %v, want %v", now, got, want)
		}
	}
}

// TestEstimateCountsTicketsSentToACounter: a ticket transferred to one
// counter waits in its service's line too, and ranks before a walk-in.
func TestEstimateCountsTicketsSentToACounter(t *testing.T) {
	f := newFixture(t, nil)
	f.at("09:00").walkIn("g1", "fz")
	f.walkIn("g2", "fz")
	before := f.q.EstimateFor(f.now, f.id("g2")) // behind g1
	if before <= 0 {
		t.Fatalf("g2 behind g1: %v, want more than 0", before)
	}
	f.must("c3", queue.ActNext)
	if got := f.q.EstimateFor(f.now, f.id("g2")); got != 0 {
		t.Errorf("g2 first with g1 called: %v, want 0", got)
	}
	if _, _, err := f.do(queue.Action{Counter: "c3", Kind: queue.ActTransfer, ToCounter: "c2"}); err != nil {
		t.Fatal(err)
	}
	if got := f.q.EstimateFor(f.now, f.id("g2")); got != before {
		t.Errorf("g2 behind g1 sent to c2: %v, want %v", got, before)
	}
}

// TestAverageAfterTransfer: a ticket transferred (or parked) and called
// again is measured from its new call; the time at the first counter and
// in the queue is not service time of the new service.
func TestAverageAfterTransfer(t *testing.T) {
	const m = time.Minute
	tests := []struct {
		name  string
		leave func(f *fixture)
		want  time.Duration // fz average after 5 minutes at c3
	}{
		{name: "transfer", leave: func(f *fixture) {
			if _, _, err := f.do(queue.Action{Counter: "c1", Kind: queue.ActTransfer, Service: "fz"}); err != nil {
				f.t.Fatal(err)
			}
		}, want: 5 * m},
		{name: "park", leave: func(f *fixture) { f.must("c1", queue.ActPark) }, want: 5 * m},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			f.at("09:00").walkIn("w", "pass")
			f.must("c1", queue.ActNext)
			f.must("c1", queue.ActStart)
			f.at("09:10")
			tt.leave(f)
			f.at("09:30")
			if _, _, err := f.do(queue.Action{Counter: "c3", Kind: queue.ActCall, Ticket: "w"}); err != nil {
				t.Fatal(err)
			}
			if tk := f.ticket("w"); !tk.Started.IsZero() {
				t.Fatalf("called again, the ticket still says it was started at %v", tk.Started.Format("15:04"))
			}
			f.at("09:35").must("c3", queue.ActFinish)
			tk := f.ticket("w")
			service := tk.Service()
			if got, want := f.q.AverageServiceTime(service), (4*f.avgBefore(service)+tt.want)/5; got != want {
				t.Fatalf("%s average %v, want %v", service, got, want)
			}
		})
	}
}

// avgBefore is the configured duration of a service of the test office.
func (f *fixture) avgBefore(service string) time.Duration {
	o := testOffice()
	s, _ := o.Service(service)
	return s.Duration
}

// TestEstimateCountsOnlyStaffedCounters: with presence tracked, a counter
// nobody is logged in at calls nobody: right after the start, and after
// the clerk logs out, the estimate says no counter serves the service.
func TestEstimateCountsOnlyStaffedCounters(t *testing.T) {
	f := newFixture(t, nil)
	f.q.TrackPresence()
	f.walkIn("w1", "fz")
	f.walkIn("w2", "fz")
	wait := func() time.Duration {
		for _, w := range f.q.Waiting() {
			if w.Service == "fz" {
				return w.Estimate
			}
		}
		t.Fatal("no line for fz")
		return 0
	}
	if got := wait(); got != -1 {
		t.Fatalf("nobody logged in: estimate %v, want -1", got)
	}
	f.q.Staff("s1", "c3", f.now.Add(time.Hour))
	if ev := f.q.StaffingChanges(f.now); len(ev) != 1 || ev[0].Type != queue.CounterStaffed || ev[0].Counter.ID != "c3" || !ev[0].Counter.Staffed {
		t.Fatalf("staffing events after a login at c3: %+v", ev)
	} else {
		f.record(ev)
	}
	if ev := f.q.StaffingChanges(f.now); len(ev) != 0 {
		t.Fatalf("staffing events without a change: %+v", ev)
	}
	if got := wait(); got != 2*5*time.Minute {
		t.Fatalf("one clerk at c3: %v, want 10m", got)
	}
	f.q.Staff("s2", "c2", f.now.Add(time.Hour))
	f.record(f.q.StaffingChanges(f.now))
	if got := wait(); got != 5*time.Minute {
		t.Fatalf("clerks at c2 and c3: %v, want 5m", got)
	}
	f.q.Unstaff("s1")
	f.q.Unstaff("s2")
	if ev := f.q.StaffingChanges(f.now); len(ev) != 2 || ev[0].Counter.Staffed || ev[1].Counter.Staffed {
		t.Fatalf("staffing events after both logged out: %+v", ev)
	}
	if got := wait(); got != -1 {
		t.Fatalf("after both logged out: %v, want -1", got)
	}
	if p := f.q.Places(f.now, []string{f.id("w2")})[f.id("w2")]; p.Wait != -1 {
		t.Fatalf("the phone's estimate after the logout: %v, want -1", p.Wait)
	}
}

// TestStaffingAfterARestart: nobody is present after a restart; the
// counters the store kept as staffed are announced unstaffed, once.
func TestStaffingAfterARestart(t *testing.T) {
	q := queue.Restore(testOffice(), queue.State{Day: testDay, Counters: []queue.CounterState{
		{ID: "c1", Open: true, Staffed: true}, {ID: "c2", Open: true}, {ID: "c3", Open: true, Staffed: true}}})
	q.TrackPresence()
	ev := q.StaffingChanges(clock("08:00"))
	if len(ev) != 2 || ev[0].Counter.ID != "c1" || ev[1].Counter.ID != "c3" || ev[0].Counter.Staffed || ev[1].Counter.Staffed {
		t.Fatalf("after the restart: %+v, want c1 and c3 unstaffed", ev)
	}
	if ev := q.StaffingChanges(clock("08:00")); len(ev) != 0 {
		t.Fatalf("announced twice: %+v", ev)
	}
}
