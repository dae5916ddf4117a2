package queue_test

import (
	"testing"
	"time"

	"lotse/hub/queue"
)

// TestPriorityAlternation: priority first, but after the policy's run of
// priority calls in a row a normal ticket that waited long enough is
// called before the next priority ticket. The order "next" takes and the
// order Candidates shows must agree.
func TestPriorityAlternation(t *testing.T) {
	tests := []struct {
		name   string
		run    int
		yield  time.Duration
		arrive string // when the normal ticket N arrives; the priority ones come at 09:00
		want   []string
	}{
		{name: "normal waited long enough: after two priority calls", run: 2, yield: 20 * time.Minute, arrive: "08:30",
			want: []string{"P1", "P2", "N", "P3", "P4"}},
		{name: "run of one", run: 1, yield: 20 * time.Minute, arrive: "08:30",
			want: []string{"P1", "N", "P2", "P3", "P4"}},
		{name: "normal not waited long enough: priority first", run: 2, yield: 20 * time.Minute, arrive: "08:55",
			want: []string{"P1", "P2", "P3", "P4", "N"}},
		{name: "rule off", run: 0, yield: 20 * time.Minute, arrive: "08:30",
			want: []string{"P1", "P2", "P3", "P4", "N"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, func(o *queue.Office) {
				o.Policy.PriorityRun, o.Policy.PriorityYieldAfter = tt.run, tt.yield
			})
			f.at(tt.arrive).walkIn("N", "fz")
			f.at("09:00")
			for _, l := range []string{"P1", "P2", "P3", "P4"} {
				f.priority(l, "fz")
			}
			var got []string
			for range tt.want {
				f.now = f.now.Add(time.Minute)
				cand := f.candidates("c3")
				tk := f.must("c3", queue.ActNext)
				if cand[0] != f.label(tk.ID) {
					t.Fatalf("%s: next called %s, Candidates put %s first (%v)", f.now.Format("15:04"), f.label(tk.ID), cand[0], cand)
				}
				got = append(got, f.label(tk.ID))
				f.must("c3", queue.ActStart)
				f.must("c3", queue.ActFinish)
			}
			wantLabels(t, "call order", got, tt.want)
		})
	}
}

// TestPriorityRunSurvivesRestore: the run of priority calls is rebuilt
// from the stored tickets, so a restart does not give a counter a fresh run.
func TestPriorityRunSurvivesRestore(t *testing.T) {
	f := newFixture(t, nil)
	f.at("08:30").walkIn("N", "fz")
	f.at("09:00")
	for _, l := range []string{"P1", "P2", "P3"} {
		f.priority(l, "fz")
	}
	for range 2 {
		f.must("c3", queue.ActNext)
		f.must("c3", queue.ActFinish)
	}
	q := queue.Restore(*f.q.Office(), f.q.State())
	tk, _, err := q.Do(f.now, queue.Action{Counter: "c3", Kind: queue.ActNext})
	if err != nil || tk.ID != f.id("N") {
		t.Fatalf("after restart next called %s (%v), want the normal ticket N", f.label(tk.ID), err)
	}
}

// TestPriorityLevels: the desk picks one of the office's levels; the ticket
// carries it, and an unknown level is refused.
func TestPriorityLevels(t *testing.T) {
	levels := []queue.PriorityLevel{{ID: "behinderung", Name: "Behinderung"}, {ID: "schwanger", Name: "Schwangerschaft"}}
	tests := []struct {
		name  string
		level string
		code  queue.Code
	}{
		{name: "configured level", level: "schwanger"},
		{name: "unknown level", level: "vip", code: queue.Invalid},
		{name: "empty level", level: "", code: queue.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, func(o *queue.Office) { o.PriorityLevels = levels }).at("09:00")
			tk, events, err := f.q.WalkInLevel(f.now, "pass", tt.level)
			f.record(events)
			wantCode(t, "walk-in", err, tt.code)
			if err != nil {
				return
			}
			if !tk.Priority || tk.PriorityLevel != tt.level {
				t.Fatalf("ticket priority %v level %q, want true %q", tk.Priority, tk.PriorityLevel, tt.level)
			}
			if e := events[0].Ticket; e.PriorityLevel != tt.level {
				t.Fatalf("event carries level %q", e.PriorityLevel)
			}
		})
	}
	o := testOffice()
	o.PriorityLevels = []queue.PriorityLevel{{ID: "a", Name: "A"}, {ID: "a", Name: "B"}}
	if err := o.Validate(); queue.ErrorCode(err) != queue.Invalid {
		t.Fatalf("duplicate level id: %v", err)
	}
}
