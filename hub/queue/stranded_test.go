package queue_test

import (
	"slices"
	"testing"

	"lotse/hub/queue"
)

// TestNoStrandedTickets: however a waiting ticket lost the counter meant
// for it, "next" at another counter calls it, with a note for the clerk,
// and no ticket is left waiting while a counter is open.
//
//	c1: pass, anm    c2: anm, fz    c3: fz    (nobody serves kfz)
func TestNoStrandedTickets(t *testing.T) {
	without := func(counter string) func(*queue.Office) {
		return func(o *queue.Office) {
			var keep []queue.Counter
			for _, c := range o.Counters {
				if c.ID != counter {
					keep = append(keep, c)
				}
			}
			o.Counters = keep
		}
	}
	restart := func(f *fixture, edit func(*queue.Office)) {
		o := testOffice()
		edit(&o)
		f.q = queue.Restore(o, f.q.State())
		f.tick()
	}
	transfer := func(f *fixture, to string) {
		f.t.Helper()
		if _, _, err := f.do(queue.Action{Counter: "c1", Kind: queue.ActCall, Ticket: "x"}); err != nil {
			f.t.Fatal(err)
		}
		if _, _, err := f.do(queue.Action{Counter: "c1", Kind: queue.ActTransfer, ToCounter: to}); err != nil {
			f.t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		setup   func(f *fixture)
		counter string // where "next" calls x
		note    string
	}{
		{"transferred to a paused counter", func(f *fixture) {
			f.must("c3", queue.ActPause)
			transfer(f, "c3")
		}, "c2", queue.NoteTargetClosed},
		{"its counter pauses after the transfer", func(f *fixture) {
			transfer(f, "c3")
			wantLabels(f.t, "c2 before the pause", f.candidates("c2"), nil)
			f.must("c3", queue.ActPause)
		}, "c2", queue.NoteTargetClosed},
		{"its counter pauses and opens again", func(f *fixture) {
			transfer(f, "c3")
			f.must("c3", queue.ActPause)
			f.must("c3", queue.ActOpen)
			wantLabels(f.t, "c2 after the counter opened", f.candidates("c2"), nil)
		}, "c3", ""},
		{"transferred to a counter of other services that pauses", func(f *fixture) {
			transfer(f, "c1") // c1 does not serve fz
			f.must("c1", queue.ActPause)
		}, "c3", queue.NoteTargetClosed},
		{"its counter is removed from the configuration", func(f *fixture) {
			transfer(f, "c3")
			restart(f, without("c3"))
		}, "c2", queue.NoteTargetClosed},
		{"called at a counter that is removed", func(f *fixture) {
			f.must("c3", queue.ActNext)
			restart(f, without("c3"))
			if st := f.ticket("x").State; st != queue.Waiting {
				f.t.Fatalf("after the restart x is %s", st)
			}
		}, "c2", queue.NoteCounterGone},
		{"no open counter serves its service", func(f *fixture) {
			f.walkIn("p", "pass")
			f.must("c2", queue.ActPause)
			f.must("c3", queue.ActPause)
			wantLabels(f.t, "c1 calls its own people first", f.candidates("c1"), []string{"p", "x"})
			f.must("c1", queue.ActNext)
			f.must("c1", queue.ActFinish)
		}, "c1", queue.NoteNoOpenCounter},
		{"transferred to a paused counter, and its service has no open counter", func(f *fixture) {
			f.must("c2", queue.ActPause)
			f.must("c3", queue.ActPause)
			transfer(f, "c3")
		}, "c1", queue.NoteNoOpenCounter},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, nil)
			f.at("09:00").walkIn("x", "fz")
			tc.setup(f)
			tk, _, err := f.do(queue.Action{Counter: tc.counter, Kind: queue.ActNext})
			if err != nil || tk.ID != f.id("x") {
				t.Fatalf("next at %s: %s, %v; want x", tc.counter, f.label(tk.ID), err)
			}
			if tk.Note != tc.note || f.ticket("x").Note != tc.note {
				t.Fatalf("note %q, want %q", tk.Note, tc.note)
			}
			drain(f)
		})
	}

	// A service no counter serves at all: a booking for it still gets
	// called.
	t.Run("no counter serves its service", func(t *testing.T) {
		f := newFixture(t, nil, appt("a1", "09:00", "kfz"))
		f.at("08:50").checkIn("x", "a1")
		for _, c := range []string{"c1", "c2", "c3"} {
			list, err := f.q.Candidates(f.now, c)
			if err != nil || len(list) != 1 || list[0].Note != queue.NoteNoOpenCounter {
				t.Fatalf("%s is offered %+v, %v", c, list, err)
			}
		}
		if tk := f.must("c2", queue.ActNext); tk.ID != f.id("x") || tk.Note != queue.NoteNoOpenCounter {
			t.Fatalf("next = %+v", tk)
		}
	})
}

// drain presses "next" at every open counter until nobody is called, and
// fails if a ticket is still waiting: the board would show it waiting
// while every "next" answers that nobody is.
func drain(f *fixture) {
	f.t.Helper()
	for called := true; called; {
		called = false
		for _, c := range f.q.Counters() {
			if !c.Open {
				continue
			}
			if c.Ticket != "" {
				f.must(c.ID, queue.ActFinish)
			}
			if _, _, err := f.do(queue.Action{Counter: c.ID, Kind: queue.ActNext}); err == nil {
				called = true
				f.must(c.ID, queue.ActFinish)
			}
		}
	}
	if left := f.q.Tickets(func(t *queue.Ticket) bool { return t.State == queue.Waiting }); len(left) > 0 {
		f.t.Fatalf("%d tickets left waiting, e.g. %s for %s (target %q)", len(left), left[0].Number, left[0].Service(), left[0].TargetCounter)
	}
}

// TestPresence: with presence tracked, an open counter takes tickets only
// while a clerk is present: a live session (until it ends or expires) or
// an action without a session in the last ActedStaffing. A ticket
// transferred to a counter nobody works at is offered to the others.
//
//	c1: pass, anm    c2: anm, fz    c3: fz
func TestPresence(t *testing.T) {
	f := newFixture(t, nil)
	f.q.TrackPresence()
	f.at("09:00").walkIn("x", "anm")
	f.must("c1", queue.ActNext)
	if _, _, err := f.do(queue.Action{Counter: "c1", Kind: queue.ActTransfer, ToCounter: "c2"}); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name    string
		do      func()
		c1, c2  bool
		offered bool // c1 may call x, transferred to c2
	}{
		{"nobody present", func() { f.at("09:10").tick() }, false, false, true},
		{"a session at c2", func() { f.q.Staff("s1", "c2", clock("18:00")) }, false, true, false},
		{"an action without a session at c1", func() { f.must("c1", queue.ActOpen) }, true, true, false},
		{"its staffing is over", func() { f.at("09:15").tick() }, false, true, false},
		{"the session moves to c1", func() { f.q.Staff("s1", "c1", clock("18:00")) }, true, false, true},
		{"the session ends", func() { f.q.Unstaff("s1") }, false, false, true},
		{"a session that expires", func() { f.q.Staff("s2", "c2", clock("10:00")) }, false, true, false},
		{"it expired", func() { f.at("10:00").tick() }, false, false, true},
	}
	for _, s := range steps {
		s.do()
		offered := slices.Contains(f.candidates("c1"), "x")
		if f.q.Staffed("c1") != s.c1 || f.q.Staffed("c2") != s.c2 || offered != s.offered {
			t.Fatalf("%s: staffed c1 %v c2 %v, x offered at c1 %v; want %v %v %v", s.name, f.q.Staffed("c1"), f.q.Staffed("c2"), offered, s.c1, s.c2, s.offered)
		}
	}
}
