package demo

import (
	"context"
	"fmt"
	"sync"
	"time"

	"lotse/hub/booking"
	"lotse/hub/queue"
)

// Backend is the demo booking backend: it generates each office's day on
// request and keeps the reports it receives in memory.
type Backend struct {
	now     func() time.Time
	offices []queue.Office

	mu      sync.Mutex
	reports []booking.Report
	seen    map[int64]bool
}

var _ booking.Backend = (*Backend)(nil)

// New returns the demo backend for the demo offices. now is the clock Today
// uses; nil means time.Now.
func New(now func() time.Time) *Backend {
	return NewForOffices(Offices(), now)
}

// NewForOffices returns a demo backend that generates days for the given
// offices, so that a configured office set can run on demo bookings too.
func NewForOffices(offices []queue.Office, now func() time.Time) *Backend {
	if now == nil {
		now = time.Now
	}
	return &Backend{now: now, offices: offices, seen: map[int64]bool{}}
}

// Appointments returns the office's demo appointments of day (YYYY-MM-DD),
// cancelled ones included. The same office and day always give the same
// list, secrets included.
func (b *Backend) Appointments(ctx context.Context, office, day string) ([]booking.Appointment, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	o, err := b.office(office)
	if err != nil {
		return nil, err
	}
	return generate(o, day)
}

// Today returns the office-local day by the backend's clock and that day's
// appointments, for the demo page.
func (b *Backend) Today(ctx context.Context, office string) (day string, list []booking.Appointment, err error) {
	o, err := b.office(office)
	if err != nil {
		return "", nil, err
	}
	day = o.Day(b.now())
	list, err = b.Appointments(ctx, office, day)
	return day, list, err
}

// Report records a report. Delivering the same report (by ID) again has no
// further effect. Reports for offices the backend does not know are
// rejected for good.
func (b *Backend) Report(ctx context.Context, r booking.Report) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := b.office(r.Office); err != nil {
		return booking.Permanent(err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.seen[r.ID] {
		return nil
	}
	b.seen[r.ID] = true
	b.reports = append(b.reports, r)
	return nil
}

// Reports returns the reports received so far, in order of arrival.
func (b *Backend) Reports() []booking.Report {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]booking.Report(nil), b.reports...)
}

func (b *Backend) office(id string) (*queue.Office, error) {
	for i := range b.offices {
		if b.offices[i].ID == id {
			return &b.offices[i], nil
		}
	}
	return nil, fmt.Errorf("demo backend: %w", queue.Errorf(queue.NotFound, "unknown office %q", id))
}
