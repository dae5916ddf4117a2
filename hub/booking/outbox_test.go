package booking

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"lotse/hub/queue"
)

// memStore is an in-memory OutboxStore with fault injection.
type memStore struct {
	mu          sync.Mutex
	reports     map[int64]Report
	dead        []deadLetter
	nextID      int64
	pendingErrs int // PendingReports fails this many more times
	deleteErrs  int // DeleteReport fails this many more times
}

type deadLetter struct {
	r      Report
	answer string
}

func newMemStore(ids ...int64) *memStore {
	s := &memStore{reports: map[int64]Report{}}
	s.add(ids...)
	return s
}

func (s *memStore) add(ids ...int64) { s.addFor("mitte", ids...) }

func (s *memStore) addFor(office string, ids ...int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		s.reports[id] = Report{ID: id, Office: office, Appointment: "M-1", Kind: queue.ReportArrived,
			At: time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC).Add(time.Duration(id) * time.Minute)}
		s.nextID = max(s.nextID, id)
	}
}

func (s *memStore) PendingReports(ctx context.Context, office string, limit int) ([]Report, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pendingErrs > 0 {
		s.pendingErrs--
		return nil, errors.New("database is locked")
	}
	var out []Report
	for _, r := range s.reports {
		if r.Office == office {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b Report) int { return int(a.ID - b.ID) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (s *memStore) DeleteReports(ctx context.Context, ids []int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.deleteErrs > 0 {
		s.deleteErrs--
		return errors.New("disk I/O error")
	}
	for _, id := range ids {
		delete(s.reports, id)
	}
	return nil
}

func (s *memStore) DeadLetter(ctx context.Context, r Report, answer string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dead = append(s.dead, deadLetter{r, answer})
	delete(s.reports, r.ID)
	return nil
}

func (s *memStore) RetryDeadLetters(ctx context.Context, office string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	kept := s.dead[:0]
	for _, d := range s.dead {
		if d.r.Office != office {
			kept = append(kept, d)
			continue
		}
		s.nextID++
		d.r.ID = s.nextID
		s.reports[d.r.ID] = d.r
		n++
	}
	s.dead = kept
	return n, nil
}

func (s *memStore) deadLetters() []deadLetter {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.dead)
}

func (s *memStore) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.reports)
}

// countingStore is a memStore that also tells its depth.
type countingStore struct{ *memStore }

func (s countingStore) OutboxStats(ctx context.Context, office string) (OutboxStats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var st OutboxStats
	for _, r := range s.reports {
		if r.Office == office {
			st.Depth++
			if st.Oldest.IsZero() || r.At.Before(st.Oldest) {
				st.Oldest = r.At
			}
		}
	}
	for _, d := range s.dead {
		if d.r.Office == office {
			st.DeadLetters++
			st.LastAnswer = d.answer
		}
	}
	return st, nil
}

// flakyBackend fails reports as told and records every attempt.
type flakyBackend struct {
	mu        sync.Mutex
	failures  map[int64]int // transient failures left per report id
	permanent map[int64]bool
	attempts  []int64
	accepted  []int64 // ids the backend has, without duplicates
}

func newFlakyBackend() *flakyBackend {
	return &flakyBackend{failures: map[int64]int{}, permanent: map[int64]bool{}}
}

func (b *flakyBackend) Appointments(ctx context.Context, office, day string) ([]Appointment, error) {
	return nil, nil
}

func (b *flakyBackend) Report(ctx context.Context, r Report) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.attempts = append(b.attempts, r.ID)
	if b.permanent[r.ID] {
		return Permanent(errors.New("HTTP 404: unknown appointment"))
	}
	if b.failures[r.ID] > 0 {
		b.failures[r.ID]--
		return errors.New("HTTP 503")
	}
	if !slices.Contains(b.accepted, r.ID) {
		b.accepted = append(b.accepted, r.ID)
	}
	return nil
}

func (b *flakyBackend) fail(id int64, times int) {
	b.mu.Lock()
	b.failures[id] = times
	b.mu.Unlock()
}

func (b *flakyBackend) got() (attempts, accepted []int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.attempts), slices.Clone(b.accepted)
}

// idle is the poll interval of the tests: long enough to tell it from any
// backoff.
const idle = time.Hour

type outboxRig struct {
	store   *memStore
	backend *flakyBackend
	timers  *fakeTimers
	outbox  *Outbox
	cancel  context.CancelFunc
	done    chan error
	now     time.Time
}

func startOutbox(t *testing.T, store OutboxStore, mem *memStore, backend *flakyBackend, batch int) *outboxRig {
	t.Helper()
	r := &outboxRig{store: mem, backend: backend, timers: newFakeTimers(), done: make(chan error, 1),
		now: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)}
	r.outbox = &Outbox{
		Store: store, Backend: backend, Log: slog.New(slog.DiscardHandler), Offices: []string{"mitte"},
		Now:        func() time.Time { return r.now },
		MinBackoff: time.Second, MaxBackoff: 8 * time.Second, Poll: idle, BatchSize: batch,
		After:  r.timers.After,
		Jitter: func(d time.Duration) time.Duration { return d },
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.done <- r.outbox.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-r.done:
			if err != nil {
				t.Errorf("Run = %v, want nil when the context ends", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Run did not stop within 10s of cancel")
		}
	})
	return r
}

// waits runs the outbox through its timers: each expected wait must come
// next; backoffs are fired, the final idle wait is left waiting.
func (r *outboxRig) waits(t *testing.T, want ...time.Duration) {
	t.Helper()
	for i, d := range want {
		tm := r.timers.next(t)
		if tm.d != d {
			t.Fatalf("wait %d = %v, want %v (waits %v)", i, tm.d, d, want)
		}
		if d != idle {
			tm.ch <- r.now
		}
	}
}

func TestOutboxDeliversInOrderAndBacksOff(t *testing.T) {
	store := newMemStore(1, 2, 3, 4, 5)
	backend := newFlakyBackend()
	backend.fail(3, 3)
	r := startOutbox(t, store, store, backend, 0)

	// Report 3 fails three times: 1s, 2s, 4s; then everything goes out.
	r.waits(t, time.Second, 2*time.Second, 4*time.Second, idle)
	attempts, accepted := backend.got()
	if want := []int64{1, 2, 3, 3, 3, 3, 4, 5}; !slices.Equal(attempts, want) {
		t.Errorf("attempts = %v, want %v: a failing report must hold back the ones behind it", attempts, want)
	}
	if want := []int64{1, 2, 3, 4, 5}; !slices.Equal(accepted, want) {
		t.Errorf("accepted = %v, want %v", accepted, want)
	}
	if store.len() != 0 {
		t.Errorf("%d reports left in the store", store.len())
	}
	st := r.outbox.Status()
	if st.Depth != 0 || st.Delivered != 5 || st.LastError != "" || !st.FailingSince.IsZero() || !st.LastDelivery.Equal(r.now) {
		t.Errorf("status = %+v, want healthy with 5 delivered", st)
	}

	// New reports after a Notify: the backoff starts from the bottom again.
	backend.fail(6, 1)
	store.add(6, 7)
	r.outbox.Notify()
	r.waits(t, time.Second, idle)
	if _, accepted := backend.got(); !slices.Equal(accepted, []int64{1, 2, 3, 4, 5, 6, 7}) {
		t.Errorf("accepted = %v, want 1…7", accepted)
	}
}

func TestOutboxBackoffCapsAndStatus(t *testing.T) {
	store := newMemStore(10, 11)
	backend := newFlakyBackend()
	backend.fail(10, 5)
	r := startOutbox(t, countingStore{store}, store, backend, 0)

	// 1s, 2s, 4s, 8s, 8s: capped at MaxBackoff. Look at the status while
	// it is failing.
	for i, d := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second} {
		tm := r.timers.next(t)
		if tm.d != d {
			t.Fatalf("backoff %d = %v, want %v", i+1, tm.d, d)
		}
		st := r.outbox.Status()
		if st.LastError == "" || !st.FailingSince.Equal(time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)) || st.Depth != 2 || st.Delivered != 0 {
			t.Errorf("status while failing = %+v, want an error, failing since 09:00 and depth 2", st)
		}
		r.now = r.now.Add(d) // FailingSince must stay at the first failure
		tm.ch <- r.now
	}
	r.waits(t, idle)
	if st := r.outbox.Status(); st.LastError != "" || !st.FailingSince.IsZero() || st.Depth != 0 || st.Delivered != 2 {
		t.Errorf("status after recovery = %+v, want healthy", st)
	}
}

// TestOutboxKeepsRefusedReports: a report the backend refuses for good
// (4xx) does not block the ones behind it and is never lost: it waits as
// a dead letter with the backend's answer, counted in the status, until a
// retry after the fix puts it back.
func TestOutboxKeepsRefusedReports(t *testing.T) {
	mem := newMemStore(1, 2, 3)
	backend := newFlakyBackend()
	backend.permanent[2] = true
	r := startOutbox(t, countingStore{mem}, mem, backend, 0)
	r.waits(t, idle)
	attempts, accepted := backend.got()
	if !slices.Equal(attempts, []int64{1, 2, 3}) || !slices.Equal(accepted, []int64{1, 3}) {
		t.Errorf("attempts %v, accepted %v; want 1,2,3 tried once and 2 refused", attempts, accepted)
	}
	dead := mem.deadLetters()
	if len(dead) != 1 || dead[0].r.ID != 2 || !strings.Contains(dead[0].answer, "HTTP 404: unknown appointment") {
		t.Fatalf("dead letters = %+v, want report 2 with the backend's answer", dead)
	}
	st := r.outbox.OfficeStatus("mitte")
	if st.DeadLettered != 1 || st.DeadLetters != 1 || st.Delivered != 2 || st.LastError != "" || st.Depth != 0 ||
		!strings.Contains(st.LastAnswer, "unknown appointment") {
		t.Errorf("status = %+v, want 1 dead letter with its answer, 2 delivered", st)
	}
	if mem.len() != 0 {
		t.Errorf("%d reports left in the outbox", mem.len())
	}

	// The cause is fixed; the retry delivers it.
	backend.mu.Lock()
	backend.permanent[4] = false
	backend.permanent[2] = false
	backend.mu.Unlock()
	n, err := r.outbox.RetryDeadLetters(context.Background(), "mitte")
	if err != nil || n != 1 {
		t.Fatalf("RetryDeadLetters = %d, %v; want 1", n, err)
	}
	r.waits(t, idle)
	if _, accepted := backend.got(); !slices.Equal(accepted, []int64{1, 3, 4}) {
		t.Errorf("accepted = %v, want the retried report as 4", accepted)
	}
	if st := r.outbox.OfficeStatus("mitte"); st.DeadLetters != 0 || st.Depth != 0 || st.Delivered != 3 {
		t.Errorf("status after the retry = %+v", st)
	}
}

// TestOutboxEmptiedTellsNoOldest: once every report has left the outbox,
// delivered or kept as a dead letter, the status tells no oldest one, even
// from a store that cannot count (the refresh after a round would correct
// it; /healthz may be asked before that).
func TestOutboxEmptiedTellsNoOldest(t *testing.T) {
	tests := []struct {
		name    string
		refused []int64
	}{
		{"all delivered", nil},
		{"the last one refused", []int64{3}},
		{"one refused in between", []int64{2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := newMemStore(1, 2, 3)
			backend := newFlakyBackend()
			for _, id := range tt.refused {
				backend.permanent[id] = true
			}
			r := startOutbox(t, mem, mem, backend, 0)
			r.waits(t, idle)
			if st := r.outbox.OfficeStatus("mitte"); st.Depth != 0 || !st.Oldest.IsZero() {
				t.Errorf("status = %+v, want an empty outbox without an oldest report", st)
			}
		})
	}
}

// TestOutboxOfficesAreIndependent: one office's backend is down; the
// other office's reports go out at once, and each office tells its own
// depth, oldest report and failure.
func TestOutboxOfficesAreIndependent(t *testing.T) {
	mem := newMemStore()
	mem.addFor("mitte", 1, 3, 5)
	mem.addFor("nord", 2, 4, 6)
	backend := newFlakyBackend()
	backend.fail(1, 1000) // mitte's backend is down
	timers := newFakeTimers()
	ob := &Outbox{Store: countingStore{mem}, Backend: backend, Offices: []string{"mitte", "nord"}, Log: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC) }, Poll: idle, After: timers.After,
		MinBackoff: time.Second, Jitter: func(d time.Duration) time.Duration { return d }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ob.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	// Two loops: one idles (nord, all delivered), one backs off (mitte).
	got := map[time.Duration]int{}
	for range 2 {
		got[timers.next(t).d]++
	}
	if got[idle] != 1 || got[time.Second] != 1 {
		t.Fatalf("waits = %v, want one idle office and one backing off", got)
	}
	attempts, accepted := backend.got()
	if !slices.Equal(accepted, []int64{2, 4, 6}) || slices.Contains(attempts, 3) {
		t.Errorf("attempts %v, accepted %v: nord's reports must go out while mitte's wait behind report 1", attempts, accepted)
	}
	mitte, nord := ob.OfficeStatus("mitte"), ob.OfficeStatus("nord")
	if mitte.Depth != 3 || mitte.FailingSince.IsZero() || mitte.LastError == "" || !mitte.Oldest.Equal(time.Date(2026, 11, 21, 8, 1, 0, 0, time.UTC)) {
		t.Errorf("mitte = %+v, want 3 waiting since 08:01 and failing", mitte)
	}
	if nord.Depth != 0 || !nord.FailingSince.IsZero() || nord.Delivered != 3 || !nord.Oldest.IsZero() {
		t.Errorf("nord = %+v, want healthy and empty", nord)
	}
	if all := ob.Status(); all.Depth != 3 || all.Delivered != 3 || all.FailingSince.IsZero() {
		t.Errorf("all = %+v", all)
	}
}

func TestOutboxStoreFailures(t *testing.T) {
	tests := []struct {
		name         string
		pendingErrs  int
		deleteErrs   int
		waits        []time.Duration
		wantAttempts []int64
	}{
		{name: "store cannot read", pendingErrs: 2, waits: []time.Duration{time.Second, 2 * time.Second, idle},
			wantAttempts: []int64{1, 2}},
		// The batch went out but stayed stored: it goes out again, the
		// backend's idempotency keeps its effect single.
		{name: "store cannot delete", deleteErrs: 1, waits: []time.Duration{time.Second, idle},
			wantAttempts: []int64{1, 2, 1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newMemStore(1, 2)
			store.pendingErrs, store.deleteErrs = tt.pendingErrs, tt.deleteErrs
			backend := newFlakyBackend()
			r := startOutbox(t, store, store, backend, 0)
			r.waits(t, tt.waits...)
			attempts, accepted := backend.got()
			if !slices.Equal(attempts, tt.wantAttempts) || !slices.Equal(accepted, []int64{1, 2}) {
				t.Errorf("attempts %v, accepted %v; want %v and 1,2", attempts, accepted, tt.wantAttempts)
			}
			if store.len() != 0 {
				t.Errorf("%d reports left", store.len())
			}
		})
	}
}

func TestOutboxBatches(t *testing.T) {
	store := newMemStore(1, 2, 3, 4, 5)
	backend := newFlakyBackend()
	r := startOutbox(t, store, store, backend, 2)
	// All batches go out in one pass: no wait before the idle one.
	r.waits(t, idle)
	if _, accepted := backend.got(); !slices.Equal(accepted, []int64{1, 2, 3, 4, 5}) {
		t.Errorf("accepted = %v, want 1…5", accepted)
	}
}

func TestOutboxWakesOnNotifyAndPoll(t *testing.T) {
	store := newMemStore()
	backend := newFlakyBackend()
	r := startOutbox(t, store, store, backend, 0)
	poll := r.timers.next(t)
	if poll.d != idle {
		t.Fatalf("empty outbox waits %v, want the poll interval", poll.d)
	}

	// A report nobody notified about goes out at the next poll.
	store.add(1)
	poll.ch <- r.now
	r.waits(t, idle)
	if _, accepted := backend.got(); !slices.Equal(accepted, []int64{1}) {
		t.Errorf("after poll: accepted = %v, want [1]", accepted)
	}

	// Many notifies never block, and one pass follows.
	store.add(2)
	for range 100 {
		r.outbox.Notify()
	}
	r.waits(t, idle)
	if _, accepted := backend.got(); !slices.Equal(accepted, []int64{1, 2}) {
		t.Errorf("after notify: accepted = %v, want [1 2]", accepted)
	}
}

func TestBackoff(t *testing.T) {
	o := &Outbox{MinBackoff: time.Second, MaxBackoff: time.Minute, Jitter: func(d time.Duration) time.Duration { return d }}
	tests := []struct {
		failures int
		want     time.Duration
	}{
		{1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second}, {6, 32 * time.Second},
		{7, time.Minute}, {1000, time.Minute},
	}
	for _, tt := range tests {
		if got := o.backoff(tt.failures); got != tt.want {
			t.Errorf("backoff(%d) = %v, want %v", tt.failures, got, tt.want)
		}
	}
	// Defaults: 1s up to 60s, jittered into [d/2, d].
	def := &Outbox{}
	for n := 1; n <= 10; n++ {
		full := min(time.Second<<(n-1), time.Minute)
		for range 50 {
			if got := def.backoff(n); got < full/2 || got > full {
				t.Fatalf("default backoff(%d) = %v, want within [%v, %v]", n, got, full/2, full)
			}
		}
	}
}

// TestNotifyWithoutRun: the office loop notifies after every commit, also
// when no delivery loop runs (no backend, or before Run): it must never
// block, for an office that already has a lane as for one that has none.
// The calls run aside and the test fails after a bound instead of hanging
// until the test binary's timeout.
func TestNotifyWithoutRun(t *testing.T) {
	o := &Outbox{Offices: []string{"mitte"}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 10 {
			o.Notify()
			o.NotifyOffice("mitte")
			o.NotifyOffice("nord")
		}
	}()
	bound := 10 * time.Second
	if d, ok := t.Deadline(); ok {
		bound = min(bound, time.Until(d)/2)
	}
	select {
	case <-done:
	case <-time.After(bound):
		t.Fatalf("Notify and NotifyOffice blocked for %v without a running outbox", bound)
	}
}
