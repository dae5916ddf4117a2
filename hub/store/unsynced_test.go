package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"lotse/hub/queue"
)

// TestUnsyncedWritesRestoreFullSync: the writes that are not synced on
// their own (deleting delivered reports, a call's derived rows) leave the
// writer connection synced again for every commit after them.
func TestUnsyncedWritesRestoreFullSync(t *testing.T) {
	ctx := context.Background()
	db := openAt(t, filepath.Join(t.TempDir(), "u.db"))
	defer db.Close()
	sync := func(after string) {
		t.Helper()
		var mode int
		if err := db.w.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&mode); err != nil {
			t.Fatal(err)
		}
		if mode != 2 {
			t.Fatalf("synchronous after %s = %d, want 2 (FULL)", after, mode)
		}
	}
	at := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	tk := queue.Ticket{ID: "t1", Office: "p", Day: "2026-03-10", N: 1, Number: "A001", State: queue.Waiting,
		Services: []queue.ServiceCount{{Service: "s", Count: 1}}, Appointment: "a1", Arrived: at}
	if err := db.Commit(ctx, "p", Batch{Day: "2026-03-10", Seq: 1, LastNumber: 1,
		Events: []queue.Event{{Seq: 1, Office: "p", Type: queue.CheckedIn, At: at, Ticket: &tk, Appointment: "a1", Report: queue.ReportArrived}}}); err != nil {
		t.Fatal(err)
	}
	reports, err := db.PendingReports(ctx, "p", 10)
	if err != nil || len(reports) != 1 {
		t.Fatalf("reports = %+v, %v", reports, err)
	}
	if err := db.DeleteReports(ctx, []int64{reports[0].ID}); err != nil {
		t.Fatal(err)
	}
	sync("deleting delivered reports")
	if reports, err := db.PendingReports(ctx, "p", 10); err != nil || len(reports) != 0 {
		t.Fatalf("reports after the delete = %+v, %v", reports, err)
	}
	d := newDerivedDay(t, db)
	d.walkIns(1)
	d.act("c1", queue.ActNext, nil)
	sync("a call's derived rows")
}
