package queue_test

import (
	"strings"
	"testing"

	"lotse/hub/queue"
)

// TestOutcomeAndHandover: every action that finishes a visit (finish,
// next and call over a ticket in service or reported served) records the
// outcome the clerk picked on the finished ticket, and only there; an
// outcome the office does not know, or a note that is too long, is
// refused before anything changes. A transfer's note travels with the
// ticket to the next clerk and is gone once it is served.
func TestOutcomeAndHandover(t *testing.T) {
	tests := []struct {
		name     string
		edit     func(*queue.Office)
		kind     queue.ActionKind // the action that ends w1, being served at c1
		outcome  string
		current  queue.Report
		wantCode queue.Code
		want     string // w1's outcome afterwards
	}{
		{name: "finish", kind: queue.ActFinish, outcome: "documents_missing", want: "documents_missing"},
		{name: "finish without one", kind: queue.ActFinish, want: ""},
		{name: "next over a ticket in service", kind: queue.ActNext, outcome: "referred", want: "referred"},
		{name: "call over a ticket in service", kind: queue.ActCall, outcome: "continued", want: "continued"},
		{name: "unknown outcome", kind: queue.ActFinish, outcome: "lost", wantCode: queue.Invalid},
		{name: "an office's own list", kind: queue.ActFinish, outcome: "appeal",
			edit: func(o *queue.Office) { o.Outcomes = []queue.Outcome{{ID: "appeal", Name: "Widerspruch"}} }, want: "appeal"},
		{name: "a default the office replaced", kind: queue.ActFinish, outcome: "done",
			edit: func(o *queue.Office) { o.Outcomes = []queue.Outcome{{ID: "appeal", Name: "Widerspruch"}} }, wantCode: queue.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.edit)
			f.walkIn("w1", "pass")
			f.walkIn("w2", "pass")
			f.must("c1", queue.ActNext)
			f.must("c1", queue.ActStart)
			a := queue.Action{Counter: "c1", Kind: tt.kind, Outcome: tt.outcome, Current: tt.current}
			if tt.kind == queue.ActCall {
				a.Ticket = "w2"
			}
			_, events, err := f.do(a)
			if tt.wantCode != "" {
				wantCode(t, tt.name, err, tt.wantCode)
				if len(events) != 0 || f.ticket("w1").State != queue.Serving {
					t.Fatalf("a refused action changed the queue: %v, w1 %s", eventTypes(events), f.ticket("w1").State)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			w1 := f.ticket("w1")
			if w1.State != queue.Done || w1.Outcome != tt.want {
				t.Fatalf("w1 %s with outcome %q, want done with %q", w1.State, w1.Outcome, tt.want)
			}
			for _, e := range events {
				if e.Type == queue.TicketFinished && e.Ticket.Outcome != tt.want {
					t.Fatalf("the finish event carries outcome %q", e.Ticket.Outcome)
				}
				if e.Type == queue.TicketCalled && e.Ticket.Outcome != "" {
					t.Fatalf("the called ticket took the outcome: %q", e.Ticket.Outcome)
				}
			}
		})
	}

	t.Run("handover", func(t *testing.T) {
		f := newFixture(t, nil)
		f.walkIn("w1", "anm")
		f.must("c1", queue.ActNext)
		long := strings.Repeat("ä", queue.MaxHandover+1)
		_, _, err := f.do(queue.Action{Counter: "c1", Kind: queue.ActTransfer, ToCounter: "c2", Handover: long})
		wantCode(t, "a note too long", err, queue.Invalid)
		if _, _, err := f.do(queue.Action{Counter: "c1", Kind: queue.ActTransfer, ToCounter: "c2", Handover: "  Meldebescheinigung fehlt  "}); err != nil {
			t.Fatal(err)
		}
		if got := f.ticket("w1").Handover; got != "Meldebescheinigung fehlt" {
			t.Fatalf("handover %q", got)
		}
		tk := f.must("c2", queue.ActNext)
		if tk.Handover != "Meldebescheinigung fehlt" {
			t.Fatalf("the next clerk gets %q", tk.Handover)
		}
		f.must("c2", queue.ActStart)
		f.must("c2", queue.ActFinish)
		if got := f.ticket("w1").Handover; got != "" {
			t.Fatalf("served, the note stays: %q", got)
		}
	})
}
