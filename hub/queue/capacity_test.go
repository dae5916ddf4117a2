package queue_test

import (
	"testing"
	"time"

	"lotse/hub/queue"
)

// capacityOffice is the test office closing at 10:00; Führungszeugnis (fz,
// 5 min) is served at c2 and c3, so an hour before closing the two have
// 120 counter minutes for it: room for 24 walk-ins.
func capacityOffice(o *queue.Office) { o.Policy.Closing = 10 * time.Hour }

// fill draws fz walk-ins until the queue refuses one and returns how many
// it issued.
func fill(f *fixture) int {
	f.t.Helper()
	for n := 0; n < 1000; n++ {
		_, events, err := f.q.WalkIn(f.now, "fz", false)
		f.record(events)
		if err != nil {
			wantCode(f.t, "walk-in past capacity", err, queue.WalkInsFull)
			return n
		}
	}
	f.t.Fatal("walk-ins never closed")
	return 0
}

// TestWalkInCapacity: walk-ins close when the counters' time before
// closing is spoken for, and every kind of freed capacity opens them again.
func TestWalkInCapacity(t *testing.T) {
	tests := []struct {
		name  string
		appts []queue.Appointment
		at    string
		want  int // walk-ins issued before the first refusal
		free  func(f *fixture)
	}{
		{name: "early finish", at: "09:00", want: 24, free: func(f *fixture) {
			f.must("c3", queue.ActNext)
			f.must("c3", queue.ActFinish) // done at once, not in five minutes
		}},
		{name: "no-show at the counter", at: "09:00", want: 24, free: func(f *fixture) {
			f.must("c3", queue.ActNext)
			for range queue.DefaultPolicy().MaxRecalls + 1 {
				f.must("c3", queue.ActRecall)
			}
			if tk, _ := f.q.Ticket(f.q.Tickets(nil)[0].ID); tk.State != queue.Missed {
				t.Fatalf("first ticket %s, want missed", tk.State)
			}
		}},
		{name: "booked appointment not come", appts: []queue.Appointment{group("g", "09:00", 10)}, at: "09:14", want: 9, free: func(f *fixture) {
			f.at("09:15").tick() // ten persons' 50 minutes are free, two counter minutes gone
		}},
		{name: "booking withdrawn", appts: []queue.Appointment{group("g", "09:30", 10)}, at: "09:00", want: 15, free: func(f *fixture) {
			f.q.Sync(nil)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, capacityOffice, tt.appts...).at(tt.at)
			if n := fill(f); n != tt.want {
				t.Fatalf("%s: %d walk-ins issued before the first refusal, want %d (%+v)", tt.at, n, tt.want, f.q.WalkInCapacity(f.now, "fz"))
			}
			tt.free(f)
			if _, events, err := f.q.WalkIn(f.now, "fz", false); err != nil {
				t.Fatalf("after freed capacity: %v (%+v)", err, f.q.WalkInCapacity(f.now, "fz"))
			} else {
				f.record(events)
			}
		})
	}
}

// group is an appointment for n persons of fz.
func group(id, start string, n int) queue.Appointment {
	a := appt(id, start, "fz")
	a.Services[0].Count = n
	return a
}

// TestWalkInRules: closing time, quota, the idle counter and offices
// without a closing time.
func TestWalkInRules(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*queue.Office)
		at      string
		drawn   int // fz walk-ins drawn before
		service string
		code    queue.Code
	}{
		{name: "no closing time: unlimited", at: "23:59", drawn: 200, service: "fz"},
		{name: "at closing time walk-ins stop", edit: capacityOffice, at: "10:00", service: "fz", code: queue.WalkInsFull},
		{name: "after closing", edit: capacityOffice, at: "12:00", service: "pass", code: queue.WalkInsFull},
		{name: "a minute before closing, a counter idle", edit: capacityOffice, at: "09:59", service: "fz"},
		{name: "quota drawn", edit: func(o *queue.Office) { o.Services[2].WalkInQuota = 3 }, at: "09:00", drawn: 3, service: "fz", code: queue.WalkInsFull},
		{name: "quota of another service", edit: func(o *queue.Office) { o.Services[0].WalkInQuota = 3 }, at: "09:00", drawn: 3, service: "fz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.edit).at("08:00")
			for range tt.drawn {
				f.walkIn("", "fz")
			}
			f.at(tt.at)
			_, events, err := f.q.WalkIn(f.now, tt.service, false)
			f.record(events)
			wantCode(t, "walk-in", err, tt.code)
		})
	}
}

// TestClosingInTimeZone: the closing time is the office's wall clock, also
// on the day the clocks go forward.
func TestClosingInTimeZone(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	o := testOffice()
	o.Location, o.Policy.Closing = berlin, 18*time.Hour+30*time.Minute
	q := queue.New(o, "2026-03-29")
	got, ok := q.ClosingAt(time.Date(2026, 3, 29, 9, 0, 0, 0, berlin))
	if want := time.Date(2026, 3, 29, 18, 30, 0, 0, berlin); !ok || !got.Equal(want) {
		t.Fatalf("closing %v, want %v", got, want)
	}
}
