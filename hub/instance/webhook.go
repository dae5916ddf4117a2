package instance

import (
	"context"
	"log/slog"
	"sync"

	"lotse/hub/booking"
)

// resync serves the booking webhook: it knows each office's secret and
// syncs an office soon after a webhook asked for it. Webhooks arriving
// while a sync runs coalesce into one more sync, so a burst of changes
// costs two pulls, not one per change.
type resync struct {
	syncer  *booking.Syncer
	secrets map[string][]byte
	log     *slog.Logger

	mu      sync.Mutex
	pending map[string]bool
	wake    chan struct{}
}

func newResync(s *booking.Syncer, secrets map[string][]byte, log *slog.Logger) *resync {
	return &resync{syncer: s, secrets: secrets, log: log, pending: map[string]bool{}, wake: make(chan struct{}, 1)}
}

// WebhookSecret returns the office's webhook secret, nil for none.
func (r *resync) WebhookSecret(office string) []byte { return r.secrets[office] }

// BookingChanged schedules a sync of the office; it never blocks.
func (r *resync) BookingChanged(office string) {
	r.mu.Lock()
	r.pending[office] = true
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// run syncs the offices asked for until ctx ends.
func (r *resync) run(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-r.wake:
		}
		r.mu.Lock()
		offices := r.pending
		r.pending = map[string]bool{}
		r.mu.Unlock()
		for office := range offices {
			// SyncOffice logs and records its own failure; the regular
			// poll retries.
			if err := r.syncer.SyncOffice(ctx, office); err == nil {
				r.log.Info("booking: synced after webhook", "office", office)
			}
		}
	}
}
