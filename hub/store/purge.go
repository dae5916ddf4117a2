package store

import (
	"context"
	"fmt"
	"time"
)

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
	if err := db.checkpoint(ctx); err != nil {
		return total, fmt.Errorf("purge %s: %w", office, err)
	}
	return total, nil
}

// checkpoint copies the WAL into the database file and truncates the WAL
// to zero bytes. It waits (busy_timeout) for readers of older snapshots;
// if one is still reading then, the WAL keeps its frames and the error
// says so: the next checkpoint, at the latest the clean stop, removes them.
func (db *DB) checkpoint(ctx context.Context) error {
	var busy, logFrames, moved int
	if err := db.w.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &moved); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if busy != 0 {
		return fmt.Errorf("checkpoint: readers kept %d of %d WAL frames", logFrames-moved, logFrames)
	}
	return nil
}

// DayStats is one day's anonymous statistics of a service.
type DayStats struct {
	Office, Day, Service string
	Tickets, WalkIns     int
	Served, Missed       int
	NoShows, Calls       int
	Wait, ServiceTime    time.Duration // sums
}

// Stats returns the statistics of an office from day on, by day and service.
func (db *DB) Stats(ctx context.Context, office, from string) ([]DayStats, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT office, day, service, tickets, walkins, served, missed, noshows, calls, wait_ns, service_ns
		FROM stats WHERE office = ? AND day >= ? ORDER BY day, service`, office, from)
	if err != nil {
		return nil, fmt.Errorf("statistics of %s: %w", office, err)
	}
	defer rows.Close()
	var out []DayStats
	for rows.Next() {
		var s DayStats
		var wait, svc int64
		if err := rows.Scan(&s.Office, &s.Day, &s.Service, &s.Tickets, &s.WalkIns, &s.Served, &s.Missed, &s.NoShows, &s.Calls, &wait, &svc); err != nil {
			return nil, fmt.Errorf("statistics of %s: %w", office, err)
		}
		s.Wait, s.ServiceTime = time.Duration(wait), time.Duration(svc)
		out = append(out, s)
	}
	return out, rows.Err()
}
