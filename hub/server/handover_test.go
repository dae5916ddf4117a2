package server

import (
	"context"
	"testing"
	"time"

	"lotse/hub/api"
	"lotse/hub/booking/demo"
)

// TestHandoverNoteIsPlainText: the note a clerk gives the next one with a
// transfer reaches that clerk without control, bidi or invisible
// characters, as every text a person sees.
func TestHandoverNoteIsPlainText(t *testing.T) {
	h := newTestHub(t)
	office := h.Offices[0].ID
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var from, to string
	for _, c := range h.Offices[0].Counters {
		if c.Serves(demo.Meldebescheinigung) {
			if from == "" {
				from = c.ID
			} else if to == "" {
				to = c.ID
			}
		}
	}
	tk := h.WalkIn(t, office, demo.Meldebescheinigung)
	if _, err := h.Clerk().Act(ctx, office, from, api.ActionCall, api.ActionRequest{Ticket: tk.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Clerk().Act(ctx, office, from, api.ActionStart, api.ActionRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Clerk().Act(ctx, office, from, api.ActionTransfer, api.ActionRequest{Counter: to,
		Handover: "Pass\u0000 fehlt\u200b;\u202e bitte\u0007 Foto\r\nprüfen"}); err != nil {
		t.Fatal(err)
	}
	res, err := h.Clerk().Act(ctx, office, to, api.ActionNext, api.ActionRequest{})
	if err != nil || res.Ticket == nil || res.Ticket.ID != tk.ID {
		t.Fatalf("next at %s: %+v, %v", to, res, err)
	}
	if want := "Pass fehlt; bitte Foto prüfen"; res.Ticket.Handover != want {
		t.Fatalf("the next clerk reads %q, want %q", res.Ticket.Handover, want)
	}
}
