package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"
)

// ErrPurgeUnfinished is a purge whose rows are deleted but whose
// checkpoint readers held up: the deleted rows stay readable in the WAL
// until FinishPurge succeeds.
var ErrPurgeUnfinished = errors.New("purge unfinished: readers held up the checkpoint; the purged rows stay in the WAL until it is finished")

// Purge deletes the personal data of days before today (office-local
// day): appointments with names and birth hashes, tickets and events.
// Statistics are counts and sums without persons and stay. Undelivered
// outbox reports stay too: they carry an appointment id only, and the
// booking backend must still learn about them. Dead letters stay for the
// same reason, but lose the backend's answer once their appointment is
// purged: the answer is free text that may name the person.
//
// Purged means gone from the files too: secure_delete (set on every
// connection) overwrites the deleted rows in their pages, and the
// checkpoint afterwards writes those pages into the database file and
// truncates the WAL, which held the rows as they were written all day.
func (db *DB) Purge(ctx context.Context, office, today string) (int64, error) {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("purge %s: %w", office, err)
	}
	defer tx.Rollback()
	var total int64
	for _, table := range []string{"appointments", "tickets", "events"} {
		res, err := tx.ExecContext(ctx, "DELETE FROM "+table+" WHERE office = ? AND day < ?", office, today)
		if err != nil {
			return 0, fmt.Errorf("purge %s %s: %w", office, table, err)
		}
		n, _ := res.RowsAffected()
		total += n
	}
	// After the appointments: a dead letter whose appointment is gone
	// belongs to a past day (appointments leave only here). Matching on
	// absence also clears answers an older hub kept past their day.
	res, err := tx.ExecContext(ctx, `UPDATE dead_letters SET answer = '' WHERE office = ? AND answer <> ''
		AND NOT EXISTS (SELECT 1 FROM appointments a WHERE a.office = dead_letters.office AND a.id = dead_letters.appointment)`, office)
	if err != nil {
		return 0, fmt.Errorf("purge %s dead letters' answers: %w", office, err)
	}
	n, _ := res.RowsAffected()
	total += n
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("purge %s: %w", office, err)
	}
	db.tokens.purge(office, today)
	if err := db.checkpoint(ctx); err != nil {
		return total, fmt.Errorf("purge %s: %w", office, err)
	}
	return total, nil
}

// finishWait is how long FinishPurge waits for readers. It is short: the
// checkpoint holds the one writer connection, and the caller tries again
// soon anyway.
const finishWait = 100 * time.Millisecond

// FinishPurge retries the checkpoint of a purge that ended with
// ErrPurgeUnfinished; it fails the same way while readers still hold it.
func (db *DB) FinishPurge(ctx context.Context) error {
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("finish purge: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", finishWait.Milliseconds())); err != nil {
		return fmt.Errorf("finish purge: %w", err)
	}
	// Restored before the connection goes back to the writers, who
	// must wait the full time for a reader; if that fails, the pool
	// drops the connection and opens a fresh one with the full wait.
	defer func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("PRAGMA busy_timeout = %d", busyTimeout.Milliseconds())); err != nil {
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	var busy, logFrames, moved int
	if err := conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &moved); err != nil {
		return fmt.Errorf("finish purge: checkpoint: %w", err)
	}
	if busy != 0 {
		return fmt.Errorf("finish purge: readers kept %d of %d WAL frames: %w", logFrames-moved, logFrames, ErrPurgeUnfinished)
	}
	return nil
}

// checkpoint copies the WAL into the database file and truncates the WAL
// to zero bytes. It waits (busy_timeout) for readers of older snapshots;
// if one is still reading then, the WAL keeps its frames and the error
// says so (ErrPurgeUnfinished): FinishPurge, or at the latest the clean
// stop, removes them.
func (db *DB) checkpoint(ctx context.Context) error {
	var busy, logFrames, moved int
	if err := db.w.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &moved); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if busy != 0 {
		return fmt.Errorf("checkpoint: readers kept %d of %d WAL frames: %w", logFrames-moved, logFrames, ErrPurgeUnfinished)
	}
	return nil
}
