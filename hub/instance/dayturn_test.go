package instance_test

import (
	"testing"
	"time"

	"lotse/hub/api"
	"lotse/hub/booking/demo"
	"lotse/hub/office"
	"lotse/hub/queue"
)

// tickOffice runs the office's time-driven rules now and waits until they
// are committed (the loop applies commands in order).
func (h *testHub) tickOffice(t *testing.T, id string) {
	t.Helper()
	l := h.Loops[id]
	l.TickNow()
	if _, err := l.Do(ctx(t), func(*queue.Queue, time.Time) (any, []queue.Event, error) { return nil, nil, nil }); err != nil {
		t.Fatal(err)
	}
}

// TestDayTurnReachesEveryStreamClient: across a day turn of a running hub,
// a live stream client gets day_turned as the last event of the turn, and
// a client resuming with a seq from yesterday gets a fresh snapshot of the
// new day, never yesterday's calls.
func TestDayTurnReachesEveryStreamClient(t *testing.T) {
	h := startHub(t, "", nil)
	c := ctx(t)
	for range 3 {
		if _, err := h.device.WalkIn(c, mitte, api.WalkInRequest{Service: "anmeldung"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.clerk.Act(c, mitte, "schalter-1", api.ActionNext, api.ActionRequest{}); err != nil {
		t.Fatal(err)
	}
	live, err := h.device.Stream(c, mitte, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	snap := next(t, live).Snapshot
	if snap == nil || len(snap.Calls) == 0 {
		t.Fatalf("first message: %+v", snap)
	}
	yesterday := snap.Seq

	// Midnight: the new date must hold before the day turns.
	midnight := h.clock.Now().Add(14*time.Hour + 30*time.Second)
	h.clock.Set(midnight)
	h.tickOffice(t, mitte)
	h.clock.Set(midnight.Add(office.DefaultDayTurnHold))
	h.tickOffice(t, mitte)
	newDay := h.clock.Now().In(demo.Offices()[0].Location).Format(queue.DayFormat)

	var turned int64
	for turned == 0 {
		e := nextEvent(t, live)
		switch e.Type {
		case api.EventDayTurned:
			if e.Ticket != nil {
				t.Fatalf("day_turned carries a ticket: %+v", e.Ticket)
			}
			turned = e.Seq
		case "cancelled", "missed":
		default:
			t.Fatalf("unexpected event %s in the day turn", e.Type)
		}
	}

	tests := []struct {
		name     string
		since    int64
		snapshot bool
	}{
		{"since yesterday's last seq", yesterday, true},
		{"since the event before the turn", turned - 1, true},
		{"since the turn", turned, false},
	}
	streams := make([]*api.Stream, len(tests))
	for i, tc := range tests {
		s, err := h.device.Stream(c, mitte, tc.since)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		streams[i] = s
		if !tc.snapshot {
			continue
		}
		m := next(t, s)
		if m.Snapshot == nil {
			t.Fatalf("%s: first message %s, want a snapshot", tc.name, m.Raw)
		}
		if m.Snapshot.Day != newDay || len(m.Snapshot.Calls) != 0 || len(m.Snapshot.Tickets) != 0 || m.Snapshot.Seq != turned {
			t.Fatalf("%s: snapshot of day %s at seq %d with %d calls and %d tickets", tc.name, m.Snapshot.Day, m.Snapshot.Seq, len(m.Snapshot.Calls), len(m.Snapshot.Tickets))
		}
	}
	listed, err := h.device.Events(c, mitte, yesterday)
	if err != nil || len(listed) != 1 || listed[0].Type != api.EventDayTurned {
		t.Fatalf("events since yesterday: %+v, %v", listed, err)
	}

	// Every client goes on with the new day's first ticket.
	tk, err := h.device.WalkIn(c, mitte, api.WalkInRequest{Service: "anmeldung"})
	if err != nil || tk.Number != "A001" {
		t.Fatalf("first ticket of the new day: %+v, %v", tk, err)
	}
	for i, s := range append(streams, live) {
		if e := nextEvent(t, s); e.Type != "walked_in" || e.Seq != turned+1 {
			t.Fatalf("client %d: event %s seq %d after the turn", i, e.Type, e.Seq)
		}
	}
}
