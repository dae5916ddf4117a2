package booking

import (
	"context"
	"log/slog"
	"sync"
)

// Resync serves the booking webhook: it knows each office's secret and
// syncs an office soon after a webhook asked for it. Webhooks arriving
// while a sync runs coalesce into one more sync, so a burst of changes
// costs two pulls, not one per change.
type Resync struct {
	syncer  *Syncer
	secrets map[string][]byte
	log     *slog.Logger

	mu      sync.Mutex
	pending map[string]bool
	wake    chan struct{}
}

// NewResync returns the webhook's handler for the offices whose secrets
// are given; an office without a secret accepts no webhook.
func NewResync(s *Syncer, secrets map[string][]byte, log *slog.Logger) *Resync {
	return &Resync{syncer: s, secrets: secrets, log: log, pending: map[string]bool{}, wake: make(chan struct{}, 1)}
}

// WebhookSecret returns the office's webhook secret, nil for none.
func (r *Resync) WebhookSecret(office string) []byte { return r.secrets[office] }

// BookingChanged schedules a sync of the office; it never blocks.
func (r *Resync) BookingChanged(office string) {
	r.mu.Lock()
	r.pending[office] = true
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run syncs the offices asked for until ctx ends.
func (r *Resync) Run(ctx context.Context) error {
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
