package booking

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"lotse/hub/queue"
	"lotse/internal/plaintext"
)

// OutboxStore is where the reports wait: the store writes one row per
// report in the same transaction as the event that caused it.
type OutboxStore interface {
	// PendingReports returns up to limit undelivered reports of the
	// office, oldest (lowest ID) first.
	PendingReports(ctx context.Context, office string, limit int) ([]Report, error)
	// DeleteReports removes delivered reports, in one transaction: a busy
	// office delivers hundreds a minute, and a transaction each would
	// cost the store a disk flush each.
	DeleteReports(ctx context.Context, ids []int64) error
	// DeadLetter moves a report the backend refused for good out of the
	// outbox into the dead letters, with the backend's answer, in one
	// transaction.
	DeadLetter(ctx context.Context, r Report, answer string, at time.Time) error
	// RetryDeadLetters puts the office's dead letters back into the
	// outbox and returns how many.
	RetryDeadLetters(ctx context.Context, office string) (int, error)
}

// OutboxCounter is implemented by an OutboxStore that can tell an office's
// depth, oldest report and dead letters cheaply; the Outbox then reports
// them exactly instead of what it saw in its last batch.
type OutboxCounter interface {
	OutboxStats(ctx context.Context, office string) (OutboxStats, error)
}

// OfficeLister is implemented by an OutboxStore that can list the offices
// with pending reports: reports of an office that is no longer configured
// then get a delivery loop too (and end as dead letters) instead of
// waiting unseen.
type OfficeLister interface {
	PendingOffices(ctx context.Context) ([]string, error)
}

// DeadLetterLister is implemented by an OutboxStore that can list an
// office's dead letters, for the clerks.
type DeadLetterLister interface {
	DeadLetters(ctx context.Context, office string, limit int) ([]DeadLetter, error)
}

// DeadLetter is a report the backend refused for good, with its answer
// (the domain's type, like Report).
type DeadLetter = queue.DeadLetter

// OutboxStats is what the store knows about one office's outbox (the
// domain's type, like Report).
type OutboxStats = queue.OutboxStats

// OutboxStatus is how delivery to the booking backend goes for one office
// (or, from Status, for all), for /healthz, /metrics and the counter page.
type OutboxStatus struct {
	// Depth is the best known number of reports waiting: exact when the
	// store is an OutboxCounter, otherwise at least this many.
	Depth        int
	Oldest       time.Time // when the oldest waiting report happened; zero when none is known
	DeadLetters  int       // reports the backend refused for good, waiting for a retry
	LastAnswer   string    // the backend's answer to the newest dead letter
	LastDelivery time.Time // when the backend last accepted a report
	LastError    string    // why the last attempt failed; "" while healthy
	FailingSince time.Time // first failure of the current streak; zero while healthy
	Delivered    int64     // reports accepted since start
	DeadLettered int64     // reports refused for good since start
}

// Outbox delivers the stored reports to the booking backend at least once
// and, per office, in order (by ID). Backends are idempotent in Report.ID,
// so the effect is exactly once.
//
// Every office has its own delivery loop: a failure stops that office's
// reports at the failing one and retries it with exponential backoff,
// while the other offices (often on other backends) go on. A report the
// backend refuses for good (ErrPermanent, a 4xx) moves to the dead letters
// with the backend's answer, so that it cannot block the reports behind
// it and is never silently lost; RetryDeadLetters puts them back after a
// fix.
//
// Only one Run may be active per Outbox.
type Outbox struct {
	Store   OutboxStore
	Backend Backend
	// Offices get a delivery loop each; offices with pending reports that
	// are not listed get one too when the store is an OfficeLister.
	Offices    []string
	Now        func() time.Time // default time.Now
	Log        *slog.Logger     // default slog.Default()
	MinBackoff time.Duration    // first retry delay; default 1s
	MaxBackoff time.Duration    // retry delay cap; default 60s
	// Poll is how often an idle loop looks for reports nobody notified
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

	mu    sync.Mutex
	lanes map[string]*lane
}

// lane is the delivery of one office.
type lane struct {
	office string
	wake   chan struct{}

	mu     sync.Mutex
	status OutboxStatus
}

// left counts n reports that left the outbox, delivered or kept as dead
// letters; l.mu is held. The oldest waiting report is known again only
// when refresh reads the store, after the round; but an outbox left empty
// has none, and /healthz must not show an age beside a depth of 0 (it
// did, for the moment between the two, and failed
// TestOneOfficeOutageStaysItsOwn once in a fresh clone's CI run).
func (l *lane) left(n int) {
	l.status.Depth = max(0, l.status.Depth-n)
	if l.status.Depth == 0 {
		l.status.Oldest = time.Time{}
	}
}

// Defaults of the Outbox.
const (
	DefaultMinBackoff    = time.Second
	DefaultMaxBackoff    = 60 * time.Second
	DefaultOutboxPoll    = 30 * time.Second
	DefaultReportTimeout = 30 * time.Second
	DefaultBatchSize     = 100
)

// maxAnswer bounds the backend's answer kept with a dead letter.
const maxAnswer = 500

// Notify tells every office's loop that new reports may be waiting.
func (o *Outbox) Notify() {
	o.mu.Lock()
	lanes := make([]*lane, 0, len(o.lanes))
	for _, l := range o.lanes {
		lanes = append(lanes, l)
	}
	o.mu.Unlock()
	for _, l := range lanes {
		l.notify()
	}
}

// NotifyOffice tells the office's loop that new reports were committed.
// It never blocks. It wakes an idle loop; one that is backing off after a
// failure keeps waiting, so that a busy office does not hammer a failing
// backend.
func (o *Outbox) NotifyOffice(office string) { o.lane(office).notify() }

func (l *lane) notify() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// Run delivers reports, one loop per office, until ctx ends. It returns
// nil when ctx ends and every loop has stopped.
func (o *Outbox) Run(ctx context.Context) error {
	offices := slices.Clone(o.Offices)
	if ol, ok := o.Store.(OfficeLister); ok {
		more, err := ol.PendingOffices(ctx)
		if err != nil {
			o.log().Warn("booking: listing offices with pending reports failed", "err", err)
		}
		for _, off := range more {
			if !slices.Contains(offices, off) {
				offices = append(offices, off)
			}
		}
	}
	var wg sync.WaitGroup
	for _, off := range offices {
		l := o.lane(off)
		wg.Go(func() { o.runLane(ctx, l) })
	}
	wg.Wait()
	return nil
}

// runLane is one office's delivery loop.
func (o *Outbox) runLane(ctx context.Context, l *lane) {
	failures := 0
	for {
		err := o.deliverPending(ctx, l, &failures)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			select {
			case <-ctx.Done():
				return
			case <-l.wake:
			case <-o.after(o.poll()):
			}
			continue
		}
		failures++
		delay := o.backoff(failures)
		now := o.now()
		l.mu.Lock()
		l.status.LastError = err.Error()
		if l.status.FailingSince.IsZero() {
			l.status.FailingSince = now
		}
		l.mu.Unlock()
		o.log().Warn("booking: report delivery failed, retrying", "office", l.office, "err", err, "failures", failures, "retry_in", delay)
		select {
		case <-ctx.Done():
			return
		case <-o.after(delay):
		}
	}
}

// deliverPending delivers the office's reports until the store has none
// left or one fails. A successful delivery resets *failures.
func (o *Outbox) deliverPending(ctx context.Context, l *lane, failures *int) error {
	defer o.refresh(ctx, l)
	for {
		batch, err := o.Store.PendingReports(ctx, l.office, o.batchSize())
		if err != nil {
			return fmt.Errorf("read pending reports: %w", err)
		}
		l.mu.Lock()
		l.status.Depth = max(l.status.Depth, len(batch))
		if len(batch) > 0 {
			l.status.Oldest = batch[0].At
		}
		l.mu.Unlock()
		done := make([]int64, 0, len(batch))
		var failed error
		for _, r := range batch {
			var refusal error
			refusal, failed = o.deliver(ctx, l, r)
			if failed != nil {
				break
			}
			*failures = 0
			if refusal != nil {
				// Delivered ones first: the dead letter's transaction
				// must not leave them behind to be sent twice.
				if err := o.forget(ctx, l, done); err != nil {
					return err
				}
				done = done[:0]
				if err := o.deadLetter(ctx, l, r, answer(refusal)); err != nil {
					return err
				}
				continue
			}
			done = append(done, r.ID)
		}
		if err := o.forget(ctx, l, done); err != nil {
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
func (o *Outbox) forget(ctx context.Context, l *lane, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	if err := o.Store.DeleteReports(ctx, ids); err != nil {
		// Delivered but still stored: they go out once more, which the
		// backend's idempotency absorbs.
		return fmt.Errorf("delete %d delivered reports: %w", len(ids), err)
	}
	l.mu.Lock()
	l.left(len(ids))
	l.mu.Unlock()
	return nil
}

// deliver hands one report to the backend. refusal is the backend's
// refusal for good (ErrPermanent); failed is any other failure.
func (o *Outbox) deliver(ctx context.Context, l *lane, r Report) (refusal, failed error) {
	callCtx, cancel := context.WithTimeout(ctx, o.timeout())
	err := o.Backend.Report(callCtx, r)
	cancel()
	if err != nil && !errors.Is(err, ErrPermanent) {
		return nil, fmt.Errorf("deliver report %d: %w", r.ID, err)
	}
	now := o.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	// The backend answered: it is reachable, whatever it said.
	l.status.LastError, l.status.FailingSince = "", time.Time{}
	if err != nil {
		return err, nil
	}
	l.status.Delivered++
	l.status.LastDelivery = now
	return nil, nil
}

// deadLetter moves a refused report to the dead letters with ans, the
// backend's answer.
func (o *Outbox) deadLetter(ctx context.Context, l *lane, r Report, ans string) error {
	if err := o.Store.DeadLetter(ctx, r, ans, o.now()); err != nil {
		return fmt.Errorf("keep refused report %d: %w", r.ID, err)
	}
	o.log().Error("booking: backend refused a report for good; kept as a dead letter until retried",
		"report", r.ID, "office", r.Office, "appointment", r.Appointment, "kind", r.Kind, "answer", ans)
	l.mu.Lock()
	l.status.LastAnswer = ans
	l.status.DeadLettered++
	l.status.DeadLetters++
	l.left(1)
	l.mu.Unlock()
	return nil
}

// answer is the backend's answer as kept with a dead letter: bounded and
// free of control characters.
func answer(err error) string {
	return plaintext.Shorten(CleanText(err.Error()), maxAnswer)
}

// refresh asks the store for the office's exact depth, oldest report and
// dead letters, when it can tell them.
func (o *Outbox) refresh(ctx context.Context, l *lane) {
	c, ok := o.Store.(OutboxCounter)
	if !ok || ctx.Err() != nil {
		return
	}
	st, err := c.OutboxStats(ctx, l.office)
	if err != nil {
		// Only the status suffers: the last known values stay.
		o.log().Warn("booking: reading the outbox's depth failed", "office", l.office, "err", err)
		return
	}
	l.mu.Lock()
	l.status.Depth, l.status.Oldest, l.status.DeadLetters, l.status.LastAnswer = st.Depth, st.Oldest, st.DeadLetters, st.LastAnswer
	l.mu.Unlock()
}

// RetryDeadLetters puts the office's dead letters back into its outbox
// (after the cause was fixed: a mapping, the backend's data) and wakes its
// loop. It returns how many went back.
func (o *Outbox) RetryDeadLetters(ctx context.Context, office string) (int, error) {
	n, err := o.Store.RetryDeadLetters(ctx, office)
	if err != nil {
		return 0, fmt.Errorf("booking: retry dead letters: %w", err)
	}
	l := o.lane(office)
	l.mu.Lock()
	l.status.DeadLetters, l.status.LastAnswer = 0, ""
	l.status.Depth += n
	l.mu.Unlock()
	o.refresh(ctx, l)
	l.notify()
	if n > 0 {
		o.log().Info("booking: dead letters back in the outbox", "office", office, "reports", n)
	}
	return n, nil
}

// DeadLetters lists up to limit of the office's dead letters, newest
// first; none when the store cannot list them.
func (o *Outbox) DeadLetters(ctx context.Context, office string, limit int) ([]DeadLetter, error) {
	l, ok := o.Store.(DeadLetterLister)
	if !ok {
		return nil, nil
	}
	list, err := l.DeadLetters(ctx, office, limit)
	if err != nil {
		return nil, fmt.Errorf("booking: dead letters: %w", err)
	}
	return list, nil
}

// OfficeStatus returns how delivery goes for the office.
func (o *Outbox) OfficeStatus(office string) OutboxStatus {
	l := o.lane(office)
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.status
}

// Status returns how delivery goes for all offices together: sums, the
// oldest waiting report, the earliest failure still going on.
func (o *Outbox) Status() OutboxStatus {
	o.mu.Lock()
	lanes := make([]*lane, 0, len(o.lanes))
	for _, l := range o.lanes {
		lanes = append(lanes, l)
	}
	o.mu.Unlock()
	var all OutboxStatus
	for _, l := range lanes {
		l.mu.Lock()
		st := l.status
		l.mu.Unlock()
		all.Depth += st.Depth
		all.DeadLetters += st.DeadLetters
		all.Delivered += st.Delivered
		all.DeadLettered += st.DeadLettered
		if !st.Oldest.IsZero() && (all.Oldest.IsZero() || st.Oldest.Before(all.Oldest)) {
			all.Oldest = st.Oldest
		}
		if st.LastDelivery.After(all.LastDelivery) {
			all.LastDelivery = st.LastDelivery
		}
		if !st.FailingSince.IsZero() && (all.FailingSince.IsZero() || st.FailingSince.Before(all.FailingSince)) {
			all.FailingSince, all.LastError = st.FailingSince, st.LastError
		}
		if st.LastAnswer != "" {
			all.LastAnswer = st.LastAnswer
		}
	}
	return all
}

// lane returns the office's lane, made on first use, so that Notify and
// Status work before Run.
func (o *Outbox) lane(office string) *lane {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.lanes == nil {
		o.lanes = map[string]*lane{}
	}
	l, ok := o.lanes[office]
	if !ok {
		l = &lane{office: office, wake: make(chan struct{}, 1)}
		o.lanes[office] = l
	}
	return l
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
