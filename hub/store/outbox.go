package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"lotse/hub/queue"
)

// PendingReports returns up to limit undelivered reports of the office,
// oldest first.
func (db *DB) PendingReports(ctx context.Context, office string, limit int) ([]queue.OutboxReport, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, office, appointment, kind, at, arrived, ticket, counter FROM outbox
		WHERE office = ? ORDER BY id LIMIT ?`, office, limit)
	if err != nil {
		return nil, fmt.Errorf("pending reports of %s: %w", office, err)
	}
	defer rows.Close()
	var out []queue.OutboxReport
	for rows.Next() {
		var r queue.OutboxReport
		var kind string
		var at, arrived int64
		if err := rows.Scan(&r.ID, &r.Office, &r.Appointment, &kind, &at, &arrived, &r.Ticket, &r.Counter); err != nil {
			return nil, fmt.Errorf("pending reports of %s: %w", office, err)
		}
		r.Kind, r.At, r.Arrived = queue.Report(kind), fromNanos(at), fromNanos(arrived)
		out = append(out, r)
	}
	return out, rows.Err()
}

// PendingOffices lists the offices with undelivered reports, so that the
// reports of an office no longer configured still reach a delivery loop
// (and, refused, the dead letters) instead of waiting unseen.
func (db *DB) PendingOffices(ctx context.Context) ([]string, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT DISTINCT office FROM outbox")
	if err != nil {
		return nil, fmt.Errorf("offices with pending reports: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			return nil, fmt.Errorf("offices with pending reports: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// DeleteReports removes delivered reports in one transaction.
func (db *DB) DeleteReports(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	query := "DELETE FROM outbox WHERE id IN (?" + strings.Repeat(",?", len(ids)-1) + ")"
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("delete %d reports: %w", len(ids), err)
	}
	defer conn.Close()
	// Not synced on its own: a delete lost in a crash sends the reports
	// once more, which the backend's idempotency absorbs (every report
	// carries its key), and a sync of its own held the one writer
	// connection, and every check-in's commit behind it, for an fsync
	// per delivered batch.
	restore, err := db.unsynced(ctx, conn)
	if err != nil {
		return fmt.Errorf("delete %d reports: %w", len(ids), err)
	}
	defer restore()
	if _, err := conn.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("delete %d reports: %w", len(ids), err)
	}
	return nil
}

// DeadLetter moves a report the backend refused for good from the outbox
// to the dead letters with the backend's answer, in one transaction.
func (db *DB) DeadLetter(ctx context.Context, r queue.OutboxReport, answer string, at time.Time) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("dead letter %d: %w", r.ID, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO dead_letters (report, office, appointment, kind, at, arrived, ticket, counter, answer, failed)
		VALUES (?,?,?,?,?,?,?,?,?,?)`, r.ID, r.Office, r.Appointment, string(r.Kind), nanos(r.At), nanos(r.Arrived), r.Ticket, r.Counter,
		answer, nanos(at)); err != nil {
		return fmt.Errorf("dead letter %d: %w", r.ID, err)
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM outbox WHERE id = ?", r.ID); err != nil {
		return fmt.Errorf("dead letter %d: %w", r.ID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("dead letter %d: %w", r.ID, err)
	}
	return nil
}

// DeadLetters lists up to limit of the office's dead letters, newest
// first.
func (db *DB) DeadLetters(ctx context.Context, office string, limit int) ([]queue.DeadLetter, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT report, appointment, kind, at, ticket, counter, answer, failed FROM dead_letters
		WHERE office = ? ORDER BY id DESC LIMIT ?`, office, limit)
	if err != nil {
		return nil, fmt.Errorf("dead letters of %s: %w", office, err)
	}
	defer rows.Close()
	var out []queue.DeadLetter
	for rows.Next() {
		var d queue.DeadLetter
		var kind string
		var at, failed int64
		if err := rows.Scan(&d.Report.ID, &d.Report.Appointment, &kind, &at, &d.Report.Ticket, &d.Report.Counter, &d.Answer, &failed); err != nil {
			return nil, fmt.Errorf("dead letters of %s: %w", office, err)
		}
		d.Report.Office, d.Report.Kind, d.Report.At, d.Failed = office, queue.Report(kind), fromNanos(at), fromNanos(failed)
		out = append(out, d)
	}
	return out, rows.Err()
}

// RetryDeadLetters puts the office's dead letters back into the outbox,
// in their order, and returns how many. They go to the end of the queue:
// reports written since were delivered without them anyway.
func (db *DB) RetryDeadLetters(ctx context.Context, office string) (int, error) {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("retry dead letters of %s: %w", office, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT INTO outbox (office, appointment, kind, at, arrived, ticket, counter)
		SELECT office, appointment, kind, at, arrived, ticket, counter FROM dead_letters WHERE office = ? ORDER BY id`, office)
	if err != nil {
		return 0, fmt.Errorf("retry dead letters of %s: %w", office, err)
	}
	n, _ := res.RowsAffected()
	if _, err := tx.ExecContext(ctx, "DELETE FROM dead_letters WHERE office = ?", office); err != nil {
		return 0, fmt.Errorf("retry dead letters of %s: %w", office, err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("retry dead letters of %s: %w", office, err)
	}
	return int(n), nil
}

// OutboxStats tells the depth of the office's outbox, the time of its
// oldest report and its dead letters with the newest answer.
func (db *DB) OutboxStats(ctx context.Context, office string) (queue.OutboxStats, error) {
	var st queue.OutboxStats
	var oldest sql.NullInt64
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*), (SELECT at FROM outbox WHERE office = ?1 ORDER BY id LIMIT 1)
		FROM outbox WHERE office = ?1`, office).Scan(&st.Depth, &oldest); err != nil {
		return st, fmt.Errorf("outbox of %s: %w", office, err)
	}
	if oldest.Valid {
		st.Oldest = fromNanos(oldest.Int64)
	}
	if err := db.r.QueryRowContext(ctx, "SELECT COUNT(*) FROM dead_letters WHERE office = ?", office).Scan(&st.DeadLetters); err != nil {
		return st, fmt.Errorf("dead letters of %s: %w", office, err)
	}
	if st.DeadLetters > 0 {
		err := db.r.QueryRowContext(ctx, "SELECT answer FROM dead_letters WHERE office = ? ORDER BY id DESC LIMIT 1", office).Scan(&st.LastAnswer)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return st, fmt.Errorf("dead letters of %s: %w", office, err)
		}
	}
	return st, nil
}

// CountReports counts all undelivered reports.
func (db *DB) CountReports(ctx context.Context) (int, error) {
	var n int
	if err := db.r.QueryRowContext(ctx, "SELECT COUNT(*) FROM outbox").Scan(&n); err != nil {
		return 0, fmt.Errorf("count reports: %w", err)
	}
	return n, nil
}
