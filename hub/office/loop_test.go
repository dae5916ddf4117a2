package office_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"lotse/hub/clocktest"
	"lotse/hub/office"
	"lotse/hub/queue"
	"lotse/hub/statistics"
	"lotse/hub/store"
)

type recorder struct {
	mu     sync.Mutex
	events []queue.Event
}

func (r *recorder) Publish(_ string, events []queue.Event, _ []queue.ServiceWait) {
	r.mu.Lock()
	r.events = append(r.events, events...)
	r.mu.Unlock()
}

func testOffice() queue.Office {
	return queue.Office{
		ID: "o", Name: "Office", Policy: queue.DefaultPolicy(), Location: time.UTC,
		Services: []queue.Service{{ID: "s", Name: "Service", Prefix: "A", Duration: 5 * time.Minute}},
		Counters: []queue.Counter{{ID: "c1", Name: "Schalter 1", Services: []string{"s"}}, {ID: "c2", Name: "Schalter 2", Services: []string{"s"}}},
	}
}

func start(t testing.TB, db *store.DB, c *clocktest.Clock, pub office.Publisher) (*office.Loop, func()) {
	t.Helper()
	l := office.New(office.Config{Office: testOffice(), DB: db, Now: c.Now, Elapsed: c.Elapsed, Publish: pub, TickEvery: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { l.Run(ctx); close(done) }()
	<-l.Ready()
	return l, func() { cancel(); <-done }
}

func walkIn(ctx context.Context, l *office.Loop) (queue.Ticket, error) {
	return office.Do(ctx, l, func(q *queue.Queue, now time.Time) (queue.Ticket, []queue.Event, error) {
		return q.WalkIn(now, "s", false)
	})
}

func TestGroupCommitKeepsSeqAndNumbersUnique(t *testing.T) {
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "l.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c := clocktest.New(time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC))
	rec := &recorder{}
	l, stop := start(t, db, c, rec)
	defer stop()

	var wg sync.WaitGroup
	var mu sync.Mutex
	numbers := map[string]bool{}
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tk, err := walkIn(context.Background(), l)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			if numbers[tk.Number] {
				t.Errorf("number %s twice", tk.Number)
			}
			numbers[tk.Number] = true
			mu.Unlock()
		}()
	}
	wg.Wait()
	if l.Seq() != 200 {
		t.Fatalf("seq = %d, want 200", l.Seq())
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for i, e := range rec.events {
		if e.Seq != int64(i+1) {
			t.Fatalf("published event %d has seq %d", i, e.Seq)
		}
	}
	events, err := db.EventsSince(context.Background(), "o", 0, 1000)
	if err != nil || len(events) != 200 {
		t.Fatalf("stored %d events, %v", len(events), err)
	}
}

func TestMidnightClosesTheDayAndPurgesPersonalData(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "l.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c := clocktest.New(time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC))
	l, stop := start(t, db, c, nil)

	appt := queue.Appointment{ID: "a1", Office: "o", Start: c.Now().Add(10 * time.Minute), Duration: 5 * time.Minute,
		Services: []queue.ServiceCount{{Service: "s", Count: 1}}, Secret: "secret", BirthHash: "h", Name: "Erika Mustermann"}
	if _, err := l.ApplyAppointments(ctx, "o", "2026-05-04", []queue.Appointment{appt}); err != nil {
		t.Fatal(err)
	}
	if _, err := office.Do(ctx, l, func(q *queue.Queue, now time.Time) (queue.Ticket, []queue.Event, error) {
		return q.CheckInCode(now, "a1", "secret")
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := walkIn(ctx, l); err != nil {
		t.Fatal(err)
	}
	if _, err := office.Do(ctx, l, func(q *queue.Queue, now time.Time) (queue.Ticket, []queue.Event, error) {
		return q.Do(now, queue.Action{Counter: "c1", Kind: queue.ActNext})
	}); err != nil {
		t.Fatal(err)
	}
	stop()

	// The hub was down over midnight: the restart closes the old day.
	c.Set(time.Date(2026, 5, 5, 7, 0, 0, 0, time.UTC))
	l2, stop2 := start(t, db, c, nil)
	defer stop2()
	st, found, err := db.LoadState(ctx, "o")
	if err != nil || !found {
		t.Fatalf("load: %v %v", found, err)
	}
	if st.Day != "2026-05-05" || len(st.Tickets) != 0 || len(st.Appointments) != 0 {
		t.Fatalf("new day holds %d tickets and %d appointments on %s", len(st.Tickets), len(st.Appointments), st.Day)
	}
	v, err := db.View(ctx, "o")
	if err != nil || len(v.Tickets) != 0 {
		t.Fatalf("view after midnight: %+v %v", v, err)
	}
	for _, cs := range v.Counters {
		if cs.Ticket != "" {
			t.Fatalf("counter %s still holds %s", cs.ID, cs.Ticket)
		}
	}
	// The start purges before it serves: only the new day's marker is left.
	events, err := db.EventsSince(ctx, "o", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || events[0].Type != queue.DayTurned {
		t.Fatalf("events after the purge: %v", events)
	}
	cells, err := db.StatCells(ctx, "o", "2026-05-04", "2026-05-04")
	if err != nil || len(cells) == 0 {
		t.Fatalf("statistics lost: %v %v", cells, err)
	}
	var s statistics.Cell
	for _, c := range cells {
		s.CheckedIn += c.CheckedIn
		s.WalkIns += c.WalkIns
		s.Called += c.Called
		s.Missed += c.Missed
	}
	if s.CheckedIn+s.WalkIns != 2 || s.WalkIns != 1 || s.Called != 1 || s.Missed != 1 { // called at closing time: missed
		t.Fatalf("statistics = %+v", s)
	}
	// Numbering starts again, and the seq goes on.
	tk, err := walkIn(ctx, l2)
	if err != nil || tk.Number != "A001" {
		t.Fatalf("first ticket of the new day = %+v, %v", tk, err)
	}
	if l2.Seq() <= 3 {
		t.Fatalf("seq restarted: %d", l2.Seq())
	}
}

// TestFirstSyncAfterMidnightTurnsTheDay: the sync that brings the new
// day's appointments before the new date has held is not lost: it is
// applied with the turn, before the next sync.
func TestFirstSyncAfterMidnightTurnsTheDay(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "l.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c := clocktest.New(time.Date(2026, 5, 4, 23, 59, 0, 0, time.UTC))
	l, stop := start(t, db, c, nil) // ticks hourly: not before the sync
	defer stop()
	if _, err := walkIn(ctx, l); err != nil {
		t.Fatal(err)
	}

	c.Set(time.Date(2026, 5, 5, 0, 0, 30, 0, time.UTC))
	appt := queue.Appointment{ID: "a1", Office: "o", Start: time.Date(2026, 5, 5, 8, 0, 0, 0, time.UTC), Duration: 5 * time.Minute,
		Services: []queue.ServiceCount{{Service: "s", Count: 1}}, Secret: "secret"}
	if _, err := l.ApplyAppointments(ctx, "o", "2026-05-05", []queue.Appointment{appt}); err != nil {
		t.Fatal(err)
	}
	c.Advance(office.DefaultDayTurnHold)
	tick(t, l)
	st, _, err := db.LoadState(ctx, "o")
	if err != nil {
		t.Fatal(err)
	}
	if st.Day != "2026-05-05" || len(st.Appointments) != 1 || len(st.Tickets) != 0 {
		t.Fatalf("stored day %s with %d appointments and %d tickets", st.Day, len(st.Appointments), len(st.Tickets))
	}
}

// tick runs the loop's time-driven rules and waits until they are
// committed: commands are applied in order.
func tick(t *testing.T, l *office.Loop) {
	t.Helper()
	l.TickNow()
	if _, err := office.Do(context.Background(), l, func(*queue.Queue, time.Time) (struct{}, []queue.Event, error) { return struct{}{}, nil, nil }); err != nil {
		t.Fatal(err)
	}
}

// preparer is a Publisher that prepares: every batch must go through
// Prepare, and each prepared batch be published once, in seq order.
type preparer struct {
	recorder
	t        testing.TB
	prepared int
}

func (p *preparer) Publish(string, []queue.Event, []queue.ServiceWait) {
	p.t.Error("Publish called on a publisher that prepares")
}

func (p *preparer) Prepare(_ string, events []queue.Event, _ []queue.ServiceWait) office.Prepared {
	p.mu.Lock()
	p.prepared++
	p.mu.Unlock()
	return &preparedBatch{p: p, events: events}
}

type preparedBatch struct {
	p         *preparer
	events    []queue.Event
	published bool
}

func (b *preparedBatch) Publish() {
	b.p.mu.Lock()
	defer b.p.mu.Unlock()
	if b.published {
		b.p.t.Errorf("batch from seq %d published twice", b.events[0].Seq)
	}
	b.published = true
	b.p.events = append(b.p.events, b.events...)
}

func TestPreparedBatchesArePublishedOnceInOrder(t *testing.T) {
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "l.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c := clocktest.New(time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC))
	pub := &preparer{t: t}
	l, stop := start(t, db, c, pub)
	defer stop()

	// Enough at once that the loop merges applied batches while the
	// committer syncs, so one commit publishes several prepared ones.
	var wg sync.WaitGroup
	for range 300 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := walkIn(context.Background(), l); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	pub.mu.Lock()
	defer pub.mu.Unlock()
	if len(pub.events) != 300 {
		t.Fatalf("%d events published, want 300", len(pub.events))
	}
	for i, e := range pub.events {
		if e.Seq != int64(i+1) {
			t.Fatalf("event %d has seq %d: published out of order", i, e.Seq)
		}
	}
	if pub.prepared == 0 {
		t.Error("nothing was prepared")
	}
}
