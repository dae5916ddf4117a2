package store

import (
	"context"
	"fmt"

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

// DeleteReport removes a delivered report.
func (db *DB) DeleteReport(ctx context.Context, id int64) error {
	if _, err := db.w.ExecContext(ctx, "DELETE FROM outbox WHERE id = ?", id); err != nil {
		return fmt.Errorf("delete report %d: %w", id, err)
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
