package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"lotse/hub/queue"
)

// TestCheckpointBesideTheCommits: the writer never checkpoints inside a
// commit (automatic checkpoints are off on its connection), and the
// checkpointer, at its tick after commits, copies the WAL into the
// database so that the next commits reuse the WAL from its start instead
// of growing it.
func TestCheckpointBesideTheCommits(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "lotse.db")
	ticks := make(chan time.Time)
	db := openAt(t, path, func(o *openOptions) { o.checkpointTicks = ticks })
	defer db.Close()
	var auto int
	if err := db.w.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&auto); err != nil || auto != 0 {
		t.Fatalf("the writer's wal_autocheckpoint is %d (%v); want 0: commits would checkpoint themselves", auto, err)
	}
	w := &walkIns{db: db}
	commit := func(n int) { w.commit(t, n) }
	walSize := func() int64 {
		fi, err := os.Stat(path + "-wal")
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	// Past SQLite's default threshold of 1,000 pages: with automatic
	// checkpoints the WAL would have been restarted on the way.
	commit(300)
	grown := walSize()
	if grown < 1000*4096 {
		t.Fatalf("the WAL holds %d bytes after 300 commits; want more than 1,000 pages, none checkpointed", grown)
	}
	// A tick during commits does not checkpoint; the next quiet one does.
	// A tick is taken only once the one before it is done.
	ticks <- time.Now()
	ticks <- time.Now()
	ticks <- time.Now()
	commit(300)
	if got := walSize(); got > grown+64*1024 {
		t.Fatalf("the WAL grew from %d to %d bytes: the checkpointer did not copy it back at a quiet tick", grown, got)
	}
}

// TestCheckpointWhileNeverQuiet: an office that commits at every tick
// still gets its WAL checkpointed after busyCommits commits.
func TestCheckpointWhileNeverQuiet(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lotse.db")
	ticks := make(chan time.Time)
	db := openAt(t, path, func(o *openOptions) { o.checkpointTicks = ticks })
	defer db.Close()
	db.ck.busy = 50 // set before the first tick, which the checkpointer reads it after
	w := &walkIns{db: db}
	for range 200 {
		w.commit(t, 1)
		if w.seq%10 == 0 {
			ticks <- time.Now() // a commit between every two ticks: never quiet
		}
	}
	ticks <- time.Now()
	// At most the commits since the last checkpoint (< 50 of about 7
	// frames each) are left; without one, all 200 would be.
	if log, moved := walFrames(t, db); log-moved > 50*10 {
		t.Fatalf("%d frames of the WAL are not checkpointed after 200 busy commits", log-moved)
	}
}

// TestCommitFinishesTheCheckpoint: a checkpoint beside the commits that
// could not copy the newest frames (here a reader holds them back, as
// the commits made during the checkpoint do under load) is finished by
// the next commit on the writer's connection, and the commit after it
// starts the WAL from its beginning instead of appending to it.
func TestCommitFinishesTheCheckpoint(t *testing.T) {
	tests := []struct {
		name   string
		finish bool // a checkpoint ran beside the commits since the last finish
		want   func(frames, before int) bool
		say    string
	}{
		{"after a checkpoint the WAL starts anew", true, func(frames, before int) bool { return frames < 50 }, "a few: the WAL started anew"},
		{"without one it grows", false, func(frames, before int) bool { return frames > before }, "more than before: nothing to finish"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "lotse.db")
			ticks := make(chan time.Time)
			db := openAt(t, path, func(o *openOptions) { o.checkpointTicks = ticks })
			defer db.Close()
			w := &walkIns{db: db}
			commit := func(n int) { w.commit(t, n) }
			frames := func() int { log, _ := walFrames(t, db); return log }
			commit(20)
			// A reader's snapshot from here on holds the next commits'
			// frames back from the checkpointer.
			rc, err := db.r.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			tx, err := rc.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master").Scan(&n); err != nil {
				t.Fatal(err)
			}
			commit(20)
			if tt.finish {
				// The second tick without a commit checkpoints; the
				// third is taken once that is done.
				ticks <- time.Now()
				ticks <- time.Now()
				ticks <- time.Now()
			}
			tx.Rollback()
			rc.Close()
			before := frames()
			commit(2) // the first finishes the checkpoint, the second starts the WAL anew
			if got := frames(); !tt.want(got, before) {
				t.Fatalf("the WAL holds %d frames after two more commits (%d before); want %s", got, before, tt.say)
			}
		})
	}
}

// walkIns commits one walk-in per Commit into db, numbered on from the
// last, as an office's check-ins do.
type walkIns struct {
	db  *DB
	seq int64
}

func (w *walkIns) commit(t *testing.T, n int) {
	t.Helper()
	at := time.Date(2026, 3, 11, 8, 0, 0, 0, time.UTC)
	for range n {
		w.seq++
		seq := w.seq
		tk := queue.Ticket{ID: fmt.Sprintf("o-%d", seq), Office: "o", Day: "2026-03-11", N: int(seq), Number: fmt.Sprintf("A%03d", seq),
			State: queue.Waiting, Services: []queue.ServiceCount{{Service: "s", Count: 1}}, Arrived: at}
		if err := w.db.Commit(context.Background(), "o", Batch{Events: []queue.Event{{Seq: seq, Office: "o", Type: queue.WalkedIn, At: at, Ticket: &tk}},
			Day: "2026-03-11", Seq: seq, LastNumber: int(seq)}); err != nil {
			t.Fatal(err)
		}
	}
}

// walFrames returns the frames in db's WAL and how many of them are
// copied into the database file.
func walFrames(t *testing.T, db *DB) (log, moved int) {
	t.Helper()
	var busy int
	if err := db.w.QueryRowContext(context.Background(), "PRAGMA wal_checkpoint(NOOP)").Scan(&busy, &log, &moved); err != nil {
		t.Fatal(err)
	}
	return log, moved
}
