package queue_test

import (
	"fmt"
	"testing"

	"lotse/hub/queue"
)

// TestWalkIn covers who may draw a walk-in ticket.
func TestWalkIn(t *testing.T) {
	tests := []struct {
		name     string
		edit     func(*queue.Office)
		service  string
		priority bool
		wantCode queue.Code
		number   string
	}{
		{name: "drawn", service: "pass", number: "P001"},
		{name: "prefix of the service", service: "fz", number: "F001"},
		{name: "priority", service: "anm", priority: true, number: "A001"},
		{name: "walk-ins disabled", service: "pass", edit: func(o *queue.Office) { o.Policy.WalkIns = false }, wantCode: queue.Invalid},
		{name: "unknown service", service: "angeln", wantCode: queue.NotFound},
		{name: "empty service", service: "", wantCode: queue.NotFound},
		{name: "no counter serves it", service: "kfz", wantCode: queue.Invalid},
		{name: "only counter of the service removed", service: "pass", edit: func(o *queue.Office) { o.Counters = o.Counters[1:] }, wantCode: queue.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.edit).at("09:00")
			tk, events, err := f.q.WalkIn(f.now, tt.service, tt.priority)
			f.record(events)
			wantCode(t, "walk-in", err, tt.wantCode)
			if err != nil {
				if len(events) != 0 || f.q.LastNumber() != 0 {
					t.Fatalf("refused walk-in emitted %v, drew number %d", eventTypes(events), f.q.LastNumber())
				}
				return
			}
			if tk.Number != tt.number || tk.State != queue.Waiting || tk.Priority != tt.priority || tk.Appointment != "" ||
				!tk.AppointmentStart.IsZero() || !tk.Arrived.Equal(f.now) || tk.Service() != tt.service || tk.Persons() != 1 {
				t.Fatalf("ticket %+v", tk)
			}
			if tk.ID != queue.TicketID("mitte", testDay, 1) || tk.Day != testDay || tk.N != 1 {
				t.Fatalf("ticket id %q day %q n %d", tk.ID, tk.Day, tk.N)
			}
			if len(events) != 1 || events[0].Type != queue.WalkedIn || events[0].Report != "" || events[0].Appointment != "" {
				t.Fatalf("events %+v", events)
			}
		})
	}
}

// TestTicketNumbers: one daily counter for all prefixes and for check-ins
// and walk-ins alike; three digits, four after 999; never reused that day.
func TestTicketNumbers(t *testing.T) {
	f := newFixture(t, nil, appt("a1", "09:00", "anm"))
	f.at("08:40")
	var got []string
	for _, service := range []string{"pass", "fz", "pass"} {
		got = append(got, f.walkIn("", service).Number)
	}
	got = append(got, f.checkIn("", "a1").Number)
	got = append(got, f.walkIn("", "anm").Number)
	wantLabels(t, "numbers", got, []string{"P001", "F002", "P003", "A004", "A005"})

	// Tickets that ended do not free their numbers.
	f.must("c1", queue.ActNext)
	f.must("c1", queue.ActFinish)
	f.must("c3", queue.ActNext)
	f.must("c3", queue.ActNoShow)

	seen := map[string]bool{}
	for _, tk := range f.q.Tickets(nil) {
		seen[tk.Number] = true
	}
	want := map[int]string{6: "F006", 99: "P099", 100: "P100", 999: "F999", 1000: "P1000", 1001: "F1001", 1234: "P1234"}
	for n := 6; n <= 1234; n++ {
		service := "pass"
		if n%2 == 1 {
			service = "fz"
		}
		if w, ok := want[n]; ok && w[0] == 'F' {
			service = "fz"
		} else if ok {
			service = "pass"
		}
		tk := f.walkIn("", service)
		if seen[tk.Number] {
			t.Fatalf("number %s drawn twice", tk.Number)
		}
		seen[tk.Number] = true
		if tk.N != n || tk.ID != queue.TicketID("mitte", testDay, n) {
			t.Fatalf("ticket %d: N %d id %s", n, tk.N, tk.ID)
		}
		if w, ok := want[n]; ok && tk.Number != w {
			t.Errorf("ticket %d: number %s, want %s", n, tk.Number, w)
		}
		if digits := len(tk.Number) - 1; (n < 1000 && digits != 3) || (n >= 1000 && digits != len(fmt.Sprint(n))) {
			t.Errorf("ticket %d: number %s", n, tk.Number)
		}
	}
	if f.q.LastNumber() != 1234 {
		t.Fatalf("last number %d", f.q.LastNumber())
	}
}
