package booking

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"
)

// OutboxStore is where the reports wait: the store writes one row per
// report in the same transaction as the event that caused it.
type OutboxStore interface {
	// PendingReports returns up to limit undelivered reports of all
	// offices, oldest (lowest ID) first.
	PendingReports(ctx context.Context, limit int) ([]Report, error)
	// DeleteReports removes delivered (or permanently rejected) reports,
	// in one transaction: a busy office delivers hundreds a minute, and a
	// transaction each would cost the store a disk flush each.
	DeleteReports(ctx context.Context, ids []int64) error
}

// ReportCounter is implemented by an OutboxStore that can count its pending
// reports cheaply; the Outbox then knows its exact depth instead of a lower
// bound.
type ReportCounter interface {
	CountReports(ctx context.Context) (int, error)
}

// OutboxStatus is how delivery to the booking backend goes, for /healthz,
// /metrics and the demo page.
type OutboxStatus struct {
	// Depth is the best known number of reports waiting: exact when the
	// store is a ReportCounter, otherwise at least this many.
	Depth        int
	LastDelivery time.Time // when the backend last accepted a report
	LastError    string    // why the last attempt failed; "" while healthy
	FailingSince time.Time // first failure of the current streak; zero while healthy
	Delivered    int64     // reports accepted since start
	Dropped      int64     // reports rejected for good since start
}

// Outbox delivers the stored reports to the booking backend at least once
// and in order (by ID). Backends are idempotent in Report.ID, so the effect
// is exactly once. On a failure it stops at that report and retries it with
// exponential backoff; a permanent rejection (ErrPermanent) is logged and
// dropped so that it cannot block the reports behind it forever.
//
// Only one Run may be active per Outbox.
type Outbox struct {
	Store      OutboxStore
	Backend    Backend
	Now        func() time.Time // default time.Now
	Log        *slog.Logger     // default slog.Default()
	MinBackoff time.Duration    // first retry delay; default 1s
	MaxBackoff time.Duration    // retry delay cap; default 60s
	// Poll is how often an idle outbox looks for reports nobody notified
	// it of; default 30s.
	Poll time.Duration
	// Timeout bounds one delivery; default 30s.
	Timeout time.Duration
	// BatchSize is how many reports are read from the store at once;
	// default 100.
	BatchSize int
	// After waits (backoff, poll); default time.After. Tests inject a fake.
	After func(time.Duration) <-chan time.Time
	// Jitter spreads a backoff delay so that many hubs do not retry in
	// step; default: a random delay between d/2 and d.
	Jitter func(d time.Duration) time.Duration

	wakeOnce sync.Once
	wakeCh   chan struct{}

	mu     sync.Mutex
	status OutboxStatus
}

// Defaults of the Outbox.
const (
	DefaultMinBackoff    = time.Second
	DefaultMaxBackoff    = 60 * time.Second
	DefaultOutboxPoll    = 30 * time.Second
	DefaultReportTimeout = 30 * time.Second
	DefaultBatchSize     = 100
)

// Notify tells the outbox that new reports were committed. It never blocks.
// It wakes an idle outbox; one that is backing off after a failure keeps
// waiting, so that a busy office does not hammer a failing backend.
func (o *Outbox) Notify() {
	select {
	case o.wake() <- struct{}{}:
	default:
	}
}

// Run delivers reports until ctx ends. It returns nil when ctx ends.
func (o *Outbox) Run(ctx context.Context) error {
	failures := 0
	for {
		err := o.deliverPending(ctx, &failures)
		if ctx.Err() != nil {
			return nil
		}
		if err == nil {
			select {
			case <-ctx.Done():
				return nil
			case <-o.wake():
			case <-o.after(o.poll()):
			}
			continue
		}
		failures++
		delay := o.backoff(failures)
		now := o.now()
		o.mu.Lock()
		o.status.LastError = err.Error()
		if o.status.FailingSince.IsZero() {
			o.status.FailingSince = now
		}
		o.mu.Unlock()
		o.log().Warn("booking: report delivery failed, retrying", "err", err, "failures", failures, "retry_in", delay)
		select {
		case <-ctx.Done():
			return nil
		case <-o.after(delay):
		}
	}
}

// deliverPending delivers reports until the store has none left or one
// fails. A successful delivery resets *failures.
func (o *Outbox) deliverPending(ctx context.Context, failures *int) error {
	for {
		batch, err := o.Store.PendingReports(ctx, o.batchSize())
		if err != nil {
			return fmt.Errorf("read pending reports: %w", err)
		}
		o.setDepth(ctx, len(batch))
		done := make([]int64, 0, len(batch))
		var failed error
		for _, r := range batch {
			if failed = o.deliver(ctx, r); failed != nil {
				break
			}
			done = append(done, r.ID)
			*failures = 0
		}
		if err := o.forget(ctx, done); err != nil {
			return err
		}
		if failed != nil {
			return failed
		}
		if len(batch) < o.batchSize() {
			return nil
		}
	}
}

// forget deletes delivered reports and counts them off the depth.
func (o *Outbox) forget(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	if err := o.Store.DeleteReports(ctx, ids); err != nil {
		// Delivered but still stored: they go out once more, which the
		// backend's idempotency absorbs.
		return fmt.Errorf("delete %d delivered reports: %w", len(ids), err)
	}
	o.mu.Lock()
	o.status.Depth = max(0, o.status.Depth-len(ids))
	o.mu.Unlock()
	return nil
}

// deliver hands one report to the backend and removes it from the store
// once the backend has it or has rejected it for good.
func (o *Outbox) deliver(ctx context.Context, r Report) error {
	callCtx, cancel := context.WithTimeout(ctx, o.timeout())
	err := o.Backend.Report(callCtx, r)
	cancel()
	dropped := false
	if err != nil {
		if !errors.Is(err, ErrPermanent) {
			return fmt.Errorf("deliver report %d: %w", r.ID, err)
		}
		dropped = true
		o.log().Error("booking: backend rejected report for good, dropping it",
			"report", r.ID, "office", r.Office, "appointment", r.Appointment, "kind", r.Kind, "err", err)
	}
	now := o.now()
	o.mu.Lock()
	defer o.mu.Unlock()
	o.status.LastError, o.status.FailingSince = "", time.Time{}
	if dropped {
		o.status.Dropped++
	} else {
		o.status.Delivered++
		o.status.LastDelivery = now
	}
	return nil
}

// setDepth records the depth after reading a batch of n reports.
func (o *Outbox) setDepth(ctx context.Context, n int) {
	if c, ok := o.Store.(ReportCounter); ok {
		if total, err := c.CountReports(ctx); err == nil {
			n = total
		} else {
			// Only the depth suffers: the batch length stays a lower bound.
			o.log().Warn("booking: counting pending reports failed", "err", err)
		}
	}
	o.mu.Lock()
	o.status.Depth = n
	o.mu.Unlock()
}

// Status returns how delivery goes.
func (o *Outbox) Status() OutboxStatus {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.status
}

// backoff returns the delay before retry number failures (1, 2, …):
// MinBackoff doubled per failure up to MaxBackoff, then jittered.
func (o *Outbox) backoff(failures int) time.Duration {
	lo, hi := o.MinBackoff, o.MaxBackoff
	if lo <= 0 {
		lo = DefaultMinBackoff
	}
	if hi <= 0 {
		hi = DefaultMaxBackoff
	}
	if hi < lo {
		hi = lo
	}
	d := lo
	for i := 1; i < failures && d < hi; i++ {
		d *= 2
	}
	d = min(d, hi)
	if o.Jitter != nil {
		return o.Jitter(d)
	}
	return equalJitter(d)
}

// equalJitter returns a random delay between d/2 and d: it keeps the growth
// of the backoff while spreading retries.
func equalJitter(d time.Duration) time.Duration {
	half := d / 2
	return half + rand.N(d-half+1)
}

func (o *Outbox) wake() chan struct{} {
	o.wakeOnce.Do(func() { o.wakeCh = make(chan struct{}, 1) })
	return o.wakeCh
}

func (o *Outbox) batchSize() int {
	if o.BatchSize > 0 {
		return o.BatchSize
	}
	return DefaultBatchSize
}

func (o *Outbox) poll() time.Duration {
	if o.Poll > 0 {
		return o.Poll
	}
	return DefaultOutboxPoll
}

func (o *Outbox) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return DefaultReportTimeout
}

func (o *Outbox) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

func (o *Outbox) after(d time.Duration) <-chan time.Time {
	if o.After != nil {
		return o.After(d)
	}
	return time.After(d)
}

func (o *Outbox) log() *slog.Logger {
	if o.Log != nil {
		return o.Log
	}
	return slog.Default()
}
