package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"lotse/hub/queue"
)

// Batch is what one group commit of an office loop writes: the events in
// seq order, the appointments the sync changed, and the office's cursor
// afterwards.
type Batch struct {
	Events       []queue.Event
	Appointments []queue.Appointment
	// Audit are the audit entries of the batch's clerk actions.
	Audit      []AuditEntry
	Day        string
	Seq        int64
	LastNumber int
	// Durable, if set, is called once the batch's events are durable,
	// before the rows derived from them are written: the office loop
	// publishes there. It is called only when Commit returns nil.
	Durable func()
	// BeforeDerived, if set, is called after Durable when the derived rows
	// follow in a transaction of their own (a batch of counter actions,
	// see splits), before that transaction: the office loop lets the
	// screens' writers have the processors first there. The writer
	// connection stays held meanwhile, so it must not wait long.
	BeforeDerived func()
	// CarryFrom is the day carried over to Day (queue.Queue.CarryDay):
	// its tickets, events and appointments become Day's in the same
	// transaction, so that a restart restores them, the stream still
	// resumes over them and no purge takes them. A CarryFrom after Day
	// takes a carry back (queue.Queue.UncarryDay). Empty: no carry.
	CarryFrom string
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

const (
	upsertTicket = `INSERT INTO tickets (office, id, day, n, number, state, services, appointment, appointment_start,
		priority, arrived, transferred, counter, target_counter, called, started, ended, recalls, noshow_reported, note, status_token, priority_level, outcome, handover)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT (office, id) DO UPDATE SET state=excluded.state, services=excluded.services,
		appointment=excluded.appointment, appointment_start=excluded.appointment_start, priority=excluded.priority, priority_level=excluded.priority_level,
		transferred=excluded.transferred, counter=excluded.counter, target_counter=excluded.target_counter,
		called=excluded.called, started=excluded.started, ended=excluded.ended, recalls=excluded.recalls,
		noshow_reported=excluded.noshow_reported, note=excluded.note, outcome=excluded.outcome, handover=excluded.handover`
	upsertCounter = `INSERT INTO counters (office, id, open, ticket, staffed) VALUES (?,?,?,?,?)
		ON CONFLICT (office, id) DO UPDATE SET open=excluded.open, ticket=excluded.ticket, staffed=excluded.staffed`
	insertEvent  = `INSERT INTO events (office, seq, day, type, at, payload) VALUES (?,?,?,?,?,?)`
	insertReport = `INSERT INTO outbox (office, appointment, kind, at, ticket, counter, arrived) VALUES (?,?,?,?,?,?,?)`
	upsertAppt   = `INSERT INTO appointments (office, id, day, start, duration, services, secret, birth_hash, name, cancelled, noshow)
		VALUES (?,?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT (office, id) DO UPDATE SET day=excluded.day, start=excluded.start, duration=excluded.duration,
		services=excluded.services, secret=excluded.secret, birth_hash=excluded.birth_hash, name=excluded.name,
		cancelled=excluded.cancelled, noshow=excluded.noshow`
	markNoShow   = `UPDATE appointments SET noshow = 1 WHERE office = ? AND id = ?`
	upsertCursor = `INSERT INTO office_state (office, day, seq, last_number, derived) VALUES (?,?,?,?,?)
		ON CONFLICT (office) DO UPDATE SET day=excluded.day, seq=excluded.seq, last_number=excluded.last_number`
	markDerived = `UPDATE office_state SET derived = ? WHERE office = ?`
	// The carry's re-keying; statistics stay with the day they were
	// counted on.
	carryTickets = `UPDATE tickets SET day = ? WHERE office = ? AND day = ?`
	carryEvents  = `UPDATE events SET day = ? WHERE office = ? AND day = ?`
	carryAppts   = `UPDATE appointments SET day = ? WHERE office = ? AND day = ?`
)

// Commit writes a batch durably: its events, audit lines and cursor
// (the log), and the rows derived from the events: the ticket and counter
// rows, the outbox reports and statistics, then the appointments and a
// carry. Either all of it is durable or none, and Commit returns once it
// is.
//
// A batch of counter actions (splits) is written in two steps on the one
// writer connection: the log, synced, then b.Durable, then the derived
// rows in a transaction the next commit's sync makes durable (derived.go).
// The screens hear of a call after the first, which writes about four
// WAL pages instead of eight (BenchmarkCommitCall). If the second fails,
// its events stay pending and the next commit writes their rows first;
// after a crash in between, Open derives them from the log.
func (db *DB) Commit(ctx context.Context, office string, b Batch) error {
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("commit %s: %w", office, err)
	}
	defer conn.Close()
	// The statements run without ctx's cancel: go-sqlite3 runs a
	// statement given a cancellable context on a goroutine of its own and
	// waits for it, one hand-over between threads per statement. Under
	// the outside probe a call's BEGIN and inserts took 175 µs with it
	// and 130 µs without. A commit under way is better finished than
	// interrupted anyway; how long it may wait for the file's lock is
	// bounded by the busy timeout, not by ctx.
	ctx = context.WithoutCancel(ctx)
	tx, err := conn.BeginTx(ctx, nil) // IMMEDIATE (the DSN): the write lock now, not at the first write
	if err != nil {
		return fmt.Errorf("commit %s: begin: %w", office, err)
	}
	defer tx.Rollback() // after the commit: sql.ErrTxDone, nothing to undo
	split := splits(b)
	earlier := db.underived.take(office)
	tokens, err := db.commitLog(ctx, tx, office, b, earlier, split)
	if err != nil {
		db.underived.keep(office, earlier)
		return fmt.Errorf("commit %s: %w", office, err)
	}
	if b.Durable != nil {
		b.Durable()
	}
	if split {
		if b.BeforeDerived != nil {
			b.BeforeDerived()
		}
		tokens, err = db.commitDerived(ctx, conn, office, b, earlier)
		if err != nil {
			db.underived.keep(office, append(earlier, b.Events...))
			db.log.Error("writing the rows of committed events failed; the next commit writes them", "office", office, "err", err)
			return nil
		}
	}
	// Only what is durable can be found by its token.
	db.tokens.add(tokens)
	if b.CarryFrom != "" && b.CarryFrom != b.Day {
		db.tokens.move(office, b.CarryFrom, b.Day)
	}
	if db.ck != nil {
		// Everything of this batch is written; a failure loses nothing
		// (the checkpointer copies it at its next run).
		if err := db.ck.finish(ctx, conn); err != nil {
			db.log.Warn("finishing the WAL checkpoint failed", "err", err)
		}
	}
	return nil
}

// commitLog commits the batch's log, and unless split its derived rows
// with it, in tx.
func (db *DB) commitLog(ctx context.Context, tx *sql.Tx, office string, b Batch, earlier []queue.Event, split bool) (map[string]TicketRef, error) {
	s := &stmts{tx: tx, prepared: db.prepared}
	cursor := db.cursors.needed(office, b)
	if err := writeLog(ctx, s, db.audit, office, b, cursor); err != nil {
		return nil, err
	}
	var tokens map[string]TicketRef
	if !split {
		var err error
		if tokens, err = writeDerived(ctx, s, office, b, earlier); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	if cursor {
		db.cursors.written(office, b.Day)
	}
	if db.ck != nil {
		db.ck.committed()
	}
	return tokens, nil
}

// stmts runs the writer's statements inside one transaction. They are
// prepared once on the writer connection, so a batch parses no SQL, and
// bound to the transaction once per batch, not once per row: a batch of
// walk-ins runs the same two statements for every ticket.
type stmts struct {
	tx       *sql.Tx
	prepared map[string]*sql.Stmt
	bound    map[string]*sql.Stmt
}

// bind returns the prepared statement of query bound to the batch's
// transaction, binding it on first use.
func (s *stmts) bind(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := s.bound[query]; ok {
		return st, nil
	}
	p, ok := s.prepared[query]
	if !ok {
		return nil, fmt.Errorf("statement not prepared: %.40s", query)
	}
	if s.bound == nil {
		s.bound = make(map[string]*sql.Stmt, 4)
	}
	st := s.tx.StmtContext(ctx, p)
	s.bound[query] = st
	return st, nil
}

func (s *stmts) exec(ctx context.Context, query string, args ...any) error {
	st, err := s.bind(ctx, query)
	if err != nil {
		return err
	}
	_, err = st.ExecContext(ctx, args...)
	return err
}

var writeQueries = []string{insertAudit, upsertTicket, upsertCounter, insertEvent, insertReport, upsertAppt, markNoShow, upsertCursor, markDerived,
	carryTickets, carryEvents, carryAppts}

func (db *DB) prepare(ctx context.Context) error {
	db.prepared = map[string]*sql.Stmt{}
	for _, q := range writeQueries {
		st, err := db.w.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		db.prepared[q] = st
	}
	return nil
}

// writeLog writes what only the batch itself holds: its events, its
// audit lines and, when needed, the office's cursor. What is written
// here is what derive rebuilds everything else from.
func writeLog(ctx context.Context, s *stmts, lines *auditLines, office string, b Batch, cursor bool) error {
	for _, e := range b.Events {
		payload, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("event %d: %w", e.Seq, err)
		}
		day := b.Day
		if e.Ticket != nil {
			day = e.Ticket.Day
		}
		if err := s.exec(ctx, insertEvent, office, e.Seq, day, string(e.Type), nanos(e.At), string(payload)); err != nil {
			return fmt.Errorf("event %d: %w", e.Seq, err)
		}
	}
	for _, a := range b.Audit {
		if err := s.exec(ctx, insertAudit, a.Office, nanos(a.At), lines.next(), a.Account, a.Counter, a.Action, a.Ticket); err != nil {
			return fmt.Errorf("audit: %w", err)
		}
	}
	if !cursor {
		return nil
	}
	// A new office's rows are derived up to just before its first event
	// (the cursor's own derived column is kept by later upserts).
	derived := b.Seq
	if len(b.Events) > 0 {
		derived = b.Events[0].Seq - 1
	}
	if err := s.exec(ctx, upsertCursor, office, b.Day, b.Seq, b.LastNumber, derived); err != nil {
		return fmt.Errorf("cursor: %w", err)
	}
	return nil
}

// writeDerived writes the rows derived from events (the batch's, after
// the earlier ones whose rows are still missing): each event's statistics,
// the ticket and counter rows it changed and its outbox report; then the
// batch's appointments and the no-shows among them, the statistics
// cells, a carry, and the office's derived seq. It returns the status
// tokens of the tickets it wrote, for the token index once committed.
func writeDerived(ctx context.Context, s *stmts, office string, b Batch, earlier []queue.Event) (map[string]TicketRef, error) {
	var tokens map[string]TicketRef
	sb := newStatBatch(office, &b) // statistics.go
	events := b.Events
	if len(earlier) > 0 {
		events = append(earlier[:len(earlier):len(earlier)], b.Events...)
	}
	for _, e := range events {
		if err := sb.event(ctx, s, e); err != nil {
			return nil, fmt.Errorf("statistics: event %d: %w", e.Seq, err)
		}
		if t := e.Ticket; t != nil {
			services, _ := json.Marshal(t.Services)
			if err := s.exec(ctx, upsertTicket, office, t.ID, t.Day, t.N, t.Number, string(t.State), string(services),
				t.Appointment, nanos(t.AppointmentStart), boolInt(t.Priority), nanos(t.Arrived), nanos(t.Transferred),
				t.Counter, t.TargetCounter, nanos(t.Called), nanos(t.Started), nanos(t.Ended), t.Recalls, boolInt(t.NoShowReported), t.Note, t.StatusToken, t.PriorityLevel, t.Outcome, t.Handover); err != nil {
				return nil, fmt.Errorf("ticket %s: %w", t.Number, err)
			}
			if t.StatusToken != "" {
				if tokens == nil {
					tokens = map[string]TicketRef{}
				}
				tokens[t.StatusToken] = TicketRef{Office: office, Ticket: t.ID, Day: t.Day}
			}
		}
		if c := e.Counter; c != nil {
			if err := s.exec(ctx, upsertCounter, office, c.ID, boolInt(c.Open), c.Ticket, boolInt(c.Staffed)); err != nil {
				return nil, fmt.Errorf("counter %s: %w", c.ID, err)
			}
		}
		if e.Report != "" && e.Appointment != "" {
			var number, counter string
			var arrived time.Time
			if e.Ticket != nil {
				number, counter, arrived = e.Ticket.Number, e.Ticket.Counter, e.Ticket.Arrived
			}
			if err := s.exec(ctx, insertReport, office, e.Appointment, string(e.Report), nanos(e.At), number, counter, nanos(arrived)); err != nil {
				return nil, fmt.Errorf("outbox: %w", err)
			}
		}
	}
	if err := sb.appointments(ctx, s, b.Appointments); err != nil { // booked.go
		return nil, fmt.Errorf("statistics: %w", err)
	}
	if err := writeAppointments(ctx, s, office, b.Day, b.Appointments); err != nil {
		return nil, err
	}
	// After the batch's appointments: a sync judges what it imports at
	// once (office.applySync), and the imported row of a booking judged
	// in the same batch must not take its no-show back. A booking's
	// no-show is never taken back (queue.Sync keeps it).
	for _, e := range events {
		if e.Type == queue.AppointmentNoShow {
			if err := s.exec(ctx, markNoShow, office, e.Appointment); err != nil {
				return nil, fmt.Errorf("no-show: %w", err)
			}
		}
	}
	if err := sb.flush(ctx, s); err != nil {
		return nil, fmt.Errorf("statistics: %w", err)
	}
	// After the batch's own rows: the events and tickets of the batch
	// applied before the carry are keyed with the old day and move too.
	if b.CarryFrom != "" && b.CarryFrom != b.Day {
		for _, q := range []string{carryTickets, carryEvents, carryAppts} {
			if err := s.exec(ctx, q, b.Day, office, b.CarryFrom); err != nil {
				return nil, fmt.Errorf("carry %s over to %s: %w", b.CarryFrom, b.Day, err)
			}
		}
	}
	if len(events) > 0 {
		if err := s.exec(ctx, markDerived, events[len(events)-1].Seq, office); err != nil {
			return nil, fmt.Errorf("derived seq: %w", err)
		}
	}
	return tokens, nil
}

// LoadState reads an office's queue as it was last committed. found is
// false for an office that never committed anything.
func (db *DB) LoadState(ctx context.Context, office string) (st queue.State, found bool, err error) {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return st, false, fmt.Errorf("load %s: %w", office, err)
	}
	defer tx.Rollback()
	err = tx.QueryRowContext(ctx, selectCursor, office).Scan(&st.Day, &st.Seq, &st.LastNumber)
	if errors.Is(err, sql.ErrNoRows) {
		return st, false, nil
	}
	if err != nil {
		return st, false, fmt.Errorf("load %s: cursor: %w", office, err)
	}
	if st.Tickets, err = readTickets(ctx, tx, office, st.Day, false); err != nil {
		return st, false, fmt.Errorf("load %s: %w", office, err)
	}
	if st.Counters, err = readCounters(ctx, tx, office); err != nil {
		return st, false, fmt.Errorf("load %s: %w", office, err)
	}
	if st.Appointments, err = readAppointments(ctx, tx, office, st.Day); err != nil {
		return st, false, fmt.Errorf("load %s: %w", office, err)
	}
	if st.Calls, err = readCalls(ctx, tx, office, st.Day, st.Seq); err != nil {
		return st, false, fmt.Errorf("load %s: %w", office, err)
	}
	db.underived.overlay(office, &st) // derived.go
	return st, true, nil
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func readTickets(ctx context.Context, q querier, office, day string, activeOnly bool) ([]queue.Ticket, error) {
	query := `SELECT id, day, n, number, state, services, appointment, appointment_start, priority, arrived,
		transferred, counter, target_counter, called, started, ended, recalls, noshow_reported, note, status_token, priority_level, outcome, handover
		FROM tickets WHERE office = ? AND day = ?`
	if activeOnly {
		query += ` AND state NOT IN ('done', 'cancelled')`
	}
	rows, err := q.QueryContext(ctx, query+" ORDER BY n", office, day)
	if err != nil {
		return nil, fmt.Errorf("tickets: %w", err)
	}
	defer rows.Close()
	var out []queue.Ticket
	for rows.Next() {
		var t queue.Ticket
		var services, state string
		var apptStart, arrived, transferred, called, started, ended int64
		var priority, noShowReported int
		if err := rows.Scan(&t.ID, &t.Day, &t.N, &t.Number, &state, &services, &t.Appointment, &apptStart, &priority,
			&arrived, &transferred, &t.Counter, &t.TargetCounter, &called, &started, &ended, &t.Recalls, &noShowReported, &t.Note, &t.StatusToken, &t.PriorityLevel, &t.Outcome, &t.Handover); err != nil {
			return nil, fmt.Errorf("tickets: %w", err)
		}
		if err := json.Unmarshal([]byte(services), &t.Services); err != nil {
			return nil, fmt.Errorf("ticket %s services: %w", t.ID, err)
		}
		t.Office, t.State, t.Priority, t.NoShowReported = office, queue.TicketState(state), priority == 1, noShowReported == 1
		t.AppointmentStart, t.Arrived, t.Transferred = fromNanos(apptStart), fromNanos(arrived), fromNanos(transferred)
		t.Called, t.Started, t.Ended = fromNanos(called), fromNanos(started), fromNanos(ended)
		out = append(out, t)
	}
	return out, rows.Err()
}

func readCounters(ctx context.Context, q querier, office string) ([]queue.CounterState, error) {
	rows, err := q.QueryContext(ctx, "SELECT id, open, ticket, staffed FROM counters WHERE office = ? ORDER BY id", office)
	if err != nil {
		return nil, fmt.Errorf("counters: %w", err)
	}
	defer rows.Close()
	var out []queue.CounterState
	for rows.Next() {
		var c queue.CounterState
		var open, staffed int
		if err := rows.Scan(&c.ID, &open, &c.Ticket, &staffed); err != nil {
			return nil, fmt.Errorf("counters: %w", err)
		}
		c.Open, c.Staffed = open == 1, staffed == 1
		out = append(out, c)
	}
	return out, rows.Err()
}

func readAppointments(ctx context.Context, q querier, office, day string) ([]queue.Appointment, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, start, duration, services, secret, birth_hash, name, cancelled, noshow
		FROM appointments WHERE office = ? AND day = ?`, office, day)
	if err != nil {
		return nil, fmt.Errorf("appointments: %w", err)
	}
	defer rows.Close()
	var out []queue.Appointment
	for rows.Next() {
		var a queue.Appointment
		var start, duration int64
		var services string
		var cancelled, noshow int
		if err := rows.Scan(&a.ID, &start, &duration, &services, &a.Secret, &a.BirthHash, &a.Name, &cancelled, &noshow); err != nil {
			return nil, fmt.Errorf("appointments: %w", err)
		}
		if err := json.Unmarshal([]byte(services), &a.Services); err != nil {
			return nil, fmt.Errorf("appointment %s services: %w", a.ID, err)
		}
		a.Office, a.Start, a.Duration = office, fromNanos(start), time.Duration(duration)
		a.Cancelled, a.NoShow = cancelled == 1, noshow == 1
		out = append(out, a)
	}
	return out, rows.Err()
}

// readCalls rebuilds the board's call history from the event log, up to
// seq.
func readCalls(ctx context.Context, q querier, office, day string, seq int64) ([]queue.Call, error) {
	rows, err := q.QueryContext(ctx, `SELECT payload FROM events WHERE office = ? AND day = ? AND seq <= ? AND type IN ('called', 'recalled')
		ORDER BY seq DESC LIMIT 20`, office, day, seq)
	if err != nil {
		return nil, fmt.Errorf("calls: %w", err)
	}
	defer rows.Close()
	var out []queue.Call
	for rows.Next() {
		var payload string
		if err := rows.Scan(&payload); err != nil {
			return nil, fmt.Errorf("calls: %w", err)
		}
		var e queue.Event
		if err := json.Unmarshal([]byte(payload), &e); err != nil || e.Ticket == nil {
			return nil, fmt.Errorf("calls: bad event payload: %v", err)
		}
		out = append(out, queue.Call{Ticket: e.Ticket.ID, Number: e.Ticket.Number, Counter: e.Ticket.Counter, At: e.At,
			Recall: e.Type == queue.TicketRecalled})
	}
	return out, rows.Err()
}

// View is the public state of an office read from the read pool: what a
// snapshot shows, consistent at Seq.
type View struct {
	Day      string
	Seq      int64
	Tickets  []queue.Ticket // not done or cancelled
	Counters []queue.CounterState
	Calls    []queue.Call
}

// View reads the office's public state without waiting for its loop.
func (db *DB) View(ctx context.Context, office string) (View, error) {
	var v View
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return v, fmt.Errorf("view %s: %w", office, err)
	}
	defer tx.Rollback()
	// As of the office's derived seq: the tables may not yet hold the
	// rows of a call the screens already heard of (derived.go), and the
	// stream brings that call to whoever reads this view.
	err = tx.QueryRowContext(ctx, "SELECT day, derived FROM office_state WHERE office = ?", office).Scan(&v.Day, &v.Seq)
	if errors.Is(err, sql.ErrNoRows) {
		return v, nil
	}
	if err != nil {
		return v, fmt.Errorf("view %s: %w", office, err)
	}
	if v.Tickets, err = readTickets(ctx, tx, office, v.Day, true); err != nil {
		return v, fmt.Errorf("view %s: %w", office, err)
	}
	if v.Counters, err = readCounters(ctx, tx, office); err != nil {
		return v, fmt.Errorf("view %s: %w", office, err)
	}
	if v.Calls, err = readCalls(ctx, tx, office, v.Day, v.Seq); err != nil {
		return v, fmt.Errorf("view %s: %w", office, err)
	}
	return v, nil
}

// EventsSince returns up to limit events after seq, oldest first. Only the
// office's current day counts: past days' events may wait for their purge
// a moment after a day turn, and a client resuming from yesterday must
// see the day_turned marker (and the gap before it), never yesterday's calls.
func (db *DB) EventsSince(ctx context.Context, office string, seq int64, limit int) ([]queue.Event, error) {
	out, err := readEvents(ctx, db.r, `SELECT payload FROM events WHERE office = ? AND seq > ?
		AND day >= coalesce((SELECT day FROM office_state WHERE office = ?), '') ORDER BY seq LIMIT ?`, office, seq, office, limit)
	if err != nil {
		return nil, fmt.Errorf("events of %s: %w", office, err)
	}
	return out, nil
}

// readEvents runs a query of event payloads and decodes them.
func readEvents(ctx context.Context, q querier, query string, args ...any) ([]queue.Event, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []queue.Event
	for rows.Next() {
		var payload string
		if err := rows.Scan(&payload); err != nil {
			return nil, err
		}
		var e queue.Event
		if err := json.Unmarshal([]byte(payload), &e); err != nil {
			return nil, fmt.Errorf("bad payload: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
