package store

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"lotse/hub/queue"
)

// TestPurgedNamesAreGoneFromTheFiles searches the raw database files for
// the names of a purged day: while the hub runs (database and WAL) and
// after a clean stop.
func TestPurgedNamesAreGoneFromTheFiles(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "lotse.db")
	db, err := Open(ctx, path, WithEnv(func(string) string { return "" }))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { db.Close() }()
	start := time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)
	var seq int64
	// commit writes one batch per appointment, as the office loop does
	// through the day: each leaves its own WAL frames.
	commit := func(day, name string, n int) {
		for i := range n {
			seq++
			tk := queue.Ticket{ID: fmt.Sprintf("o-%d", seq), Office: "o", Day: day, N: int(seq), Number: fmt.Sprintf("A%03d", seq),
				State: queue.Waiting, Services: []queue.ServiceCount{{Service: "s", Count: 1}}, Appointment: fmt.Sprintf("a%d", seq), Arrived: start}
			appt := queue.Appointment{ID: tk.Appointment, Office: "o", Start: start.Add(time.Duration(i) * time.Minute), Services: tk.Services,
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
	if _, err := db.View(ctx, "o"); err != nil { // a reader in the pool, as the stream keeps
		t.Fatal(err)
	}
	if _, err := db.Purge(ctx, "o", "2026-03-11"); err != nil {
		t.Fatal(err)
	}
	search := func(when string) {
		t.Helper()
		raw := rawFiles(t, path)
		if n := bytes.Count(raw, []byte("Purgatorius")); n > 0 {
			t.Errorf("%s: a purged name is readable %d times in the database files", when, n)
		}
		if !bytes.Contains(raw, []byte("Heutewohl")) {
			t.Fatalf("%s: today's names are not in the files: the search cannot see anything", when)
		}
	}
	search("while running")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	search("after a clean stop")
	db, err = Open(ctx, path, WithEnv(func(string) string { return "" }))
	if err != nil {
		t.Fatal(err)
	}
}
