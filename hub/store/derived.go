package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"lotse/hub/queue"
)

// A clerk's call waited for a commit of about eight WAL pages: the event,
// and the ticket, counter, statistics and audit rows it changed, each
// page written and synced before any screen heard of the call. The event
// log alone says all the derived rows say: every event carries the ticket
// and the counter after the change. So a batch of counter actions is
// committed in two steps (Commit): the log, synced; then the derived rows
// in a transaction that is not synced on its own. SQLite appends both to
// the WAL in order, so the next commit's sync makes the derived rows
// durable too, and a crash can lose only derived rows whose events are in
// the log: Open derives them again (deriveLeftOver), from the office's
// derived seq (migration 017) on.

// splits reports whether the batch's derived rows may follow its log:
// everything they hold must be in the events' payloads. That excludes a
// new ticket (its row holds the status token, which the log never holds),
// a handover note (kept out of the log too), a report for the booking
// backend, appointments from a sync, a day turn or carry, and a booking's
// no-show; those batches are committed whole, as before. What remains is
// what clerks do all day: calling, starting and finishing walk-ins and
// the calls of appointments.
func splits(b Batch) bool {
	if len(b.Events) == 0 || len(b.Appointments) > 0 || b.CarryFrom != "" {
		return false
	}
	for _, e := range b.Events {
		switch e.Type {
		case queue.TicketCalled, queue.TicketRecalled, queue.TicketStarted, queue.TicketFinished,
			queue.TicketMissed, queue.TicketParked, queue.CounterOpened, queue.CounterPaused, queue.CounterStaffed:
		default:
			return false
		}
		if e.Ticket != nil && e.Ticket.Handover != "" {
			return false
		}
		if e.Report != "" {
			// The outbox is woken when the loop publishes, between
			// the steps: its row must be there by then.
			return false
		}
	}
	return true
}

// commitDerived writes the rows derived from the batch's events (after
// earlier's) in a transaction that is not synced on its own. The writer
// connection is held by the caller from the log's commit on, so nothing
// else commits while synchronous is lowered.
func (db *DB) commitDerived(ctx context.Context, conn *sql.Conn, office string, b Batch, earlier []queue.Event) (tokens map[string]TicketRef, err error) {
	if db.failDerived != nil {
		if err := db.failDerived(); err != nil {
			return nil, err
		}
	}
	restore, err := db.unsynced(ctx, conn)
	if err != nil {
		return nil, err
	}
	defer restore()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if tokens, err = writeDerived(ctx, &stmts{tx: tx, prepared: db.prepared}, office, b, earlier); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	if db.ck != nil {
		db.ck.committed()
	}
	return tokens, nil
}

// unsynced lowers synchronous on conn, the writer connection, for a
// write whose loss in a crash costs nothing: its commit is not synced on
// its own, and the next synced commit makes it durable with its own. The
// caller holds conn, so nothing else commits meanwhile, and calls restore
// when done.
func (db *DB) unsynced(ctx context.Context, conn *sql.Conn) (restore func(), err error) {
	if _, err := conn.ExecContext(ctx, "PRAGMA synchronous = NORMAL"); err != nil {
		return nil, fmt.Errorf("lower synchronous: %w", err)
	}
	return func() {
		if _, rerr := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA synchronous = FULL"); rerr != nil {
			// A connection left unsynced must not commit anything
			// else: database/sql discards it, and the next one opens
			// with FULL from the DSN.
			conn.Raw(func(any) error { return driver.ErrBadConn })
			db.log.Error("could not restore synchronous commits; the writer connection is reopened", "err", rerr)
		}
	}, nil
}

// underived holds, per office, the committed events whose derived rows a
// failed second step left out, for the next commit to write first.
type underived struct {
	mu     sync.Mutex
	events map[string][]queue.Event
}

func (u *underived) take(office string) []queue.Event {
	u.mu.Lock()
	defer u.mu.Unlock()
	list := u.events[office]
	delete(u.events, office)
	return list
}

func (u *underived) keep(office string, list []queue.Event) {
	if len(list) == 0 {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.events == nil {
		u.events = map[string][]queue.Event{}
	}
	u.events[office] = list
}

// overlay puts the tickets and counters of the office's events whose
// rows are still to be written into st, as the events say: the loop
// reloads its queue after a failed commit, and an earlier failed second
// step would otherwise hand it tickets as they were before those events.
func (u *underived) overlay(office string, st *queue.State) {
	u.mu.Lock()
	events := slices.Clone(u.events[office])
	u.mu.Unlock()
	for _, e := range events {
		if t := e.Ticket; t != nil && t.Day == st.Day {
			stored := asStored(*t)
			i := slices.IndexFunc(st.Tickets, func(x queue.Ticket) bool { return x.ID == t.ID })
			if i >= 0 {
				st.Tickets[i] = stored
			} else {
				st.Tickets = append(st.Tickets, stored)
			}
		}
		if c := e.Counter; c != nil {
			i := slices.IndexFunc(st.Counters, func(x queue.CounterState) bool { return x.ID == c.ID })
			if i >= 0 {
				st.Counters[i] = *c
			} else {
				st.Counters = append(st.Counters, *c)
			}
		}
	}
	slices.SortFunc(st.Tickets, func(a, b queue.Ticket) int { return a.N - b.N })
	slices.SortFunc(st.Counters, func(a, b queue.CounterState) int { return strings.Compare(a.ID, b.ID) })
}

// asStored is t as a read of its row returns it: its times in UTC,
// without the monotonic clock.
func asStored(t queue.Ticket) queue.Ticket {
	for _, at := range []*time.Time{&t.AppointmentStart, &t.Arrived, &t.Transferred, &t.Called, &t.Started, &t.Ended} {
		*at = fromNanos(nanos(*at))
	}
	return t
}

// deriveLeftOver writes the derived rows of the events after each
// office's derived seq: those a crash (or a failed second step before a
// stop) left without them. It runs at Open, before anything reads the
// tables or the token index is built.
func (db *DB) deriveLeftOver(ctx context.Context) error {
	type office struct {
		id, day string
		derived int64
	}
	var offices []office
	rows, err := db.w.QueryContext(ctx, "SELECT office, day, derived FROM office_state")
	if err != nil {
		return fmt.Errorf("derive: %w", err)
	}
	for rows.Next() {
		var o office
		if err := rows.Scan(&o.id, &o.day, &o.derived); err != nil {
			rows.Close()
			return fmt.Errorf("derive: %w", err)
		}
		offices = append(offices, o)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("derive: %w", err)
	}
	for _, o := range offices {
		events, err := db.eventsAfter(ctx, o.id, o.derived)
		if err != nil {
			return err
		}
		if len(events) == 0 {
			continue
		}
		tx, err := db.w.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("derive %s: %w", o.id, err)
		}
		if _, err := writeDerived(ctx, &stmts{tx: tx, prepared: db.prepared}, o.id, Batch{Day: o.day}, events); err != nil {
			tx.Rollback()
			return fmt.Errorf("derive %s: %w", o.id, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("derive %s: %w", o.id, err)
		}
		db.log.Warn("wrote the rows of events that a stop had left without them", "office", o.id, "events", len(events),
			"from", events[0].Seq, "to", events[len(events)-1].Seq)
	}
	return nil
}

// eventsAfter reads all of an office's events after seq, on the writer.
func (db *DB) eventsAfter(ctx context.Context, office string, seq int64) ([]queue.Event, error) {
	out, err := readEvents(ctx, db.w, "SELECT payload FROM events WHERE office = ? AND seq > ? ORDER BY seq", office, seq)
	if err != nil {
		return nil, fmt.Errorf("derive %s: %w", office, err)
	}
	return out, nil
}
