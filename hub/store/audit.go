package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"
)

// AuditEntry is one line of the audit trail: who did what at which
// counter and when. Ticket is the number the board shows ("A042"), never
// a name or an appointment.
type AuditEntry struct {
	Office  string
	At      time.Time
	Account string
	Counter string
	Action  string
	Ticket  string
}

// Audited is a command result of an office loop that brings the audit
// entries of its action: the loop adds them to its batch, so they are
// written in the batch's transaction, durable with the action's events,
// and cost no commit of their own.
type Audited interface {
	AuditEntries() []AuditEntry
}

// insertAudit writes one entry inside a batch (Commit).
const insertAudit = `INSERT INTO audit (office, at, n, account, counter, action, ticket) VALUES (?,?,?,?,?,?,?)`

// auditLines numbers the audit lines: the key (office, at, n) must tell
// apart lines of the same instant, which a batch's lines share and a
// test's fake clock repeats across batches. It starts at the wall clock
// of the open in nanoseconds, so a restart does not reuse the numbers of
// the run before (migration 016).
type auditLines struct{ n atomic.Int64 }

func newAuditLines(now time.Time) *auditLines {
	l := &auditLines{}
	l.n.Store(now.UnixNano())
	return l
}

func (l *auditLines) next() int64 { return l.n.Add(1) }

// AuditFilter selects audit entries; empty fields select all. Ticket
// matches the number without spaces and case ("a 042" finds A042).
type AuditFilter struct {
	Office   string
	From, To time.Time // To exclusive; zero: open
	Account  string
	Counter  string
	Action   string
	Ticket   string
	Limit    int // at most; 0: 500
}

// AddAudit writes audit entries in a transaction of their own: for the
// actions outside an office loop's batch (the emergency call).
func (db *DB) AddAudit(ctx context.Context, entries ...AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	var b strings.Builder
	args := make([]any, 0, 7*len(entries))
	b.WriteString("INSERT INTO audit (office, at, n, account, counter, action, ticket) VALUES ")
	for i, e := range entries {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("(?,?,?,?,?,?,?)")
		args = append(args, e.Office, nanos(e.At), db.audit.next(), e.Account, e.Counter, e.Action, e.Ticket)
	}
	if _, err := db.w.ExecContext(ctx, b.String(), args...); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// Audit reads the entries f selects, the newest first.
func (db *DB) Audit(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	q := "SELECT at, account, counter, action, ticket FROM audit WHERE office = ?"
	args := []any{f.Office}
	if !f.From.IsZero() {
		q += " AND at >= ?"
		args = append(args, nanos(f.From))
	}
	if !f.To.IsZero() {
		q += " AND at < ?"
		args = append(args, nanos(f.To))
	}
	for _, c := range []struct{ col, v string }{{"account", f.Account}, {"counter", f.Counter}, {"action", f.Action}} {
		if c.v != "" {
			q += " AND " + c.col + " = ?"
			args = append(args, c.v)
		}
	}
	if t := normTicket(f.Ticket); t != "" {
		q += " AND ticket = ?"
		args = append(args, t)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 500
	}
	q += " ORDER BY at DESC, n DESC LIMIT ?"
	args = append(args, limit)
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("audit of %s: %w", f.Office, err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		e := AuditEntry{Office: f.Office}
		var at int64
		if err := rows.Scan(&at, &e.Account, &e.Counter, &e.Action, &e.Ticket); err != nil {
			return nil, fmt.Errorf("audit of %s: %w", f.Office, err)
		}
		e.At = fromNanos(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// normTicket writes a ticket number as the board does: "a 042" is A042.
func normTicket(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}

// PurgeAudit deletes the entries older than before, of every office.
// The trail is keyed by office first and has no index on the time alone
// (migration 016), so it goes office by office, each along its key: a
// delete by time alone would read the whole trail on the writer.
func (db *DB) PurgeAudit(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	office := ""
	for {
		// The next office along the key: one seek, not a scan.
		err := db.r.QueryRowContext(ctx, "SELECT office FROM audit WHERE office > ? ORDER BY office LIMIT 1", office).Scan(&office)
		if errors.Is(err, sql.ErrNoRows) {
			return total, nil
		}
		if err != nil {
			return total, fmt.Errorf("purge audit: %w", err)
		}
		res, err := db.w.ExecContext(ctx, "DELETE FROM audit WHERE office = ? AND at < ?", office, nanos(before))
		if err != nil {
			return total, fmt.Errorf("purge audit of %s: %w", office, err)
		}
		n, _ := res.RowsAffected()
		total += n
	}
}
