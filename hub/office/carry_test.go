package office_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"lotse/hub/clocktest"
	"lotse/hub/office"
	"lotse/hub/queue"
)

func act(t *testing.T, l *office.Loop, counter string, kind queue.ActionKind) queue.Ticket {
	t.Helper()
	res, err := office.Do(context.Background(), l, func(q *queue.Queue, now time.Time) (queue.Ticket, []queue.Event, error) {
		return q.Do(now, queue.Action{Counter: counter, Kind: kind})
	})
	if err != nil {
		t.Fatalf("%s at %s: %v", kind, counter, err)
	}
	return res
}

// sameDay strips what a carry changes on purpose (the day key) so that
// everything else can be compared.
func sameDay(tickets []queue.Ticket) []queue.Ticket {
	out := make([]queue.Ticket, len(tickets))
	for i, tk := range tickets {
		tk.Day = ""
		out[i] = tk
	}
	return out
}

// TestJumpCarriesTheDayOver: a forward jump of 24 h during opening hours
// (NTP correcting a bad real-time clock) that holds for an hour carries
// the day over. Tickets in every state stay as they were, the numbering
// goes on, the calls stay on the board, nothing is cancelled, purged or
// sent to the screens, the new date's bookings are applied; a restart on
// the same file restores it all, and the next real midnight turns the day.
func TestJumpCarriesTheDayOver(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, "")
	d0 := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	c := clocktest.New(d0)
	rec := &recorder{}
	l, stop := start(t, db, c, rec)
	defer func() { stop() }()

	svc := []queue.ServiceCount{{Service: "s", Count: 1}}
	day1 := []queue.Appointment{
		{ID: "a1", Office: "o", Start: d0.Add(-5 * time.Minute), Duration: 5 * time.Minute, Services: svc, Secret: "k1", Name: "Anna"},
		{ID: "a2", Office: "o", Start: d0.Add(4 * time.Hour), Duration: 5 * time.Minute, Services: svc, Secret: "k2", Name: "Bernd"},
	}
	if _, err := l.ApplyAppointments(ctx, "o", "2026-05-04", day1); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		if _, err := walkIn(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := office.Do(ctx, l, func(q *queue.Queue, now time.Time) (queue.Ticket, []queue.Event, error) {
		return q.CheckInCode(now, "a1", "k1")
	}); err != nil {
		t.Fatal(err)
	}
	act(t, l, "c1", queue.ActNext)
	act(t, l, "c1", queue.ActPark)
	act(t, l, "c1", queue.ActNext)
	act(t, l, "c2", queue.ActNext)
	serving := act(t, l, "c2", queue.ActStart)
	st0, _, err := db.LoadState(ctx, "o")
	if err != nil {
		t.Fatal(err)
	}
	v0, err := db.View(ctx, "o")
	if err != nil {
		t.Fatal(err)
	}
	states := map[queue.TicketState]int{}
	for _, tk := range st0.Tickets {
		states[tk.State]++
	}
	if states[queue.Waiting] != 2 || states[queue.Called] != 1 || states[queue.Serving] != 1 || states[queue.Parked] != 1 || len(st0.Calls) != 3 {
		t.Fatalf("before the jump: %v, %d calls", states, len(st0.Calls))
	}
	published := len(rec.events)

	// The jump; the sync brings the new date's list while the date holds.
	c.Set(d0.Add(24 * time.Hour))
	tick(t, l)
	// b0 was due before the carry: the hub could not have checked it in.
	day2 := []queue.Appointment{
		{ID: "b0", Office: "o", Start: d0.Add(22 * time.Hour), Duration: 5 * time.Minute, Services: svc, Secret: "k4", Name: "Dana"},
		{ID: "b1", Office: "o", Start: d0.Add(29 * time.Hour), Duration: 5 * time.Minute, Services: svc, Secret: "k3", Name: "Cem"},
	}
	if _, err := l.ApplyAppointments(ctx, "o", "2026-05-05", day2); err != nil {
		t.Fatal(err)
	}
	for range 13 { // an hour and more, ticking every 5 minutes
		c.Advance(5 * time.Minute)
		tick(t, l)
	}

	// The only events of the hour: the clerks' presence by their
	// actions ran out, as it does without a jump.
	staffing := int64(0)
	for _, e := range rec.events[published:] {
		if e.Type != queue.CounterStaffed {
			t.Fatalf("the carry sent %s: %+v", e.Type, rec.events[published:])
		}
		staffing++
	}
	st, _, err := db.LoadState(ctx, "o")
	if err != nil {
		t.Fatal(err)
	}
	if st.Day != "2026-05-05" || st.Seq != st0.Seq+staffing || st.LastNumber != st0.LastNumber {
		t.Fatalf("after the jump: day %s seq %d last %d, want 2026-05-05 %d %d", st.Day, st.Seq, st.LastNumber, st0.Seq+staffing, st0.LastNumber)
	}
	if !reflect.DeepEqual(sameDay(st.Tickets), sameDay(st0.Tickets)) {
		t.Fatalf("tickets after the jump:\n%+v\nwant\n%+v", st.Tickets, st0.Tickets)
	}
	for _, tk := range st.Tickets {
		if tk.Day != "2026-05-05" {
			t.Fatalf("ticket %s kept day %s", tk.Number, tk.Day)
		}
	}
	// Presence ran out in the hour (the staffing events above); the
	// counters are otherwise as they were.
	unstaffed := func(list []queue.CounterState) []queue.CounterState {
		out := append([]queue.CounterState(nil), list...)
		for i := range out {
			out[i].Staffed = false
		}
		return out
	}
	if !reflect.DeepEqual(st.Calls, st0.Calls) || !reflect.DeepEqual(unstaffed(st.Counters), unstaffed(st0.Counters)) {
		t.Fatalf("calls or counters changed:\n%+v %+v\nwant\n%+v %+v", st.Calls, st.Counters, st0.Calls, st0.Counters)
	}
	appts := map[string]queue.Appointment{}
	for _, a := range st.Appointments {
		appts[a.ID] = a
	}
	if _, ok := appts["b1"]; !ok || len(appts) != 4 {
		t.Fatalf("appointments after the jump: %+v", st.Appointments)
	}
	if appts["a2"].NoShow || appts["b1"].NoShow {
		t.Fatalf("a booking reported missed after the jump: %+v", st.Appointments)
	}
	// What a screen that ran through the jump shows equals what a fresh
	// one reads: nothing but the staffing was published, and the view
	// is the same.
	v, err := db.View(ctx, "o")
	if err != nil {
		t.Fatal(err)
	}
	if v.Seq != v0.Seq+staffing || !reflect.DeepEqual(sameDay(v.Tickets), sameDay(v0.Tickets)) || !reflect.DeepEqual(v.Calls, v0.Calls) ||
		!reflect.DeepEqual(unstaffed(v.Counters), unstaffed(v0.Counters)) {
		t.Fatalf("fresh view after the jump:\n%+v\nwant\n%+v", v, v0)
	}
	// A stream client resuming from the start of the day still finds it.
	events, err := db.EventsSince(ctx, "o", 0, 100)
	if err != nil || int64(len(events)) != st.Seq {
		t.Fatalf("events of the carried day: %d of %d, %v", len(events), st.Seq, err)
	}
	// The purge of the days before the new date finds nothing of it.
	if n, err := db.Purge(ctx, "o", "2026-05-05"); err != nil || n != 0 {
		t.Fatalf("purge before the new date took %d rows: %v", n, err)
	}

	// The numbering goes on; the counters go on with their tickets.
	tk, err := walkIn(ctx, l)
	// Its id carries the date the day was opened on: should the carry
	// be taken back, the real 05-05 numbers from 1 without reusing it.
	if err != nil || tk.Number != "A006" || !strings.Contains(tk.ID, "2026-05-04") {
		t.Fatalf("first ticket after the jump: %+v, %v", tk, err)
	}
	if done := act(t, l, "c2", queue.ActFinish); done.ID != serving.ID {
		t.Fatalf("c2 finished %s, want %s", done.Number, serving.Number)
	}

	// A restart on the same file restores the carried day.
	stop()
	c.Advance(time.Minute)
	l, stop = start(t, db, c, rec)
	st2, _, err := db.LoadState(ctx, "o")
	if err != nil || st2.Day != "2026-05-05" || len(st2.Tickets) != len(st0.Tickets)+1 || len(st2.Calls) != 3 {
		t.Fatalf("after the restart: day %s, %d tickets, %d calls, %v", st2.Day, len(st2.Tickets), len(st2.Calls), err)
	}
	if tk, err := walkIn(ctx, l); err != nil || tk.Number != "A007" {
		t.Fatalf("first ticket after the restart: %+v, %v", tk, err)
	}
	if next := act(t, l, "c2", queue.ActNext); next.N > 5 {
		t.Fatalf("c2 called %s after the restart, before the waiting of the carried day", next.Number)
	}
	for _, e := range rec.events {
		switch e.Type {
		case queue.TicketCancelled, queue.TicketMissed, queue.DayTurned, queue.AppointmentNoShow:
			t.Fatalf("%s before the next real midnight", e.Type)
		}
	}

	// The next real midnight turns the day.
	c.Advance(13 * time.Hour)
	tick(t, l)
	c.Advance(office.DefaultDayTurnHold)
	tick(t, l)
	st3, _, err := db.LoadState(ctx, "o")
	if err != nil || st3.Day != "2026-05-06" || len(st3.Tickets) != 0 {
		t.Fatalf("after the real midnight: day %s, %d tickets, %v", st3.Day, len(st3.Tickets), err)
	}
	if tk, err := walkIn(ctx, l); err != nil || tk.Number != "A001" {
		t.Fatalf("first ticket of the next day: %+v, %v", tk, err)
	}
}

// TestJumpAfterAStartOnARestoredDay: a machine without a real-time clock
// boots with the time it stopped at, and NTP jumps to the morning. The day
// restored at that start, unused since, ended during the stop: it turns.
// Once a ticket was drawn on it in this run, a jump carries it over.
func TestJumpAfterAStartOnARestoredDay(t *testing.T) {
	tests := []struct {
		name     string
		drawn    bool // a ticket drawn after the start, before the jump
		wantTurn bool
	}{
		{"unused since the start", false, true},
		{"used since the start", true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db := openDB(t, "")
			c := clocktest.New(time.Date(2026, 5, 4, 17, 0, 0, 0, time.UTC))
			rec := &recorder{}
			l, stop := start(t, db, c, rec)
			if _, err := walkIn(ctx, l); err != nil {
				t.Fatal(err)
			}
			stop()
			c.Advance(time.Hour) // the clock the machine boots with
			l, stop = start(t, db, c, rec)
			defer stop()
			if tc.drawn {
				if _, err := walkIn(ctx, l); err != nil {
					t.Fatal(err)
				}
			}
			c.Set(time.Date(2026, 5, 5, 7, 30, 0, 0, time.UTC))
			tick(t, l)
			c.Advance(office.DefaultDayTurnHold)
			tick(t, l)
			st, _, err := db.LoadState(ctx, "o")
			if err != nil || st.Day != "2026-05-05" {
				t.Fatalf("day %s, %v", st.Day, err)
			}
			if turned := len(st.Tickets) == 0; turned != tc.wantTurn {
				t.Fatalf("%d tickets kept, want the day turned: %v", len(st.Tickets), tc.wantTurn)
			}
		})
	}
}
