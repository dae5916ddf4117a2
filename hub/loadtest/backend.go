package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"lotse/hub/booking"
	"lotse/hub/queue"
)

// bigDay is a booking backend with a day of n appointments, all inside the
// check-in window at start, with distinct birth dates.
type bigDay struct {
	mu   sync.Mutex
	list []booking.Appointment
	next []booking.Appointment // made by prepare, handed out once
}

func newBigDay(office queue.Office, n int, now time.Time) *bigDay {
	services := office.Services
	b := &bigDay{list: make([]booking.Appointment, n)}
	birth := time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range b.list {
		b.list[i] = booking.Appointment{
			ID:        fmt.Sprintf("B-%06d", i),
			Start:     now.Add(time.Duration(i%20-10) * time.Minute).Truncate(time.Minute),
			Duration:  15 * time.Minute,
			Services:  []queue.ServiceCount{{Service: services[i%len(services)].ID, Count: 1}},
			Secret:    fmt.Sprintf("s%015x", uint64(i)*0x9e3779b97f4a7c15>>4),
			BirthDate: birth.AddDate(0, 0, i).Format(queue.DayFormat),
			Name:      fmt.Sprintf("Person %d", i),
		}
	}
	return b
}

// middayClock is the clock of the load test's hubs that serve a big day:
// it runs at the real pace from noon of the office's current day. The
// big day's bookings lie within ten minutes of the hub's now, and with
// the real clock a run within ten minutes of the office's midnight had
// bookings of another day, and could see the day turn under it: at 23:54
// in Berlin the statistics part failed with "no appointment for this code
// today" for the bookings after midnight.
func middayClock(office queue.Office) func() time.Time {
	start := time.Now()
	loc := office.Location
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := start.In(loc).Date()
	noon := time.Date(y, m, d, 12, 0, 0, 0, loc)
	return func() time.Time { return noon.Add(time.Since(start)) }
}

// prepare makes the copy of the list that the next Appointments hands
// out, so that a timed sync times the hub and not this stand-in. The copy
// (50,000 bookings, some 6 MB of pointers) is what a real backend's
// decoded answer would be, fresh memory every time, but it is the
// backend's work: made inside the timed re-sync, right after the import,
// it met a garbage collection of the import's heap in 2 of 13 runs and
// paid it in mark assists, 104 and 109 ms against the hub's own 3 ms.
func (b *bigDay) prepare() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.next = append([]booking.Appointment(nil), b.list...)
}

func (b *bigDay) Appointments(ctx context.Context, office, day string) ([]booking.Appointment, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if l := b.next; l != nil {
		b.next = nil
		return l, nil
	}
	return append([]booking.Appointment(nil), b.list...), nil
}

func (b *bigDay) Report(ctx context.Context, r booking.Report) error { return nil }
