package server

import (
	"context"
	"testing"
	"time"

	"lotse/hub/api"
	"lotse/hub/booking/demo"
)

// TestUnstaffedCountersAreClosed: after the start nobody is at a counter:
// the board shows every counter closed and the estimates say no counter
// serves; a clerk's first action opens that counter on the board at once
// (counter_staffed), and the estimate after the action counts it.
func TestUnstaffedCountersAreClosed(t *testing.T) {
	h := newTestHub(t)
	office := h.Offices[0].ID
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h.WalkIn(t, office, demo.Meldebescheinigung)
	h.WalkIn(t, office, demo.Meldebescheinigung)
	snap, err := h.Device().Queue(ctx, office)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range snap.Counters {
		if !c.Closed || c.Staffed {
			t.Errorf("nobody logged in: counter %s closed %v staffed %v", c.ID, c.Closed, c.Staffed)
		}
	}
	if w := waitOf(snap.Waiting, demo.Meldebescheinigung); w != -1 {
		t.Errorf("nobody logged in: wait %d, want -1", w)
	}
	stream, err := h.Device().Stream(ctx, office, snap.Seq)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	if _, err := h.Clerk().Act(ctx, office, "schalter-1", api.ActionNext, api.ActionRequest{}); err != nil {
		t.Fatal(err)
	}
	for {
		m, err := stream.Next()
		if err != nil {
			t.Fatal(err)
		}
		// The office's tick runs meanwhile: a booked person who never
		// came is no part of the clerk's action.
		if m.Event == nil || m.Event.Type == api.EventAppointmentNoShow {
			continue
		}
		if m.Event.Type != api.EventCounterStaffed || m.Event.Counter == nil || m.Event.Counter.ID != "schalter-1" ||
			m.Event.Counter.Closed || !m.Event.Counter.Staffed {
			t.Fatalf("first event after the clerk's action: %s", m.Raw)
		}
		break
	}
	// The waiting lines after the action come with the last of its
	// events (the call that follows the counter's staffing).
	for {
		m, err := stream.Next()
		if err != nil {
			t.Fatal(err)
		}
		if m.Event == nil || m.Event.Waiting == nil {
			continue
		}
		if w := waitOf(m.Event.Waiting, demo.Meldebescheinigung); w < 0 {
			t.Fatalf("the estimate with a clerk at schalter-1: %d", w)
		}
		break
	}
	snap, err = h.Device().Queue(ctx, office)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range snap.Counters {
		if want := c.ID != "schalter-1"; c.Closed != want {
			t.Errorf("after the action: counter %s closed %v, want %v", c.ID, c.Closed, want)
		}
	}
}

func waitOf(list []api.ServiceWait, service string) int {
	for _, w := range list {
		if w.Service == service {
			return w.WaitMinutes
		}
	}
	return -2
}

// TestOneEstimate: what the board shows for a service is what the kiosk
// then tells the person who draws a ticket for it, with nobody at a
// counter (no counter serves it) and with clerks at some.
func TestOneEstimate(t *testing.T) {
	h := newTestHub(t)
	office := h.Offices[0].ID
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	draw := func(step string) {
		t.Helper()
		snap, err := h.Device().Queue(ctx, office)
		if err != nil {
			t.Fatal(err)
		}
		board := waitOf(snap.Waiting, demo.Meldebescheinigung)
		tk := h.WalkIn(t, office, demo.Meldebescheinigung)
		if tk.WaitMinutes == nil || *tk.WaitMinutes != board {
			t.Fatalf("%s: the board said %d, the kiosk tells %v", step, board, tk.WaitMinutes)
		}
	}
	draw("nobody at a counter")
	draw("nobody at a counter, one waiting")
	if _, err := h.Clerk().Act(ctx, office, "schalter-1", api.ActionOpen, api.ActionRequest{}); err != nil {
		t.Fatal(err)
	}
	draw("a clerk at schalter-1")
	draw("a clerk at schalter-1, three waiting")
	if _, err := h.Clerk().Act(ctx, office, "schalter-2", api.ActionOpen, api.ActionRequest{}); err != nil {
		t.Fatal(err)
	}
	draw("clerks at two counters")
}
