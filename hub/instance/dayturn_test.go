package instance_test

import (
	"reflect"
	"testing"
	"time"

	"lotse/hub/api"
	"lotse/hub/booking/demo"
	"lotse/hub/office"
	"lotse/hub/queue"
	"lotse/hub/server"
)

// tickOffice runs the office's time-driven rules now and waits until they
// are committed (the loop applies commands in order).
func (h *testHub) tickOffice(t *testing.T, id string) {
	t.Helper()
	l := h.Loops[id]
	l.TickNow()
	if _, err := office.Do(ctx(t), l, func(*queue.Queue, time.Time) (struct{}, []queue.Event, error) { return struct{}{}, nil, nil }); err != nil {
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

	// A real midnight (time passes; the clock does not jump): the new
	// date must hold before the day turns.
	h.clock.Advance(14*time.Hour + 30*time.Second)
	h.tickOffice(t, mitte)
	h.clock.Advance(office.DefaultDayTurnHold)
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

// TestClockJumpKeepsTheBoard: a forward jump of 24 h during opening hours
// that holds carries the day over. A board that ran through the jump gets
// no event from it and shows exactly what a freshly started board shows;
// the waiting keep their place, the numbering goes on, and the new date's
// bookings can check in. The hub restarted on the same file shows the same.
func TestClockJumpKeepsTheBoard(t *testing.T) {
	h := startHub(t, "", nil)
	c := ctx(t)
	for range 4 {
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
	board := next(t, live).Snapshot
	if board == nil || len(board.Calls) != 1 || len(board.Tickets) != 4 {
		t.Fatalf("first message: %+v", board)
	}

	h.clock.Set(h.clock.Now().Add(24 * time.Hour))
	h.tickOffice(t, mitte)
	jumped := h.clock.Now()
	if err := h.Syncer.SyncOffice(c, mitte); err != nil { // the new date's list, while it holds
		t.Fatal(err)
	}
	for range 13 {
		h.clock.Advance(5 * time.Minute)
		h.tickOffice(t, mitte)
	}
	newDay := h.clock.Now().In(demo.Offices()[0].Location).Format(queue.DayFormat)

	fresh, err := h.device.Queue(c, mitte)
	if err != nil {
		t.Fatal(err)
	}
	if fresh.Day != newDay {
		t.Fatalf("after the jump: day %s, want %s", fresh.Day, newDay)
	}
	// In the hour after the carry, bookings of the new date were really
	// missed; none due before it (the hub held the other date's list),
	// and nothing else: no cancel, no missed ticket, no day marker.
	carried := jumped.Add(office.DefaultDayTurnHold)
	since, err := h.device.Events(c, mitte, board.Seq)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range since {
		if e.Type == api.EventCounterStaffed {
			continue // the clerk's presence by an action ran out, as without a jump
		}
		if e.Type != "appointment_noshow" || !e.At.After(carried) {
			t.Fatalf("the running board got %s at %s from the jump", e.Type, e.At)
		}
	}
	list, err := h.backend.Appointments(c, mitte, newDay)
	if err != nil {
		t.Fatal(err)
	}
	noShows := 0
	for _, e := range since {
		if e.Type == "appointment_noshow" {
			noShows++
		}
	}
	grace, due := demo.Offices()[0].Policy.NoShowGrace, 0
	for _, a := range list {
		if end := a.Start.Add(grace); !a.Cancelled && end.After(carried) && end.Before(h.clock.Now()) {
			due++
		}
	}
	if noShows > due {
		t.Fatalf("%d no-shows reported in the hour after the carry; only %d bookings fell due in it", noShows, due)
	}
	// The running board applies what it got: the counters and the
	// waiting lines of each event, as the boards do.
	for _, want := range since {
		e := nextEvent(t, live)
		if e.Seq != want.Seq {
			t.Fatalf("the running board got seq %d, want %d", e.Seq, want.Seq)
		}
		if e.Counter != nil {
			for i := range board.Counters {
				if board.Counters[i].ID == e.Counter.ID {
					// An event names the counter's ticket in its
					// ticket, not twice.
					c := *e.Counter
					c.Ticket = board.Counters[i].Ticket
					board.Counters[i] = c
				}
			}
		}
		board.Waiting = api.MergeLines(board.Waiting, e.Waiting)
		board.Seq = e.Seq
	}
	same := func(a, b api.Snapshot) bool {
		return reflect.DeepEqual(a.Tickets, b.Tickets) && reflect.DeepEqual(a.Counters, b.Counters) &&
			reflect.DeepEqual(a.Calls, b.Calls) && reflect.DeepEqual(a.Waiting, b.Waiting)
	}
	if !same(*board, fresh) {
		t.Fatalf("a fresh board shows\n%+v\nthe board that ran through the jump\n%+v", fresh, *board)
	}

	// The next ticket is the first event the running board gets, and it
	// goes on with the numbering.
	tk, err := h.device.WalkIn(c, mitte, api.WalkInRequest{Service: "anmeldung"})
	if err != nil || tk.Number != "A005" {
		t.Fatalf("first ticket after the jump: %+v, %v", tk, err)
	}
	if e := nextEvent(t, live); e.Type != "walked_in" || e.Seq != fresh.Seq+1 {
		t.Fatalf("the running board got %s seq %d after the jump", e.Type, e.Seq)
	}
	// A booking of the new date checks in.
	appts := h.inWindow(t, mitte)
	if _, err := h.device.CheckIn(c, mitte, api.CheckInRequest{Code: server.DemoPayload(appts[0])}); err != nil {
		t.Fatalf("check-in of a booking of the new date: %v", err)
	}
	before, err := h.device.Queue(c, mitte)
	if err != nil {
		t.Fatal(err)
	}

	h.Stop()
	h2 := startHub(t, h.dbPath, h.clock)
	after, err := h2.device.Queue(c, mitte)
	if err != nil {
		t.Fatal(err)
	}
	if after.Day != newDay || after.Seq != before.Seq || !same(before, after) {
		t.Fatalf("after the restart:\n%+v\nbefore\n%+v", after, before)
	}
}

// TestForwardJumpThatHeldThenCorrected: the clock jumps 24 h ahead and
// holds past the day-turn hold (the day is carried over), then NTP puts it
// back to the real time. The carry is taken back: the real day's bookings
// check in, the numbering goes on without reusing a number or an id, and
// the next real midnight gives a fresh board.
func TestForwardJumpThatHeldThenCorrected(t *testing.T) {
	h := startHub(t, "", nil)
	c := ctx(t)
	loc := demo.Offices()[0].Location
	ids := map[string]bool{}
	walkIn := func() api.Ticket {
		t.Helper()
		tk, err := h.device.WalkIn(c, mitte, api.WalkInRequest{Service: "anmeldung"})
		if err != nil {
			t.Fatal(err)
		}
		if ids[tk.ID] {
			t.Fatalf("ticket id %s issued twice", tk.ID)
		}
		ids[tk.ID] = true
		return tk
	}
	walkIn()
	walkIn()
	h.clock.Set(h.clock.Now().Add(24 * time.Hour))
	h.tickOffice(t, mitte)
	if err := h.Syncer.SyncOffice(c, mitte); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(office.DefaultDayTurnHold + time.Minute)
	h.tickOffice(t, mitte)
	during := walkIn()
	// NTP puts the clock back to the real time.
	h.clock.Set(h.clock.Now().Add(-24 * time.Hour))
	h.tickOffice(t, mitte)
	if err := h.Syncer.SyncOffice(c, mitte); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(10 * time.Minute)
	h.tickOffice(t, mitte)

	t.Run("a booking of the real day checks in", func(t *testing.T) {
		q, err := h.device.Queue(c, mitte)
		if err != nil {
			t.Fatal(err)
		}
		if day := h.clock.Now().In(loc).Format(queue.DayFormat); q.Day != day {
			t.Fatalf("after the correction: day %s, want %s", q.Day, day)
		}
		appts := h.inWindow(t, mitte)
		if len(appts) == 0 {
			t.Fatal("no appointment in the check-in window")
		}
		if _, err := h.device.CheckIn(c, mitte, api.CheckInRequest{Code: server.DemoPayload(appts[0])}); err != nil {
			t.Fatalf("booking %s at %s after the clock was corrected: %v", appts[0].ID, appts[0].Start.In(loc).Format("15:04"), err)
		}
		if tk := walkIn(); tk.Number <= during.Number {
			t.Fatalf("ticket %s after %s: the numbering must go on", tk.Number, during.Number)
		}
	})

	t.Run("the next real midnight gives a fresh board", func(t *testing.T) {
		now := h.clock.Now().In(loc)
		midnight := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 30, 0, loc)
		h.clock.Advance(midnight.Sub(now))
		h.tickOffice(t, mitte)
		h.clock.Advance(office.DefaultDayTurnHold + time.Minute)
		h.tickOffice(t, mitte)
		if err := h.Syncer.SyncOffice(c, mitte); err != nil {
			t.Fatal(err)
		}
		h.tickOffice(t, mitte)
		q, err := h.device.Queue(c, mitte)
		if err != nil {
			t.Fatal(err)
		}
		day := h.clock.Now().In(loc).Format(queue.DayFormat)
		if q.Day != day || len(q.Tickets) != 0 {
			var ids []string
			for _, tk := range q.Tickets {
				ids = append(ids, tk.ID)
			}
			t.Fatalf("after the real midnight: day %s with tickets %v, want day %s with none", q.Day, ids, day)
		}
		// Numbers from 1 again; no id of the carried day comes back.
		for range 4 {
			walkIn()
		}
	})
}
