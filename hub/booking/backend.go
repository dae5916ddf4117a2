// Package booking connects the hub to the booking backend: the Backend
// interface, the sync loop that pulls the day's appointments, the outbox
// that reports arrivals, calls, service ends and no-shows at least once and
// in order, and the adapters (demo is the embedded default).
package booking

import (
	"context"
	"time"

	"lotse/hub/queue"
)

// Appointment is an appointment as a backend delivers it. The birth date is
// in plain text here and nowhere else: the sync loop hashes it before the
// appointment reaches the queue or the store.
type Appointment struct {
	ID        string
	Start     time.Time
	Duration  time.Duration
	Services  []queue.ServiceCount // our service ids (adapters map theirs)
	Secret    string
	BirthDate string // YYYY-MM-DD, or "" when the backend has none
	Name      string
	Cancelled bool
}

// Report is one status report to the backend. ID is the outbox row id and
// serves as the idempotency key: a report delivered twice has one effect.
// The type is the domain's, so that the store keeping the outbox need not
// import this package.
type Report = queue.OutboxReport

// Backend is a booking system.
type Backend interface {
	// Appointments returns all appointments of one office and day
	// (YYYY-MM-DD), cancelled ones included or left out.
	Appointments(ctx context.Context, office, day string) ([]Appointment, error)
	// Report delivers one status report. It must be idempotent in ID.
	Report(ctx context.Context, r Report) error
}
