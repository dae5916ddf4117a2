// Package office runs one goroutine per office, the office loop, that owns
// the office's queue. HTTP handlers and the sync hand it commands; it
// applies them with the pure queue code, commits the resulting events to
// the store in one transaction per batch (group commit: one fsync for many
// requests), and only then answers and publishes.
//
// Because one goroutine decides, two clerks pressing "next" at once cannot
// get the same ticket, and the domain code needs no lock.
package office

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"lotse/hub/queue"
	"lotse/hub/store"
)

// Publisher receives the events of every committed batch, in seq order,
// with the waiting lines after the batch. It must not block for long.
type Publisher interface {
	Publish(office string, events []queue.Event, waiting []queue.ServiceWait)
}

// Preparer is a Publisher that can encode a batch for its screens before
// the batch is durable. The loop prepares each batch while the committer
// syncs it, and the committer publishes the prepared batch once it is
// durable: the encoding of a call's event and waiting lines is then no
// longer between the fsync and the screens (the time from the fsync to
// the writers' queues went from 65 to 30 µs under the outside probe).
type Preparer interface {
	Publisher
	// Prepare encodes events and changed, the waiting lines that differ
	// after them from the lines after the batch prepared before (all
	// lines for the first batch and after a failed commit; see
	// changedLines). It must not depend on what was published before (it
	// runs ahead of that).
	Prepare(office string, events []queue.Event, changed []queue.ServiceWait) Prepared
}

// Prepared is a batch encoded by Prepare. Publish does what
// Publisher.Publish does with the batch; it is called in seq order, once.
type Prepared interface {
	Publish()
}

// Delivered is a Prepared that tells when the screens have the published
// batch: its channel closes once every live screen's writer has written
// it. The committer writes a call's derived rows (store.Batch's
// BeforeDerived) after that, up to deliveryWait: on two cores those
// rows, about 130 µs of the committer's CPU per call (pprof of the
// hub in make bench's call run, as much as the call's own commit), ran
// beside the ten writers of the call's screens.
type Delivered interface {
	Prepared
	Delivered() <-chan struct{}
}

// deliveryWait bounds how long the committer, holding the writer
// connection, lets the screens' writers go first: at ten screens they
// are done within a few tenths of a millisecond; a thousand take ten
// milliseconds, and a screen that stalls never finishes.
const deliveryWait = 2 * time.Millisecond

// publication is a batch's events on their way to the screens. The loop
// prepares it after handing the batch over; the committer publishes it.
// Whichever comes first prepares, and the other waits for that.
type publication struct {
	prepared func() Prepared // a sync.OnceValue
}

// Command is work for the office loop: it runs on the loop goroutine with
// the queue and the batch's time, and returns its result, the events it
// caused and an error. Whatever events it returns are committed before the
// caller learns the result. Run it with Do.
type Command[T any] func(q *queue.Queue, now time.Time) (result T, events []queue.Event, err error)

type command struct {
	// fn is a Command with its result boxed; Do unboxes it with the
	// type it boxed, so the caller gets a typed result.
	fn    func(q *queue.Queue, now time.Time) (any, []queue.Event, error)
	sync  *syncList // the booking backend's list of a day
	tick  bool      // the time-driven rules
	reply chan reply
}

type reply struct {
	result any
	err    error
}

// Loop is an office's loop.
type Loop struct {
	office    queue.Office
	db        *store.DB
	now       func() time.Time
	publish   Publisher
	reported  func() // wakes the outbox after reports were committed
	log       *slog.Logger
	cmds      chan command
	tickEvery time.Duration
	maxBatch  int
	dayHold   time.Duration // how long a new date must hold before the day turns

	// Owned by the loop goroutine: the new date seen on the clock and
	// since when, and the booking list of that date that came early.
	turn pendingTurn
	// Owned by the loop goroutine: how the clock has moved (dayturn.go).
	clock clockWatch
	// Owned by the loop goroutine: the overdue bookings were judged since
	// the loop started, at a tick or with a sync (applySync).
	judged bool

	// commitFn makes a batch durable: the store's Commit, or a test's.
	commitFn func(ctx context.Context, office string, b store.Batch) error
	// deliveryWait is the constant, or a test's.
	deliveryWait time.Duration

	purges  chan string // days to purge before; the purger owns the work
	purgeFn func(ctx context.Context, office, today string) (int64, error)
	// purgeTicks passes the loop's ticks to the purger, which finishes a
	// purge that readers held up (finishFn) on the next tick after.
	purgeTicks chan struct{}
	finishFn   func(ctx context.Context) error
	// purgeOwed: the start's purge is unfinished. Set by Load, before
	// Run starts the purger.
	purgeOwed bool

	q     *queue.Queue // owned by the loop goroutine
	ready chan struct{}
	seq   atomic.Int64 // pub's seq, read on every request
	pub   atomic.Pointer[published]
	// sentLines are the waiting lines after the last batch handed to the
	// publisher (loop goroutine): the next batch's events carry what
	// changed since. nil: the next carries all lines.
	sentLines []queue.ServiceWait
}

// Config wires a loop.
type Config struct {
	Office    queue.Office
	DB        *store.DB
	Now       func() time.Time // nil: time.Now
	Publish   Publisher        // nil: nobody listens
	Reported  func()           // nil: nothing to wake
	Log       *slog.Logger
	TickEvery time.Duration // how often time-driven rules run; 0: 5 s
	// DayTurnHold is how long the clock must show a new date before a
	// running loop turns the day, so that a clock jump (NTP correcting a
	// bad real-time clock) that is taken back does not end the day.
	// 0: DefaultDayTurnHold; negative: turn at once.
	DayTurnHold time.Duration
	// Elapsed is a monotonic clock: the time that really passed since
	// some fixed instant. Comparing it with Now tells a jump of the wall
	// clock from time passing, so that a jump over midnight carries the
	// day over instead of closing it. nil: with Now nil too, the machine's
	// monotonic clock; with Now set (a test's clock), it follows Now, so
	// no jump is ever seen and every new date turns the day.
	Elapsed func() time.Duration
}

// New returns a loop; Run starts it.
func New(c Config) *Loop {
	l := &Loop{
		office: c.Office, db: c.DB, now: c.Now, publish: c.Publish, reported: c.Reported, log: c.Log,
		cmds: make(chan command, 1024), tickEvery: c.TickEvery, maxBatch: 512, ready: make(chan struct{}),
		dayHold: c.DayTurnHold, purges: make(chan string, 1), purgeTicks: make(chan struct{}, 1),
		deliveryWait: deliveryWait,
	}
	l.commitFn = l.db.Commit
	l.purgeFn = l.db.Purge
	l.finishFn = l.db.FinishPurge
	store.SetZone(c.Office.ID, c.Office.Location) // the statistics' day and hour
	if l.dayHold == 0 {
		l.dayHold = DefaultDayTurnHold
	}
	l.clock.elapsed = c.Elapsed
	if l.clock.elapsed == nil {
		if l.now == nil {
			l.clock.elapsed = Monotonic()
		} else {
			start := l.now()
			l.clock.elapsed = func() time.Duration { return l.now().Sub(start) }
		}
	}
	if l.now == nil {
		l.now = time.Now
	}
	if l.log == nil {
		l.log = slog.Default()
	}
	if l.tickEvery <= 0 {
		l.tickEvery = 5 * time.Second
	}
	return l
}

// Office returns the office's configuration.
func (l *Loop) Office() *queue.Office { return &l.office }

// Seq returns the seq of the last committed event.
func (l *Loop) Seq() int64 { return l.seq.Load() }

// Ready is closed once the loop has restored its state.
func (l *Loop) Ready() <-chan struct{} { return l.ready }

// Load restores the queue from the store and closes a day that ended while
// the hub was down. It must run before Run; Run calls it if needed.
func (l *Loop) Load(ctx context.Context) error {
	st, found, err := l.db.LoadState(ctx, l.office.ID)
	if err != nil {
		return fmt.Errorf("office %s: %w", l.office.ID, err)
	}
	now := l.now()
	today := l.office.Day(now)
	if !found {
		l.q = queue.New(l.office, today)
	} else {
		l.q = queue.Restore(l.office, st)
	}
	l.q.SetTokenSource(newStatusToken)
	// Nobody is present after a start: the clerks' sessions still live
	// come back with their next request (Staff).
	l.q.TrackPresence()
	// A day opened now lives in this run; a restored one not yet.
	l.clock.start(now, !found || today > st.Day)
	l.setPublished(l.q.Seq(), l.q.Waiting())
	// The hub was down while the date changed: the stop, not a jump of
	// the clock, is the likely cause, so the day turns at once. A clock
	// behind the stored day never reopens it (CloseDay refuses).
	if events := l.q.CloseDay(now, today); len(events) > 0 {
		if err := l.commit(ctx, events, nil); err != nil {
			return fmt.Errorf("office %s: close day: %w", l.office.ID, err)
		}
	}
	// Every start purges: a purge cut short by a crash or a stop (or a
	// start that crashed after the day was closed) must not keep past
	// days' personal data for ever. It deletes nothing when all is clean.
	if err := l.purge(ctx, l.q.Day()); errors.Is(err, store.ErrPurgeUnfinished) {
		l.purgeOwed = true
		l.logPurgeUnfinished(err)
	} else if err != nil {
		// Serving the office matters more; the next turn or start
		// purges again.
		l.log.Error("purge of past days failed", "office", l.office.ID, "err", err)
	}
	return nil
}

// Run serves commands until ctx ends.
//
// It is a two-stage pipeline: this goroutine applies commands to the queue
// and a committer goroutine makes them durable, answers and publishes, in
// order. Nobody hears of a command before it is committed. While the
// committer is busy with one batch, this goroutine keeps adding what it
// applies to the next batch (handoff), and the committer takes all of it
// as soon as it is free, without waiting for this goroutine to run: a
// batch is everything that came during the previous commit, so one fsync
// serves as many requests as are waiting (group commit), however slow the
// disk or busy the machine. If a commit fails, every command applied after
// it stood on a state that never became durable: the committer fails what
// it takes of that state, this goroutine fails what it still has, and
// restores the queue from the store before going on.
func (l *Loop) Run(ctx context.Context) error {
	if l.q == nil {
		if err := l.Load(ctx); err != nil {
			return err
		}
	}
	close(l.ready)
	h := newHandoff(l.maxBatch)
	failed := make(chan int, 1) // the epoch whose commit failed
	committed := make(chan struct{})
	purged := make(chan struct{})
	// Every goroutine the loop starts ends before Run returns: the hub
	// closes the store right after.
	go func() {
		defer close(purged)
		l.purger(ctx)
	}()
	go func() {
		defer close(committed)
		l.commitAll(ctx, h, failed)
	}()
	// held is applied but did not fit the batch waiting in h (full, or it
	// turned the day); it goes as soon as the committer takes that one.
	var held pendingBatch
	defer func() {
		held.fail(ctx.Err())
		h.close(ctx.Err())
		<-committed
		<-purged
		l.drain(ctx.Err())
	}()
	tick := time.NewTicker(l.tickEvery)
	defer tick.Stop()
	epoch := 0
	batch := make([]command, 0, l.maxBatch)
	for {
		cmds, ticks, taken := l.cmds, tick.C, (<-chan struct{})(nil)
		if held.size > 0 {
			cmds, ticks, taken = nil, nil, h.taken
		}
		var p pendingBatch
		select {
		case <-ctx.Done():
			return nil
		case bad := <-failed:
			if bad == epoch {
				err := errors.New("an earlier commit failed")
				held.fail(err)
				held = pendingBatch{}
				h.drop().fail(err)
				if err := l.reload(ctx); err != nil {
					l.log.Error("restore failed", "office", l.office.ID, "err", err)
				}
				epoch++
			}
			continue
		case <-taken:
			p, held = held, pendingBatch{}
		case c := <-cmds:
			batch = append(batch[:0], c)
		collect:
			for len(batch) < l.maxBatch {
				select {
				case c := <-l.cmds:
					batch = append(batch, c)
				default:
					break collect
				}
			}
			l.apply(&p, batch)
			p.epoch = epoch
		case <-ticks:
			l.apply(&p, []command{{tick: true}})
			p.epoch = epoch
		}
		if !h.put(p) {
			held = p
		}
		// While the committer syncs the batch: on another processor, so
		// that the committer, woken by put on this one, starts at once.
		if len(p.pubs) > 0 {
			runtime.Gosched()
			for _, pub := range p.pubs {
				pub.prepared()
			}
		}
	}
}

// handoff passes applied commands from the loop to the committer: the loop
// adds what it applies to the batch waiting here, the committer takes the
// whole batch when it is free.
type handoff struct {
	max    int
	mu     sync.Mutex
	next   pendingBatch
	closed error         // set by close: the committer takes nothing more
	ready  chan struct{} // cap 1: next holds something, or h closed
	taken  chan struct{} // cap 1: the committer emptied next
}

func newHandoff(max int) *handoff {
	return &handoff{max: max, ready: make(chan struct{}, 1), taken: make(chan struct{}, 1)}
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// put adds p to the waiting batch and reports whether it could: a batch
// that is full, or turned or carried the day, takes nothing more.
func (h *handoff) put(p pendingBatch) bool {
	if p.size == 0 {
		return true
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.next.size > 0 && (h.next.full(h.max) || h.next.size+p.size > h.max) {
		return false
	}
	h.next.merge(p)
	signal(h.ready)
	return true
}

// take waits for a batch and takes all of it; ok is false once closed.
func (h *handoff) take() (p pendingBatch, ok bool) {
	for {
		h.mu.Lock()
		if h.closed != nil {
			h.mu.Unlock()
			return p, false
		}
		if h.next.size > 0 {
			p, h.next = h.next, pendingBatch{}
			// The batch's signal is spent: awaitDelivery must not take
			// it for more work handed over.
			select {
			case <-h.ready:
			default:
			}
			h.mu.Unlock()
			signal(h.taken)
			return p, true
		}
		h.mu.Unlock()
		<-h.ready
	}
}

// drop takes the waiting batch away from the committer.
func (h *handoff) drop() pendingBatch {
	h.mu.Lock()
	defer h.mu.Unlock()
	p := h.next
	h.next = pendingBatch{}
	return p
}

// close fails the waiting batch with err and ends take.
func (h *handoff) close(err error) {
	if err == nil {
		err = ErrStopped
	}
	h.drop().fail(err)
	h.mu.Lock()
	h.closed = err
	h.mu.Unlock()
	signal(h.ready)
}

// pendingBatch is an applied batch on its way to the store.
type pendingBatch struct {
	epoch   int
	size    int // commands and ticks applied
	replies []chan reply
	results []reply
	events  []queue.Event
	audit   []store.AuditEntry
	appts   []queue.Appointment
	cursor  store.Batch // day, seq and last number after the batch
	waiting []queue.ServiceWait
	purge   string // the day turned: purge the days before this one once committed
	carry   string // the day carried over to the cursor's day, if any
	// pubs are the prepared publications of the applied batches merged
	// into this one, in order; nil when the publisher prepares nothing.
	pubs []*publication
}

// full reports whether the batch takes no more commands: it holds max, or
// it turned or carried the day, which the store writes after the batch's
// own rows (store.Batch.CarryFrom) and the purge follows.
func (p *pendingBatch) full(max int) bool {
	return p.size >= max || p.purge != "" || p.carry != ""
}

// merge adds the batch q, applied after p, to p.
func (p *pendingBatch) merge(q pendingBatch) {
	if p.size == 0 {
		*p = q
		return
	}
	p.size += q.size
	p.replies = append(p.replies, q.replies...)
	p.results = append(p.results, q.results...)
	p.events = append(p.events, q.events...)
	p.audit = append(p.audit, q.audit...)
	p.appts = append(p.appts, q.appts...)
	p.pubs = append(p.pubs, q.pubs...)
	// The cursor and the waiting lines after the later batch; p has no
	// carry or purge (full), so q's are the merged batch's.
	p.cursor = q.cursor
	if len(q.events) > 0 {
		p.waiting = q.waiting
	}
	p.purge, p.carry = q.purge, q.carry
}

func (p pendingBatch) fail(err error) {
	for _, r := range p.replies {
		if r != nil {
			r <- reply{err: &queue.Error{Code: queue.Unavailable, Message: "could not save; please try again", Err: err}}
		}
	}
}

// apply runs commands on the queue and adds them to p; it runs on the loop
// goroutine only.
func (l *Loop) apply(p *pendingBatch, batch []command) {
	now := l.now()
	// Tickets changed while the clock shows the queue's date make the
	// day live (the clock's watch decides how a jump moves it).
	onDay := l.office.Day(now) <= l.q.Day()
	l.clock.look(now, !onDay)
	for _, c := range batch {
		p.size++
		p.replies = append(p.replies, c.reply)
		if c.sync != nil {
			p.results = append(p.results, reply{result: l.applySync(p, now, c.sync)})
			continue
		}
		if c.tick {
			p.results = append(p.results, reply{})
			l.tick(p, now)
			continue
		}
		res, ev, err := c.fn(l.q, now)
		p.results = append(p.results, reply{result: res, err: err})
		p.events = append(p.events, ev...)
		if a, ok := res.(store.Audited); ok && err == nil {
			p.audit = append(p.audit, a.AuditEntries()...)
		}
		l.clock.used(onDay, ev)
	}
	// A carry stays with the batch that made it: the store re-keys the
	// batch's rows of the old day after writing them.
	p.cursor = store.Batch{Day: l.q.Day(), Seq: l.q.Seq(), LastNumber: l.q.LastNumber(), CarryFrom: p.carry}
	if len(p.events) > 0 {
		p.waiting = l.q.Waiting()
		changed := changedLines(l.sentLines, p.waiting)
		l.sentLines = p.waiting
		if pr, ok := l.publish.(Preparer); ok {
			events, waiting := p.events, changed
			p.pubs = append(p.pubs, &publication{prepared: sync.OnceValue(func() Prepared {
				return pr.Prepare(l.office.ID, events, waiting)
			})})
		}
	}
}

// commitAll commits the batches in order, then answers and publishes.
func (l *Loop) commitAll(ctx context.Context, h *handoff, failed chan<- int) {
	bad := -1
	for {
		p, ok := h.take()
		if !ok {
			return
		}
		if p.epoch == bad {
			p.fail(errors.New("an earlier commit failed"))
			continue
		}
		if len(p.events) > 0 || len(p.appts) > 0 || p.carry != "" {
			b := p.cursor
			b.Events, b.Appointments, b.Audit = p.events, p.appts, p.audit
			// Published as soon as the events are durable: the store may
			// write the rows derived from them after that.
			published := false
			b.Durable = func() {
				published = true
				l.committed(p)
			}
			b.BeforeDerived = func() { l.awaitDelivery(p.pubs, h) }
			if err := l.commitFn(ctx, l.office.ID, b); err != nil {
				l.log.Error("commit failed; restoring the queue from the store", "office", l.office.ID, "err", err)
				bad = p.epoch
				failed <- p.epoch
				p.fail(err)
				continue
			}
			if !published {
				l.committed(p)
			}
		}
		if p.purge != "" {
			l.schedulePurge(p.purge)
		}
		for i, r := range p.replies {
			if r != nil {
				r <- p.results[i]
			}
		}
	}
}

// awaitDelivery waits until the screens have the last of pubs, for
// deliveryWait at most, and not while the loop hands over more work:
// then the committer goes on at once.
func (l *Loop) awaitDelivery(pubs []*publication, h *handoff) {
	if len(pubs) == 0 {
		return
	}
	d, ok := pubs[len(pubs)-1].prepared().(Delivered)
	if !ok {
		return
	}
	select {
	case <-d.Delivered():
		return
	default:
	}
	t := time.NewTimer(l.deliveryWait)
	defer t.Stop()
	select {
	case <-d.Delivered():
	case <-t.C:
	case <-h.ready:
		signal(h.ready) // the committer's take is woken by it still
	}
}

// committed publishes what is now durable.
func (l *Loop) committed(p pendingBatch) {
	events, waiting := p.events, p.waiting
	if len(events) == 0 {
		return
	}
	l.setPublished(events[len(events)-1].Seq, waiting)
	switch {
	case len(p.pubs) > 0:
		for _, pub := range p.pubs {
			pub.prepared().Publish()
		}
	case l.publish != nil:
		l.publish.Publish(l.office.ID, events, waiting)
	}
	for _, e := range events {
		if e.Report != "" {
			if l.reported != nil {
				l.reported()
			}
			break
		}
	}
}

func (l *Loop) drain(err error) {
	for {
		select {
		case c := <-l.cmds:
			if c.reply != nil {
				c.reply <- reply{err: &queue.Error{Code: queue.Unavailable, Message: "the hub is shutting down", Err: err}}
			}
		default:
			return
		}
	}
}

// commit writes events synchronously; Load uses it before the pipeline
// runs. Nobody listens yet (the stream preloads its events from the
// store), so it does not publish.
func (l *Loop) commit(ctx context.Context, events []queue.Event, appts []queue.Appointment) error {
	q := l.q
	err := l.db.Commit(ctx, l.office.ID, store.Batch{Events: events, Appointments: appts, Day: q.Day(), Seq: q.Seq(), LastNumber: q.LastNumber()})
	if err != nil {
		return err
	}
	l.setPublished(q.Seq(), q.Waiting())
	if l.reported != nil {
		l.reported()
	}
	return nil
}

func (l *Loop) reload(ctx context.Context) error {
	st, found, err := l.db.LoadState(ctx, l.office.ID)
	if err != nil {
		return err
	}
	old := l.q
	if !found {
		l.q = queue.New(l.office, l.office.Day(l.now()))
	} else {
		l.q = queue.Restore(l.office, st)
	}
	l.q.SetTokenSource(newStatusToken)
	l.q.TrackPresence()
	l.q.KeepPresence(old)
	// A carry that did not become durable is made again: the store holds
	// the old day, and the clock's jump still stands.
	l.clock.reloaded(l.q.Day())
	l.turn = pendingTurn{}
	// The batches since the failed one were never published: the next
	// carries every line. What the store holds is published: a commit
	// can fail after its rows were written, and a snapshot read from the
	// store waits for its seq to be published (WaitingAt).
	l.sentLines = nil
	l.setPublished(l.q.Seq(), l.q.Waiting())
	return nil
}

// ErrStopped answers commands sent to a loop that no longer runs.
var ErrStopped = &queue.Error{Code: queue.Unavailable, Message: "the office is not running"}

// Do runs cmd on the loop l and waits for its committed result. On an
// error the result is the command's own (e.g. a zero ticket) or, when the
// loop could not run it, T's zero value.
func Do[T any](ctx context.Context, l *Loop, cmd Command[T]) (T, error) {
	res, err := l.send(ctx, command{fn: func(q *queue.Queue, now time.Time) (any, []queue.Event, error) {
		return cmd(q, now)
	}, reply: make(chan reply, 1)})
	// Only the boxing above puts a result in the reply, so the result is
	// a T or nothing (the loop failed, or T is an interface and was nil).
	out, _ := res.(T)
	return out, err
}

func (l *Loop) send(ctx context.Context, c command) (any, error) {
	select {
	case l.cmds <- c:
	case <-ctx.Done():
		return nil, fmt.Errorf("office %s: %w", l.office.ID, ctx.Err())
	}
	select {
	case r := <-c.reply:
		return r.result, r.err
	case <-ctx.Done():
		// The command may still commit; the caller repeats idempotently.
		return nil, fmt.Errorf("office %s: %w", l.office.ID, ctx.Err())
	}
}

// ApplyAppointments hands the backend's list of a day to the queue. A list
// for a past day is ignored: it would cancel the day. A list for the new
// date while the day turn waits for the date to hold is kept and applied
// at the turn.
func (l *Loop) ApplyAppointments(ctx context.Context, office, day string, list []queue.Appointment) (int, error) {
	if office != l.office.ID {
		return 0, queue.Errorf(queue.Invalid, "appointments of office %s sent to %s", office, l.office.ID)
	}
	res, err := l.send(ctx, command{reply: make(chan reply, 1), sync: &syncList{day: day, list: list}})
	if err != nil {
		return 0, err
	}
	n, _ := res.(int)
	return n, nil
}

// Set routes the sync's appointment lists to the offices' loops.
type Set map[string]*Loop

// ApplyAppointments hands a list to the loop of its office.
func (s Set) ApplyAppointments(ctx context.Context, office, day string, list []queue.Appointment) (int, error) {
	l, ok := s[office]
	if !ok {
		return 0, queue.Errorf(queue.NotFound, "unknown office %q", office)
	}
	return l.ApplyAppointments(ctx, office, day, list)
}

// TickNow runs the time-driven rules at once instead of at the next tick.
func (l *Loop) TickNow() {
	select {
	case l.cmds <- command{tick: true}:
	default:
	}
}

// Staff tells the queue that a clerk's session works at counter until it
// expires (queue.Queue.Staff); the tick ends it then.
func (l *Loop) Staff(ctx context.Context, session, counter string, until time.Time) error {
	_, err := Do(ctx, l, func(q *queue.Queue, now time.Time) (struct{}, []queue.Event, error) {
		q.Staff(session, counter, until)
		return struct{}{}, q.StaffingChanges(now), nil
	})
	return err
}

// Unstaff tells the queue that a session ended: logout, takeover, a
// password change (queue.Queue.Unstaff).
func (l *Loop) Unstaff(ctx context.Context, session string) error {
	_, err := Do(ctx, l, func(q *queue.Queue, now time.Time) (struct{}, []queue.Event, error) {
		q.Unstaff(session)
		return struct{}{}, q.StaffingChanges(now), nil
	})
	return err
}
