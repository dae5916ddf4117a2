package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"lotse/hub/queue"
)

// TestPurgeThatMetAReaderCanBeFinished (issue 11.7): when a read
// transaction is open while the purge checkpoints, the checkpoint gives up
// and the purged day stays readable in the WAL. The purge says so
// (ErrPurgeUnfinished), so that the office loop retries FinishPurge soon;
// once the reader is gone, the retry truncates the WAL and the purged
// names are gone from the files. While the reader stays, a retry fails
// the same way, quickly.
func TestPurgeThatMetAReaderCanBeFinished(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "lotse.db")
	db := mustOpen(t, path, WithEnv(func(string) string { return "" }))
	defer db.Close()
	start := time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)
	var seq int64
	commit := func(day, name string, n int) {
		for i := range n {
			seq++
			tk := queue.Ticket{ID: fmt.Sprintf("o-%d", seq), Office: "o", Day: day, N: int(seq), Number: fmt.Sprintf("A%03d", seq),
				State: queue.Waiting, Services: []queue.ServiceCount{{Service: "s", Count: 1}}, Appointment: fmt.Sprintf("a%d", seq), Arrived: start}
			appt := queue.Appointment{ID: tk.Appointment, Office: "o", Start: start, Services: tk.Services,
				Name: fmt.Sprintf("%s %04d", name, i), BirthHash: fmt.Sprintf("%064x", seq), Secret: "k3x9"}
			if err := db.Commit(ctx, "o", Batch{
				Events:       []queue.Event{{Seq: seq, Office: "o", Type: queue.CheckedIn, At: start, Ticket: &tk, Appointment: tk.Appointment}},
				Appointments: []queue.Appointment{appt}, Day: day, Seq: seq, LastNumber: int(seq),
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	commit("2026-03-10", "Purgatorius", 131)
	commit("2026-03-11", "Heutewohl", 5)
	tx, err := db.r.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := tx.QueryRow("SELECT count(*) FROM appointments").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Purge(ctx, "o", "2026-03-11"); !errors.Is(err, ErrPurgeUnfinished) {
		t.Fatalf("purge with a reader = %v, want ErrPurgeUnfinished", err)
	}
	if err := db.FinishPurge(ctx); !errors.Is(err, ErrPurgeUnfinished) {
		t.Fatalf("finishing with the reader still there = %v, want ErrPurgeUnfinished", err)
	}
	tx.Rollback()
	if err := db.FinishPurge(ctx); err != nil {
		t.Fatalf("finishing after the reader ended: %v", err)
	}
	var wait int
	if err := db.w.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&wait); err != nil || wait != int(busyTimeout.Milliseconds()) {
		t.Fatalf("the writer's busy timeout after FinishPurge = %d ms, %v; want it restored", wait, err)
	}
	commit("2026-03-11", "Heutewohl", 50)
	if n := bytes.Count(rawFiles(t, path), []byte("Purgatorius")); n > 0 {
		t.Fatalf("after the purge was finished, a purged name is readable %d times in the files", n)
	}
}
