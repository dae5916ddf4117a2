package store

import (
	"context"
	"fmt"
	"strings"

	"lotse/hub/booking"
	"lotse/hub/queue"
)

// PendingReports returns up to limit undelivered reports, oldest first.
func (db *DB) PendingReports(ctx context.Context, limit int) ([]booking.Report, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, office, appointment, kind, at, ticket, counter FROM outbox ORDER BY id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("pending reports: %w", err)
	}
	defer rows.Close()
	var out []booking.Report
	for rows.Next() {
		var r booking.Report
		var kind string
		var at int64
		if err := rows.Scan(&r.ID, &r.Office, &r.Appointment, &kind, &at, &r.Ticket, &r.Counter); err != nil {
			return nil, fmt.Errorf("pending reports: %w", err)
		}
		r.Kind, r.At = queue.Report(kind), fromNanos(at)
		out = append(out, r)
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
	if _, err := db.w.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("delete %d reports: %w", len(ids), err)
	}
	return nil
}

// OutboxDepth counts the undelivered reports per office.
func (db *DB) OutboxDepth(ctx context.Context) (map[string]int, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT office, COUNT(*) FROM outbox GROUP BY office")
	if err != nil {
		return nil, fmt.Errorf("outbox depth: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var office string
		var n int
		if err := rows.Scan(&office, &n); err != nil {
			return nil, fmt.Errorf("outbox depth: %w", err)
		}
		out[office] = n
	}
	return out, rows.Err()
}

// CountReports counts all undelivered reports.
func (db *DB) CountReports(ctx context.Context) (int, error) {
	var n int
	if err := db.r.QueryRowContext(ctx, "SELECT COUNT(*) FROM outbox").Scan(&n); err != nil {
		return 0, fmt.Errorf("count reports: %w", err)
	}
	return n, nil
}
