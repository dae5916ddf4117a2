package server

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"

	"lotse/hub/api"
	"lotse/hub/booking/demo"
)

// TestNextAfterAnUnstartedCallAsksTheClerk: "next" while the counter's
// ticket was called but never started answers 409 current_not_started
// until the clerk says how it ended; the workplace asks, and only the
// clerk's answer reaches the booking backend.
func TestNextAfterAnUnstartedCallAsksTheClerk(t *testing.T) {
	h := newTestHub(t)
	ctx := context.Background()
	clerk := h.Clerk()
	var w []api.Ticket
	for range 4 {
		w = append(w, h.WalkIn(t, webOffice, demo.Meldebescheinigung))
	}
	if _, err := clerk.Act(ctx, webOffice, "schalter-2", api.ActionNext, api.ActionRequest{}); err != nil {
		t.Fatal(err)
	}
	_, err := clerk.Act(ctx, webOffice, "schalter-2", api.ActionNext, api.ActionRequest{})
	var ae *api.Error
	if !errors.As(err, &ae) || ae.Status != http.StatusConflict || ae.Code != api.CodeCurrentNotStarted {
		t.Fatalf("next after an unstarted call: %v", err)
	}
	if tk := ticketState(t, h, w[0].ID); tk.State != api.StateCalled {
		t.Fatalf("the refused next changed %s to %s", w[0].Number, tk.State)
	}
	res, err := clerk.Act(ctx, webOffice, "schalter-2", api.ActionNext, api.ActionRequest{Current: api.CurrentNoShow})
	if err != nil || res.Ticket == nil || res.Ticket.ID != w[1].ID {
		t.Fatalf("next with the clerk's word: %+v, %v", res, err)
	}
	if tk := ticketState(t, h, w[0].ID); tk.State != api.StateMissed {
		t.Fatalf("%s is %s, want missed", w[0].Number, tk.State)
	}

	b := newBrowser(t)
	a := b.newTab(t, h.URL)
	a.login("", "schalter-1")
	a.waitInList("queue-list", w[2].Number)
	a.waitEnabled("next")
	a.key("n")
	a.waitCurrent(w[2].Number)
	steps := []struct {
		choice  string // the dialog's button, "" for cancel
		current string // the counter's ticket afterwards
		state   string // w[2]'s state afterwards
	}{
		{"", w[2].Number, api.StateCalled},
		{api.CurrentServed, w[3].Number, api.StateDone},
	}
	for _, s := range steps {
		a.waitEnabled("next")
		a.key("n")
		a.waitFor("the question", `!!document.querySelector("#current-dialog[open]")`)
		if s.choice == "" {
			a.do(chromedp.Click(`#current-dialog .dialog-buttons button:not([data-current])`))
		} else {
			a.do(chromedp.Click(`#current-dialog [data-current="` + s.choice + `"]`))
		}
		a.waitFor("dialog gone", `!document.querySelector("#current-dialog")`)
		a.waitCurrent(s.current)
		if tk := ticketState(t, h, w[2].ID); tk.State != s.state {
			t.Fatalf("after %q: %s is %s, want %s", s.choice, w[2].Number, tk.State, s.state)
		}
	}
}
