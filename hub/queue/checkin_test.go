package queue_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"lotse/hub/queue"
)

// TestCheckInWindow covers the check-in window of a 10:00 appointment: open
// from 09:30 to 10:15 inclusive, with "come back" before and "expired" (or a
// walk-in, if the office allows) after.
func TestCheckInWindow(t *testing.T) {
	tests := []struct {
		name       string
		now        string
		secret     string // default: the right one
		edit       func(*queue.Office)
		cancelled  bool
		wantCode   queue.Code
		wantStart  bool   // the ticket queues by appointment start
		comeBackAt string // too_early
	}{
		{name: "an hour early", now: "09:00", wantCode: queue.TooEarly, comeBackAt: "09:30"},
		{name: "one second before the window", now: "09:29:59", wantCode: queue.TooEarly, comeBackAt: "09:30"},
		{name: "window opens", now: "09:30", wantStart: true},
		{name: "at the start", now: "10:00", wantStart: true},
		{name: "window closes", now: "10:15", wantStart: true},
		{name: "one second too late", now: "10:15:01", wantCode: queue.TooLate},
		{name: "an hour too late", now: "11:00", wantCode: queue.TooLate},
		{name: "too late becomes a walk-in", now: "10:40", edit: func(o *queue.Office) { o.Policy.LateAsWalkIn = true }},
		{name: "custom window", now: "09:10", edit: func(o *queue.Office) { o.Policy.CheckInBefore = time.Hour }, wantStart: true},
		{name: "custom window, too early", now: "08:59", edit: func(o *queue.Office) { o.Policy.CheckInBefore = time.Hour }, wantCode: queue.TooEarly, comeBackAt: "09:00"},
		{name: "cancelled", now: "09:50", cancelled: true, wantCode: queue.NotFound},
		{name: "cancelled, too early", now: "08:00", cancelled: true, wantCode: queue.NotFound},
		{name: "wrong secret", now: "09:50", secret: "secret-a2", wantCode: queue.NotFound},
		{name: "secret with one more byte", now: "09:50", secret: "secret-a1x", wantCode: queue.NotFound},
		{name: "empty secret", now: "09:50", secret: "-", wantCode: queue.NotFound},
		{name: "wrong secret, too early", now: "08:00", secret: "nope", wantCode: queue.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := appt("a1", "10:00", "pass")
			a.Cancelled = tt.cancelled
			f := newFixture(t, tt.edit, a, appt("a2", "10:00", "pass"))
			f.now = clock(tt.now)
			secret := "secret-a1"
			switch tt.secret {
			case "":
			case "-":
				secret = ""
			default:
				secret = tt.secret
			}
			tk, events, err := f.q.CheckInCode(f.now, "a1", secret)
			f.record(events)
			wantCode(t, "check-in", err, tt.wantCode)
			if err != nil {
				if len(events) != 0 || tk.ID != "" {
					t.Fatalf("failed check-in returned ticket %q and events %v", tk.ID, eventTypes(events))
				}
				if _, ok := f.q.TicketForAppointment("a1"); ok {
					t.Fatal("failed check-in left a ticket")
				}
				var qe *queue.Error
				if tt.comeBackAt != "" {
					qe = err.(*queue.Error)
					if !qe.ComeBackAt.Equal(clock(tt.comeBackAt)) {
						t.Errorf("ComeBackAt %v, want %s", qe.ComeBackAt, tt.comeBackAt)
					}
					if !strings.Contains(qe.Message, tt.comeBackAt) {
						t.Errorf("message %q does not say %s", qe.Message, tt.comeBackAt)
					}
				}
				return
			}
			if tk.State != queue.Waiting || tk.Appointment != "a1" || tk.Number != "P001" || !tk.Arrived.Equal(f.now) {
				t.Fatalf("ticket %+v", tk)
			}
			if got := !tk.AppointmentStart.IsZero(); got != tt.wantStart {
				t.Fatalf("AppointmentStart %v, want queued by start: %v", tk.AppointmentStart, tt.wantStart)
			}
			if len(events) != 1 || events[0].Type != queue.CheckedIn || events[0].Report != queue.ReportArrived ||
				events[0].Appointment != "a1" || events[0].Ticket == nil || events[0].Ticket.ID != tk.ID {
				t.Fatalf("events %+v", events)
			}
		})
	}
}

// TestCheckInLateWalkInRanksByArrival: a too-late appointment converted to a
// walk-in queues behind walk-ins that came before it and behind due
// appointments.
func TestCheckInLateWalkInRanksByArrival(t *testing.T) {
	f := newFixture(t, func(o *queue.Office) { o.Policy.LateAsWalkIn = true },
		appt("late", "09:00", "pass"), appt("due", "10:30", "pass"))
	f.at("10:10").walkIn("w1", "pass")
	f.at("10:20").checkIn("late", "late")
	f.at("10:25").walkIn("w2", "pass")
	f.at("10:26").checkIn("due", "due")
	wantLabels(t, "order", f.at("10:29").candidates("c1"), []string{"due", "w1", "late", "w2"})
}

// TestCheckInIdempotent: repeating a check-in (by code or birth date) returns
// the first ticket and emits nothing while it can still be called (what a
// ticket that is over answers: TestCheckInAgain).
func TestCheckInIdempotent(t *testing.T) {
	tests := []struct {
		name   string
		before func(f *fixture)
		now    string
		state  queue.TicketState
	}{
		{name: "waiting", now: "09:51", state: queue.Waiting},
		{name: "called", before: func(f *fixture) { f.must("c1", queue.ActNext) }, now: "09:52", state: queue.Called},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil, withBirth(appt("a1", "10:00", "pass"), "h1"))
			first := f.at("09:50").checkIn("a1", "a1")
			if tt.before != nil {
				tt.before(f)
			}
			seq := f.q.Seq()
			f.at(tt.now)
			again, events, err := f.q.CheckInCode(f.now, "a1", "secret-a1")
			if err != nil || len(events) != 0 || again.ID != first.ID || again.State != tt.state {
				t.Fatalf("code again: ticket %s %s, events %v, err %v; want %s %s", again.ID, again.State, eventTypes(events), err, first.ID, tt.state)
			}
			byBirth, events, err := f.q.CheckInBirthDate(f.now, "h1", "")
			if err != nil || len(events) != 0 || byBirth.ID != first.ID {
				t.Fatalf("birth date again: ticket %s, events %v, err %v", byBirth.ID, eventTypes(events), err)
			}
			if f.q.Seq() != seq || f.q.LastNumber() != 1 {
				t.Fatalf("seq %d→%d, last number %d", seq, f.q.Seq(), f.q.LastNumber())
			}
		})
	}
}

// TestCheckInBirthDate covers the lookup by birth date: none, one, several,
// and the choice the citizen makes among several.
func TestCheckInBirthDate(t *testing.T) {
	// Same person ("h1") at 09:00, 10:00 and 10:05; another ("h2") at 10:00.
	appointments := []queue.Appointment{
		withBirth(appt("h1-1005", "10:05", "anm"), "h1"),
		withBirth(appt("h1-1000", "10:00", "pass"), "h1"),
		withBirth(appt("h1-0900", "09:00", "fz"), "h1"),
		withBirth(appt("h2-1000", "10:00", "pass"), "h2"),
		withBirth(appt("h3-1400", "14:00", "pass"), "h3"),
		withBirth(appt("h4-1000", "10:00", "pass"), "h4"),
		withBirth(appt("h4-1400", "14:00", "anm"), "h4"),
		appt("nobirth", "10:00", "pass"),
	}
	cancelled := withBirth(appt("h2-1030", "10:30", "pass"), "h2")
	cancelled.Cancelled = true
	appointments = append(appointments, cancelled)

	tests := []struct {
		name        string
		edit        func(*queue.Office)
		before      func(f *fixture)
		now         string
		hash        string
		appointment string
		wantCode    queue.Code
		want        string   // appointment of the ticket
		choices     []string // conflict
	}{
		{name: "unknown birth date", now: "09:50", hash: "nobody", wantCode: queue.NotFound},
		{name: "empty hash", now: "09:50", hash: "", wantCode: queue.NotFound},
		{name: "one match", now: "09:50", hash: "h2", want: "h2-1000"},
		{name: "one match, too early", now: "08:00", hash: "h3", wantCode: queue.TooEarly},
		{name: "one match, too late", now: "15:00", hash: "h3", wantCode: queue.TooLate},
		{name: "cancelled one is ignored", now: "10:20", hash: "h2", wantCode: queue.TooLate},
		{name: "several, one in the window wins", now: "13:50", hash: "h4", want: "h4-1400"},
		{name: "several, the other in the window", now: "09:45", hash: "h4", want: "h4-1000"},
		{name: "several in the window: choose", now: "09:40", hash: "h1", wantCode: queue.Conflict, choices: []string{"h1-1000", "h1-1005"}},
		{name: "several, none in the window: choose", now: "12:00", hash: "h4", wantCode: queue.Conflict, choices: []string{"h4-1000", "h4-1400"}},
		{name: "several, only the 09:00 in the window", now: "08:50", hash: "h1", want: "h1-0900"},
		{name: "several, all too early: no choice, the first's opening", now: "08:00", hash: "h4", wantCode: queue.TooEarly},
		{name: "several, all too early (three)", now: "07:00", hash: "h1", wantCode: queue.TooEarly},
		{name: "several, all too late: no choice", now: "15:00", hash: "h4", wantCode: queue.TooLate},
		{name: "the choice", now: "09:40", hash: "h1", appointment: "h1-1005", want: "h1-1005"},
		{name: "the choice, too early", now: "09:20", hash: "h1", appointment: "h1-1005", wantCode: queue.TooEarly},
		{name: "choice of another person's appointment", now: "09:40", hash: "h1", appointment: "h2-1000", wantCode: queue.NotFound},
		{name: "choice of a cancelled appointment", now: "10:20", hash: "h2", appointment: "h2-1030", wantCode: queue.NotFound},
		{name: "choice of an unknown appointment", now: "09:40", hash: "h1", appointment: "x", wantCode: queue.NotFound},
		{
			// Not their ticket at once: another person may share the
			// date. Their appointment is among the choices.
			name: "returning person chooses again", now: "09:45", hash: "h1", wantCode: queue.Conflict, choices: []string{"h1-1000", "h1-1005"},
			before: func(f *fixture) {
				f.at("09:40")
				if _, events, err := f.q.CheckInBirthDate(f.now, "h1", "h1-1005"); err != nil {
					f.t.Fatal(err)
				} else {
					f.record(events)
				}
			},
		},
		{
			name: "returning person, already called", now: "09:45", hash: "h1", wantCode: queue.Conflict, choices: []string{"h1-1000", "h1-1005"},
			before: func(f *fixture) {
				f.at("09:40")
				if _, events, err := f.q.CheckInBirthDate(f.now, "h1", "h1-1000"); err != nil {
					f.t.Fatal(err)
				} else {
					f.record(events)
				}
				f.must("c1", queue.ActNext)
			},
		},
		{name: "office without birth dates", now: "09:50", hash: "h2", edit: func(o *queue.Office) { o.Policy.BirthDateCheckIn = false }, wantCode: queue.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.edit, appointments...)
			if tt.before != nil {
				tt.before(f)
			}
			seq := f.q.Seq()
			f.at(tt.now)
			tk, events, err := f.q.CheckInBirthDate(f.now, tt.hash, tt.appointment)
			f.record(events)
			wantCode(t, "check-in", err, tt.wantCode)
			if err != nil {
				if len(events) != 0 || f.q.Seq() != seq {
					t.Fatalf("failed check-in emitted %v", eventTypes(events))
				}
				qe := err.(*queue.Error)
				var got []string
				for _, c := range qe.Choices {
					got = append(got, c.Appointment)
					a, _ := f.q.Appointment(c.Appointment)
					if !c.Start.Equal(a.Start) || len(c.Services) != 1 || c.Services[0] != a.Services[0] {
						t.Errorf("choice %+v does not match its appointment", c)
					}
					if s := fmt.Sprintf("%+v", c); strings.Contains(s, "Mustermann") {
						t.Errorf("choice carries a name: %s", s)
					}
				}
				wantLabels(t, "choices", got, tt.choices)
				return
			}
			if tk.Appointment != tt.want {
				t.Fatalf("ticket for %q, want %q", tk.Appointment, tt.want)
			}
			if got, _ := f.q.TicketForAppointment(tt.want); got.ID != tk.ID {
				t.Fatalf("TicketForAppointment(%s) = %s, want %s", tt.want, got.ID, tk.ID)
			}
		})
	}
}

// TestCheckInTooEarlyLocalTime: "come back at HH:MM" is the office's wall
// clock, whatever zone the booking backend's times come in.
func TestCheckInTooEarlyLocalTime(t *testing.T) {
	cet := time.FixedZone("CET", 3600)
	f := newFixture(t, func(o *queue.Office) { o.Location = cet }, appt("a1", "10:00", "pass")) // 11:00 in the office
	_, _, err := f.q.CheckInCode(clock("09:00"), "a1", "secret-a1")
	wantCode(t, "check-in", err, queue.TooEarly)
	qe := err.(*queue.Error)
	if !qe.ComeBackAt.Equal(clock("09:30")) || !strings.Contains(qe.Message, "10:30") {
		t.Fatalf("come back at %v, message %q; want 10:30 office time", qe.ComeBackAt, qe.Message)
	}
}

// TestCheckInConflictIsStable: choices with the same start come in a fixed
// order that neither the backend's list order nor a restart of the hub
// changes, so that the kiosk does not reshuffle its buttons.
func TestCheckInConflictIsStable(t *testing.T) {
	var list []queue.Appointment
	for _, id := range []string{"c", "a", "d", "b"} {
		list = append(list, withBirth(appt(id, "10:00", "pass"), "twin"))
	}
	f := newFixture(t, nil, list...)
	restored := queue.Restore(testOffice(), f.q.State())
	for i := range 20 {
		q := f.q
		if i%2 == 1 {
			q = restored
		}
		_, _, err := q.CheckInBirthDate(clock("09:45"), "twin", "")
		var got []string
		for _, c := range err.(*queue.Error).Choices {
			got = append(got, c.Appointment)
		}
		wantLabels(t, "choices", got, []string{"a", "b", "c", "d"})
	}
}

func TestCheckInAppointmentAtTheDesk(t *testing.T) {
	phone := appt("tel-1", "10:00", "anm")
	phone.Secret = "" // booked by phone: no confirmation mail, no QR code
	f := newFixture(t, nil, phone)
	f.at("10:00")
	if _, _, err := f.q.CheckInCode(f.now, "tel-1", ""); queue.ErrorCode(err) != queue.NotFound {
		t.Fatalf("an empty secret must never match: %v", err)
	}
	tk, events, err := f.q.CheckInAppointment(f.now, "tel-1")
	if err != nil || tk.Appointment != "tel-1" || len(events) != 1 {
		t.Fatalf("desk check-in = %+v, %d events, %v", tk, len(events), err)
	}
	if _, _, err := f.q.CheckInAppointment(f.now, "nope"); queue.ErrorCode(err) != queue.NotFound {
		t.Fatalf("unknown appointment: %v", err)
	}
}

// TestCheckInAgain: scanning the code of an appointment whose ticket is
// over never shows a number that will not be called.
func TestCheckInAgain(t *testing.T) {
	miss := func(f *fixture) {
		f.must("c1", queue.ActNext)
		for i := 0; f.ticket("x").State == queue.Called && i < 10; i++ {
			f.must("c1", queue.ActNoShow)
		}
	}
	for _, tc := range []struct {
		name      string
		toDesk    bool
		setup     func(f *fixture)
		wantCode  queue.Code
		wantState queue.TicketState
		wantEvent queue.EventType
	}{
		{"waiting: the same ticket", false, func(f *fixture) {}, "", queue.Waiting, ""},
		{"called: the same ticket", false, func(f *fixture) { f.must("c1", queue.ActNext) }, "", queue.Called, ""},
		{"served", false, func(f *fixture) {
			f.must("c1", queue.ActNext)
			f.must("c1", queue.ActStart)
			f.must("c1", queue.ActFinish)
		}, queue.AlreadyServed, queue.Done, ""},
		{"missed: back into the line", false, miss, "", queue.Waiting, queue.TicketReturned},
		{"missed, the office sends to the desk", true, miss, queue.SeeDesk, queue.Missed, ""},
		{"given up on the phone", false, func(f *fixture) {
			_, events, err := f.q.Withdraw(f.now, f.id("x"))
			if err != nil {
				f.t.Fatal(err)
			}
			f.record(events)
		}, queue.SeeDesk, queue.Cancelled, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, func(o *queue.Office) { o.Policy.MissedToDesk = tc.toDesk },
				withBirth(appt("a1", "09:00", "pass"), "h1"), appt("a2", "09:00", "pass")).at("08:45")
			first := f.checkIn("x", "a1")
			tc.setup(f)
			f.at("08:55")
			f.checkIn("other", "a2") // due at the same time, already waiting
			f.at("09:05")
			if tc.wantCode != "" {
				_, _, err := f.q.CheckInBirthDate(f.now, "h1", "")
				wantCode(t, "birth date again", err, tc.wantCode)
			}
			tk, events, err := f.q.CheckInCode(f.now, "a1", "secret-a1")
			f.record(events)
			wantCode(t, "check-in again", err, tc.wantCode)
			if got := f.ticket("x"); got.State != tc.wantState {
				t.Fatalf("ticket is %s, want %s", got.State, tc.wantState)
			}
			if tc.wantEvent == "" {
				if len(events) != 0 {
					t.Fatalf("events %v, want none", eventTypes(events))
				}
			} else if len(events) != 1 || events[0].Type != tc.wantEvent {
				t.Fatalf("events %v, want %s", eventTypes(events), tc.wantEvent)
			}
			if err == nil && tk.ID != first.ID {
				t.Fatalf("a new ticket %s instead of %s", tk.Number, first.Number)
			}
			if tc.wantEvent == queue.TicketReturned {
				if tk.Counter != "" || tk.Recalls != 0 {
					t.Fatalf("a returned ticket still holds counter %q, recalls %d", tk.Counter, tk.Recalls)
				}
				// Back in the line after whoever was due before it came back.
				wantLabels(t, "line", f.candidates("c1"), []string{"other", "x"})
			}
		})
	}
}

// TestCheckInConfirmed: at the desk, staff check in what the kiosk
// refuses, after a confirmation; what is over stays over.
func TestCheckInConfirmed(t *testing.T) {
	cancelled := appt("gone", "10:00", "pass")
	cancelled.Cancelled = true
	for _, tc := range []struct {
		name      string
		now       string
		setup     func(f *fixture)
		id        string
		wantCode  queue.Code
		wantStart bool // ranks by the appointment's start, not by arrival
		wantEvent queue.EventType
	}{
		{"too early", "07:00", nil, "a1", "", true, queue.CheckedIn},
		{"too late", "11:00", nil, "a1", "", false, queue.CheckedIn},
		{"after a no-show", "10:30", func(f *fixture) { f.at("10:20").tick() }, "a1", "", false, queue.CheckedIn},
		{"missed, even where the office sends to the desk", "09:58", func(f *fixture) {
			f.at("09:45").checkIn("x", "a1")
			f.must("c1", queue.ActNext)
			for i := 0; f.ticket("x").State == queue.Called && i < 10; i++ {
				f.must("c1", queue.ActNoShow)
			}
		}, "a1", "", true, queue.TicketReturned},
		{"given up on the phone", "09:58", func(f *fixture) {
			f.at("09:45").checkIn("x", "a1")
			_, events, _ := f.q.Withdraw(f.now, f.id("x"))
			f.record(events)
		}, "a1", "", true, queue.TicketReturned},
		{"served", "10:30", func(f *fixture) {
			f.at("09:45").checkIn("x", "a1")
			f.must("c1", queue.ActNext)
			f.must("c1", queue.ActFinish)
		}, "a1", queue.AlreadyServed, false, ""},
		{"cancelled in the booking system", "09:50", nil, "gone", queue.NotFound, false, ""},
		{"unknown", "09:50", nil, "nope", queue.NotFound, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, func(o *queue.Office) { o.Policy.MissedToDesk = true }, appt("a1", "10:00", "pass"), cancelled)
			if tc.setup != nil {
				tc.setup(f)
			}
			f.at(tc.now)
			tk, events, err := f.q.CheckInConfirmed(f.now, tc.id)
			f.record(events)
			wantCode(t, "confirmed check-in", err, tc.wantCode)
			if err != nil {
				return
			}
			if tk.State != queue.Waiting || tk.Appointment != "a1" || !tk.AppointmentStart.IsZero() != tc.wantStart {
				t.Fatalf("ticket %+v: want waiting for a1, ranked by start %v", tk, tc.wantStart)
			}
			if len(events) != 1 || events[0].Type != tc.wantEvent || events[0].Report != queue.ReportArrived {
				t.Fatalf("events %v (report %v), want %s reporting arrived", eventTypes(events), events, tc.wantEvent)
			}
		})
	}
}
