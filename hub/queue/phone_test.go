package queue_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"lotse/hub/queue"
)

// TestWithdraw: a ticket given up from the phone ends as cancelled, frees
// its counter, and tells the booking backend "cancelled" for an
// appointment, never for a walk-in, and never after a no-show report.
func TestWithdraw(t *testing.T) {
	for _, tc := range []struct {
		name       string
		setup      func(f *fixture) // leaves the ticket labelled "x"
		wantCode   queue.Code       // "" for success
		wantReport queue.Report
		wantEvent  bool
	}{
		{"waiting walk-in", func(f *fixture) { f.walkIn("x", "pass") }, "", "", true},
		{"waiting appointment", func(f *fixture) { f.checkIn("x", "a1") }, "", queue.ReportCancelled, true},
		{"called", func(f *fixture) { f.checkIn("x", "a1"); f.must("c1", queue.ActNext) }, "", queue.ReportCancelled, true},
		{"parked", func(f *fixture) {
			f.walkIn("x", "pass")
			f.must("c1", queue.ActNext)
			f.must("c1", queue.ActPark)
		}, "", "", true},
		{"missed and reported", func(f *fixture) {
			f.checkIn("x", "a1")
			f.must("c1", queue.ActNext)
			for i := 0; f.ticket("x").State == queue.Called && i < 10; i++ {
				f.must("c1", queue.ActNoShow)
			}
			if tk := f.ticket("x"); tk.State != queue.Missed || !tk.NoShowReported {
				f.t.Fatalf("setup: %s, reported %v", tk.State, tk.NoShowReported)
			}
		}, "", "", true},
		{"serving", func(f *fixture) {
			f.checkIn("x", "a1")
			f.must("c1", queue.ActNext)
			f.must("c1", queue.ActStart)
		}, queue.Conflict, "", false},
		{"done", func(f *fixture) {
			f.checkIn("x", "a1")
			f.must("c1", queue.ActNext)
			f.must("c1", queue.ActStart)
			f.must("c1", queue.ActFinish)
		}, queue.Conflict, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, nil, appt("a1", "09:00", "pass")).at("08:45")
			tc.setup(f)
			before := f.ticket("x")
			tk, events, err := f.q.Withdraw(f.now, f.id("x"))
			f.record(events)
			if tc.wantCode != "" {
				wantCode(t, "withdraw", err, tc.wantCode)
				if len(events) != 0 || f.ticket("x").State != before.State {
					t.Fatalf("a refused withdraw changed the ticket: %v, %s", eventTypes(events), f.ticket("x").State)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tk.State != queue.Cancelled || len(events) != 1 || events[0].Type != queue.TicketWithdrawn {
				t.Fatalf("got %s with %v, want cancelled with one withdrawn event", tk.State, eventTypes(events))
			}
			if events[0].Report != tc.wantReport {
				t.Errorf("report %q, want %q", events[0].Report, tc.wantReport)
			}
			for _, c := range f.q.Counters() {
				if c.Ticket == tk.ID {
					t.Errorf("counter %s still holds the withdrawn ticket", c.ID)
				}
			}
			if before.State == queue.Called && (events[0].Counter == nil || events[0].Counter.Ticket != "") {
				t.Errorf("the event does not free the counter: %+v", events[0].Counter)
			}
			// Twice: the same answer, no second event.
			again, events, err := f.q.Withdraw(f.now, tk.ID)
			if err != nil || len(events) != 0 || again.State != queue.Cancelled {
				t.Fatalf("second withdraw: %s, %d events, %v", again.State, len(events), err)
			}
		})
	}
	f := newFixture(t, nil)
	_, _, err := f.q.Withdraw(f.now, "nope")
	wantCode(t, "unknown ticket", err, queue.NotFound)
}

// TestPlaces: the people ahead follow the order "next" calls in, per
// line, and the wait is spread over the open counters of the service.
func TestPlaces(t *testing.T) {
	f := newFixture(t, nil, appt("a1", "09:00", "anm")).at("08:50")
	f.walkIn("w1", "anm")
	f.walkIn("w2", "anm")
	f.walkIn("p1", "pass")
	f.checkIn("a1", "a1") // due at 09:00: ranks before the walk-ins then
	f.priority("prio", "anm")
	f.at("09:00")
	places := f.q.Places(f.now, []string{f.id("w1"), f.id("w2"), f.id("p1"), f.id("a1"), f.id("prio"), "unknown"})
	want := map[string]int{"prio": 0, "a1": 1, "w1": 2, "w2": 3, "p1": 0}
	if len(places) != len(want) {
		t.Fatalf("got %d places, want %d: %v", len(places), len(want), places)
	}
	for label, ahead := range want {
		p := places[f.id(label)]
		if p.Ahead != ahead {
			t.Errorf("%s: %d ahead, want %d", label, p.Ahead, ahead)
		}
		// anm: 15 min per person over c1 and c2.
		if label != "p1" && p.Wait != time.Duration(ahead)*15*time.Minute/2 {
			t.Errorf("%s: wait %v, want %v", label, p.Wait, time.Duration(ahead)*15*time.Minute/2)
		}
	}
	f.must("c2", queue.ActNext) // calls prio
	places = f.q.Places(f.now, []string{f.id("prio"), f.id("w1")})
	if _, ok := places[f.id("prio")]; ok {
		t.Error("a called ticket has a place in the line")
	}
	if places[f.id("w1")].Ahead != 1 {
		t.Errorf("w1: %d ahead after a call, want 1", places[f.id("w1")].Ahead)
	}
	f.must("c1", queue.ActPause)
	f.must("c2", queue.ActPause)
	if p := f.q.Places(f.now, []string{f.id("w1")})[f.id("w1")]; p.Wait != -1 {
		t.Errorf("wait with every counter paused: %v, want -1", p.Wait)
	}
}

// TestStatusTokens: every new ticket takes a token from the source, and
// the token never enters the event log's form of the ticket.
func TestStatusTokens(t *testing.T) {
	f := newFixture(t, nil, appt("a1", "09:00", "pass")).at("08:45")
	n := 0
	f.q.SetTokenSource(func() string { n++; return "token-" + string(rune('a'+n)) })
	w := f.walkIn("w", "pass")
	a := f.checkIn("a", "a1")
	if w.StatusToken != "token-b" || a.StatusToken != "token-c" {
		t.Fatalf("tokens %q and %q, want token-b and token-c", w.StatusToken, a.StatusToken)
	}
	for _, e := range f.events {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "token-") {
			t.Fatalf("event %s carries the token: %s", e.Type, b)
		}
	}
}
