package store_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"lotse/hub/queue"
	"lotse/hub/store"
)

// TestOutboxPerOfficeAndDeadLetters: each office reads its own reports
// with their arrival; a refused report moves to the dead letters with the
// backend's answer and back into the outbox on retry; the stats tell
// depth, oldest report and dead letters per office.
func TestOutboxPerOfficeAndDeadLetters(t *testing.T) {
	ctx := context.Background()
	db := open(t, filepath.Join(t.TempDir(), "l.db"))
	defer db.Close()
	for i, office := range []string{"mitte", "nord", "mitte"} {
		at := t0.Add(time.Duration(i) * time.Minute)
		tk := queue.Ticket{ID: office + "-1", Office: office, Day: "2026-03-10", N: 1, Number: "A001", State: queue.Waiting,
			Services: []queue.ServiceCount{{Service: "s", Count: 1}}, Appointment: "a1", Arrived: t0}
		if err := db.Commit(ctx, office, store.Batch{Day: "2026-03-10", Seq: int64(i + 1), LastNumber: 1,
			Events: []queue.Event{{Seq: int64(i + 1), Office: office, Type: queue.CheckedIn, At: at, Ticket: &tk, Appointment: "a1", Report: queue.ReportArrived}}}); err != nil {
			t.Fatal(err)
		}
	}
	offices, err := db.PendingOffices(ctx)
	slices.Sort(offices)
	if err != nil || !slices.Equal(offices, []string{"mitte", "nord"}) {
		t.Fatalf("PendingOffices = %v, %v", offices, err)
	}
	mitte, err := db.PendingReports(ctx, "mitte", 10)
	if err != nil || len(mitte) != 2 || mitte[0].Office != "mitte" || mitte[1].Office != "mitte" || !mitte[0].Arrived.Equal(t0) {
		t.Fatalf("mitte's reports = %+v, %v", mitte, err)
	}
	st, err := db.OutboxStats(ctx, "mitte")
	if err != nil || st != (queue.OutboxStats{Depth: 2, Oldest: t0}) {
		t.Fatalf("stats = %+v, %v", st, err)
	}

	if err := db.DeadLetter(ctx, mitte[0], "HTTP 422 Unprocessable Entity: unknown appointment", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	st, err = db.OutboxStats(ctx, "mitte")
	if err != nil || st != (queue.OutboxStats{Depth: 1, Oldest: t0.Add(2 * time.Minute), DeadLetters: 1, LastAnswer: "HTTP 422 Unprocessable Entity: unknown appointment"}) {
		t.Fatalf("stats after the dead letter = %+v, %v", st, err)
	}
	if st, _ := db.OutboxStats(ctx, "nord"); st.DeadLetters != 0 || st.Depth != 1 {
		t.Fatalf("nord = %+v: dead letters are per office", st)
	}
	dead, err := db.DeadLetters(ctx, "mitte", 10)
	if err != nil || len(dead) != 1 || dead[0].Report.ID != mitte[0].ID || dead[0].Report.Ticket != "A001" || dead[0].Report.Kind != queue.ReportArrived ||
		!dead[0].Failed.Equal(t0.Add(time.Hour)) || dead[0].Answer != "HTTP 422 Unprocessable Entity: unknown appointment" {
		t.Fatalf("dead letters = %+v, %v", dead, err)
	}

	n, err := db.RetryDeadLetters(ctx, "mitte")
	if err != nil || n != 1 {
		t.Fatalf("RetryDeadLetters = %d, %v", n, err)
	}
	again, _ := db.PendingReports(ctx, "mitte", 10)
	if len(again) != 2 || again[1].ID <= mitte[1].ID || again[1].Appointment != "a1" || !again[1].At.Equal(t0) || !again[1].Arrived.Equal(t0) {
		t.Fatalf("after the retry = %+v", again)
	}
	if st, _ := db.OutboxStats(ctx, "mitte"); st.DeadLetters != 0 || st.Depth != 2 {
		t.Fatalf("stats after the retry = %+v", st)
	}
}
