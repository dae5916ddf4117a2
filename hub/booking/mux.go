package booking

import (
	"context"
	"fmt"

	"lotse/hub/queue"
)

// Mux is a Backend that hands each office to its own backend, so that one
// hub can serve offices on different booking systems while the Syncer and
// the Outbox see a single Backend.
type Mux map[string]Backend

var _ Backend = Mux(nil)

// Appointments asks the office's backend.
func (m Mux) Appointments(ctx context.Context, office, day string) ([]Appointment, error) {
	b, ok := m[office]
	if !ok {
		return nil, queue.Errorf(queue.NotFound, "no booking backend for office %q", office)
	}
	return b.Appointments(ctx, office, day)
}

// Report delivers r through its office's backend. A report of an office
// without a backend (one removed from the configuration) can never be
// delivered, so it is a permanent rejection rather than a blocked outbox.
func (m Mux) Report(ctx context.Context, r Report) error {
	b, ok := m[r.Office]
	if !ok {
		return Permanent(fmt.Errorf("no booking backend for office %q", r.Office))
	}
	return b.Report(ctx, r)
}
