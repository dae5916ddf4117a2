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

func (b *bigDay) Appointments(ctx context.Context, office, day string) ([]booking.Appointment, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]booking.Appointment(nil), b.list...), nil
}

func (b *bigDay) Report(ctx context.Context, r booking.Report) error { return nil }
