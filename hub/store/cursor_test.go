package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"lotse/hub/queue"
)

// TestCursorFromTheBatchesRows: batches of a day that has its cursor row
// do not rewrite it, and every reader still sees the last seq and the
// last ticket number: a restart, the view, the changes.
func TestCursorFromTheBatchesRows(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "lotse.db")
	open := func() *DB { return openAt(t, path) }
	db := open()
	at := time.Date(2026, 3, 11, 8, 0, 0, 0, time.UTC)
	var seq int64
	n := 0
	walkIn := func(day string) {
		t.Helper()
		seq++
		n++
		tk := queue.Ticket{ID: fmt.Sprintf("o-%s-%d", day, n), Office: "o", Day: day, N: n, Number: fmt.Sprintf("A%03d", n),
			State: queue.Waiting, Services: []queue.ServiceCount{{Service: "s", Count: 1}}, Arrived: at}
		if err := db.Commit(ctx, "o", Batch{Events: []queue.Event{{Seq: seq, Office: "o", Type: queue.WalkedIn, At: at, Ticket: &tk}},
			Day: day, Seq: seq, LastNumber: n}); err != nil {
			t.Fatal(err)
		}
	}
	stored := func() (day string, seq int64, last int) {
		t.Helper()
		if err := db.r.QueryRowContext(ctx, "SELECT day, seq, last_number FROM office_state WHERE office = 'o'").Scan(&day, &seq, &last); err != nil {
			t.Fatal(err)
		}
		return day, seq, last
	}
	check := func(when string, wantDay string, wantSeq int64, wantLast int) {
		t.Helper()
		st, found, err := db.LoadState(ctx, "o")
		if err != nil || !found || st.Day != wantDay || st.Seq != wantSeq || st.LastNumber != wantLast {
			t.Fatalf("%s: state %s seq %d number %d (%v, %v); want %s, %d, %d", when, st.Day, st.Seq, st.LastNumber, found, err, wantDay, wantSeq, wantLast)
		}
		v, err := db.View(ctx, "o")
		if err != nil || v.Day != wantDay || v.Seq != wantSeq {
			t.Fatalf("%s: view %s seq %d (%v); want %s, %d", when, v.Day, v.Seq, err, wantDay, wantSeq)
		}
		day, last, _, err := db.Changes(ctx, "o", wantSeq, 10)
		if err != nil || day != wantDay || last != wantSeq {
			t.Fatalf("%s: changes %s seq %d (%v); want %s, %d", when, day, last, err, wantDay, wantSeq)
		}
	}

	for range 20 {
		walkIn("2026-03-11")
	}
	if _, s, _ := stored(); s != 1 {
		t.Fatalf("the cursor row holds seq %d; want 1, written by the day's first batch only", s)
	}
	check("the same process", "2026-03-11", 20, 20)
	db.Close()

	db = open()
	defer db.Close()
	check("after a restart", "2026-03-11", 20, 20)
	walkIn("2026-03-11") // the first batch of a process writes the row
	if _, s, _ := stored(); s != 21 {
		t.Fatalf("after a restart the cursor row holds seq %d; want 21", s)
	}
	// A new day writes the row with its own day and numbering.
	n = 0
	walkIn("2026-03-12")
	walkIn("2026-03-12")
	if d, s, l := stored(); d != "2026-03-12" || s != 22 || l != 1 {
		t.Fatalf("after the day changed the cursor row holds %s, %d, %d; want 2026-03-12, 22, 1", d, s, l)
	}
	check("on the next day", "2026-03-12", 23, 2)
}
