package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"lotse/hub/queue"
)

// derivedDay drives a queue through a clerk's morning, batch by batch,
// into one or more stores alike: walk-ins (committed whole), then calls,
// starts and finishes (committed in two steps).
type derivedDay struct {
	t   *testing.T
	q   *queue.Queue
	now time.Time
	dbs []*DB
}

func newDerivedDay(t *testing.T, dbs ...*DB) *derivedDay {
	o := queue.Office{ID: "o", Name: "O", Policy: queue.DefaultPolicy(), Location: time.UTC,
		Services: []queue.Service{{ID: "s", Name: "S", Prefix: "A", Duration: 5 * time.Minute}},
		Counters: []queue.Counter{{ID: "c1", Name: "C1", Services: []string{"s"}}, {ID: "c2", Name: "C2", Services: []string{"s"}}}}
	now := time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)
	q := queue.New(o, o.Day(now))
	n := 0
	q.SetTokenSource(func() string { n++; return fmt.Sprintf("token-%03d", n) })
	q.Staff("s1", "c1", now.Add(10*time.Hour))
	q.Staff("s2", "c2", now.Add(10*time.Hour))
	return &derivedDay{t: t, q: q, now: now, dbs: dbs}
}

// commit writes the events into every store; durable, if set, runs in
// the first store's Durable callback.
func (d *derivedDay) commit(events []queue.Event, durable func()) {
	d.t.Helper()
	for i, db := range d.dbs {
		b := Batch{Events: events, Day: d.q.Day(), Seq: d.q.Seq(), LastNumber: d.q.LastNumber(),
			Audit: []AuditEntry{{Office: "o", At: d.now, Account: "anna", Counter: "c1", Action: "next"}}}
		if i == 0 {
			b.Durable = durable
		}
		if err := db.Commit(context.Background(), "o", b); err != nil {
			d.t.Fatal(err)
		}
	}
}

func (d *derivedDay) walkIns(n int) {
	d.t.Helper()
	var events []queue.Event
	for range n {
		_, ev, err := d.q.WalkIn(d.now, "s", false)
		if err != nil {
			d.t.Fatal(err)
		}
		events = append(events, ev...)
	}
	d.commit(events, nil)
}

// act runs a counter action and commits its events as one batch.
func (d *derivedDay) act(counter string, kind queue.ActionKind, durable func()) []queue.Event {
	d.t.Helper()
	d.now = d.now.Add(3 * time.Minute)
	_, ev, err := d.q.Do(d.now, queue.Action{Counter: counter, Kind: kind, Current: queue.ReportServed})
	if err != nil {
		d.t.Fatal(err)
	}
	if !splits(Batch{Events: ev}) {
		d.t.Fatalf("%s at %s is not committed in two steps", kind, counter)
	}
	d.commit(ev, durable)
	return ev
}

// stateOf is everything a restart and the statistics read of an office,
// as JSON to compare.
func stateOf(t *testing.T, db *DB) string {
	t.Helper()
	ctx := context.Background()
	st, found, err := db.LoadState(ctx, "o")
	if err != nil || !found {
		t.Fatalf("load: %v, %v", found, err)
	}
	cells, err := db.StatCells(ctx, "o", "2026-05-04", "2026-05-04")
	if err != nil {
		t.Fatal(err)
	}
	var staffing []string
	rows, err := db.r.QueryContext(ctx, "SELECT counter, since, last, call_at, service FROM stat_staffing ORDER BY counter")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var c, svc string
		var a, b, x int64
		rows.Scan(&c, &a, &b, &x, &svc)
		staffing = append(staffing, fmt.Sprint(c, a, b, x, svc))
	}
	rows.Close()
	out, _ := json.Marshal(struct {
		State    queue.State
		Cells    any
		Staffing []string
	}{st, cells, staffing})
	return string(out)
}

// loadOnly is what the loop restores from: the office's state alone.
func loadOnly(t *testing.T, db *DB) string {
	t.Helper()
	st, _, err := db.LoadState(context.Background(), "o")
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(st)
	return string(out)
}

// openAt opens the store at path for a test of this package, without
// the hub's environment (its key file beside the database).
func openAt(t *testing.T, path string, opts ...Option) *DB {
	t.Helper()
	db, err := Open(context.Background(), path, append([]Option{WithEnv(func(string) string { return "" })}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// TestDerivedRowsAfterAStop: a stop between a call's two steps (its
// events durable, the ticket, counter and statistics rows not yet
// written) loses nothing: the next open writes those rows from the
// events, and the office reads as if it had been written whole.
func TestDerivedRowsAfterAStop(t *testing.T) {
	dir := t.TempDir()
	stopped, whole := openAt(t, filepath.Join(dir, "stopped.db")), openAt(t, filepath.Join(dir, "whole.db"))
	defer whole.Close()
	d := newDerivedDay(t, stopped, whole)
	d.walkIns(5)
	d.act("c1", queue.ActNext, nil)
	d.act("c1", queue.ActStart, nil)
	d.act("c2", queue.ActNext, nil)
	// The stop: the second step of the next two batches never happens.
	stopped.failDerived = func() error { return errors.New("the process died") }
	d.act("c1", queue.ActNext, nil) // finishes A001, calls A003
	last := d.act("c2", queue.ActRecall, nil)
	if stateOf(t, stopped) == stateOf(t, whole) {
		t.Fatal("the stopped store has every row already: the test stops nothing")
	}
	v, err := stopped.View(context.Background(), "o")
	if err != nil || v.Seq >= last[len(last)-1].Seq {
		t.Fatalf("view at seq %d (%v); want it before the events without rows (%d)", v.Seq, err, last[len(last)-1].Seq)
	}
	stopped.Close()

	reopened := openAt(t, filepath.Join(dir, "stopped.db"))
	defer reopened.Close()
	if got, want := stateOf(t, reopened), stateOf(t, whole); got != want {
		t.Fatalf("after the restart:\n%s\nwant, as written whole:\n%s", got, want)
	}
	if ref, err := reopened.TicketByToken(context.Background(), "token-003"); err != nil || ref.Ticket == "" {
		t.Fatalf("the called ticket's status link is gone: %+v, %v", ref, err)
	}
}

// TestFailedDerivedRowsComeWithTheNextCommit: when the second step fails
// while the hub runs on, the next commit writes the rows it left out,
// before its own.
func TestFailedDerivedRowsComeWithTheNextCommit(t *testing.T) {
	dir := t.TempDir()
	failing, whole := openAt(t, filepath.Join(dir, "failing.db")), openAt(t, filepath.Join(dir, "whole.db"))
	defer failing.Close()
	defer whole.Close()
	d := newDerivedDay(t, failing, whole)
	d.walkIns(4)
	failing.failDerived = func() error { return errors.New("disk hiccup") }
	d.act("c1", queue.ActNext, nil)
	d.act("c2", queue.ActNext, nil)
	failing.failDerived = nil
	// A reload in between (the loop's, after a failed commit) reads the
	// office as the events say, not as the tables still hold it.
	if got, want := loadOnly(t, failing), loadOnly(t, whole); got != want {
		t.Fatalf("a reload before the next commit:\n%s\nwant:\n%s", got, want)
	}
	d.act("c1", queue.ActStart, nil)
	if got, want := stateOf(t, failing), stateOf(t, whole); got != want {
		t.Fatalf("after the next commit:\n%s\nwant:\n%s", got, want)
	}
	// A batch committed whole takes them along too.
	failing.failDerived = func() error { return errors.New("disk hiccup") }
	d.act("c2", queue.ActStart, nil)
	failing.failDerived = nil
	d.walkIns(1)
	if got, want := stateOf(t, failing), stateOf(t, whole); got != want {
		t.Fatalf("after a whole batch:\n%s\nwant:\n%s", got, want)
	}
}

// TestViewBetweenTheSteps: a screen's snapshot read between a call's two
// steps shows the office as before the call, at the seq before it, so
// the stream then brings the call; once both steps are done it shows it.
func TestViewBetweenTheSteps(t *testing.T) {
	db := openAt(t, filepath.Join(t.TempDir(), "v.db"))
	defer db.Close()
	d := newDerivedDay(t, db)
	d.walkIns(2)
	before := d.q.Seq()
	var between View
	ev := d.act("c1", queue.ActNext, func() {
		var err error
		if between, err = db.View(context.Background(), "o"); err != nil {
			t.Error(err)
		}
	})
	if between.Seq != before || len(between.Calls) != 0 {
		t.Fatalf("between the steps: seq %d, calls %+v; want seq %d and no call", between.Seq, between.Calls, before)
	}
	for _, tk := range between.Tickets {
		if tk.State != queue.Waiting {
			t.Fatalf("between the steps %s is %s; want waiting", tk.Number, tk.State)
		}
	}
	after, err := db.View(context.Background(), "o")
	if err != nil || after.Seq != ev[len(ev)-1].Seq || len(after.Calls) != 1 {
		t.Fatalf("after: seq %d, calls %+v (%v); want seq %d and the call", after.Seq, after.Calls, err, ev[len(ev)-1].Seq)
	}
}

// TestBeforeDerivedBetweenTheSteps: BeforeDerived is called after Durable
// and before the derived rows are written, and only for a batch whose
// rows follow in a step of their own.
func TestBeforeDerivedBetweenTheSteps(t *testing.T) {
	db := openAt(t, filepath.Join(t.TempDir(), "b.db"))
	defer db.Close()
	d := newDerivedDay(t, db)
	ctx := context.Background()
	var calls []string
	commit := func(events []queue.Event) {
		t.Helper()
		b := Batch{Events: events, Day: d.q.Day(), Seq: d.q.Seq(), LastNumber: d.q.LastNumber(),
			Durable: func() { calls = append(calls, "durable") },
			BeforeDerived: func() {
				v, err := db.View(ctx, "o")
				if err != nil {
					t.Error(err)
				}
				calls = append(calls, fmt.Sprintf("before derived at seq %d", v.Seq))
			}}
		if err := db.Commit(ctx, "o", b); err != nil {
			t.Fatal(err)
		}
	}
	var walkIns []queue.Event
	for range 2 {
		_, ev, err := d.q.WalkIn(d.now, "s", false)
		if err != nil {
			t.Fatal(err)
		}
		walkIns = append(walkIns, ev...)
	}
	commit(walkIns)
	if got := fmt.Sprint(calls); got != "[durable]" {
		t.Fatalf("walk-ins, committed whole: %s; want durable alone", got)
	}
	calls = nil
	before := d.q.Seq()
	_, ev, err := d.q.Do(d.now, queue.Action{Counter: "c1", Kind: queue.ActNext})
	if err != nil {
		t.Fatal(err)
	}
	commit(ev)
	if got, want := fmt.Sprint(calls), fmt.Sprintf("[durable before derived at seq %d]", before); got != want {
		t.Fatalf("a call: %s; want %s", got, want)
	}
	if v, err := db.View(ctx, "o"); err != nil || v.Seq != d.q.Seq() {
		t.Fatalf("after the call: seq %d (%v), want %d", v.Seq, err, d.q.Seq())
	}
}
