package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"lotse/hub/queue"
	"lotse/hub/statistics"
)

// The manager's statistics (hub/statistics): every committed batch adds
// its events to anonymous cells per office, day, hour, service and
// counter, in the batch's own transaction, so that the figures are exact
// and survive a crash and the purge (docs/statistics.md).

// zones are the offices' time zones: a cell's day and hour are the
// office's local ones. The office loop registers its office (SetZone).
var zones sync.Map // office id → *time.Location

// SetZone tells the statistics the office's time zone; nil is UTC. An
// office never registered counts in UTC.
func SetZone(office string, loc *time.Location) {
	if loc == nil {
		loc = time.UTC
	}
	zones.Store(office, loc)
}

func zoneOf(office string) *time.Location {
	if v, ok := zones.Load(office); ok {
		return v.(*time.Location)
	}
	return time.UTC
}

// statsOff switches the keeping of statistics off: only the load test
// uses it, to measure what keeping them costs.
var statsOff atomic.Bool

// KeepStatistics switches the keeping of the manager's statistics on
// (the default) or off. Only for the load test's comparison: a hub
// without them loses the figures of whatever it commits meanwhile.
func KeepStatistics(on bool) { statsOff.Store(!on) }

// staffGap is how long a counter may go without an action, holding no
// visit, before its staffing ends at its last action: a clerk who left
// without pausing is not counted as present all afternoon.
const staffGap = 30 * time.Minute

// statCols are the figures of a cell and of a rollup, statAdd adds a
// new row's to a stored one: counts and sums add, histograms append.
const (
	statCols = `booked, checked_in, noshows, cancelled, walkins, called, recalls, served, missed, punctual, appt_called,
		wait_s, service_s, busy_s, staffed_s, wait_hist, service_hist, withdrawn`
	statAdd = `booked=booked+excluded.booked,
		checked_in=checked_in+excluded.checked_in, noshows=noshows+excluded.noshows, cancelled=cancelled+excluded.cancelled,
		walkins=walkins+excluded.walkins, called=called+excluded.called, recalls=recalls+excluded.recalls,
		served=served+excluded.served, missed=missed+excluded.missed, punctual=punctual+excluded.punctual,
		appt_called=appt_called+excluded.appt_called, wait_s=wait_s+excluded.wait_s, service_s=service_s+excluded.service_s,
		busy_s=busy_s+excluded.busy_s, staffed_s=staffed_s+excluded.staffed_s,
		wait_hist=wait_hist||excluded.wait_hist, service_hist=service_hist||excluded.service_hist,
		withdrawn=withdrawn+excluded.withdrawn`
)

const (
	statFirstCall = `SELECT called FROM tickets WHERE office = ? AND id = ?`
	statAppt      = `SELECT start, services, cancelled FROM appointments WHERE office = ? AND id = ?`
	statStaffOne  = `SELECT since, last, call_at, service FROM stat_staffing WHERE office = ? AND counter = ?`
	statStaffAll  = `SELECT counter, since, last, call_at, service FROM stat_staffing WHERE office = ?`
	statStaffPut  = `INSERT INTO stat_staffing (office, counter, since, last, call_at, service) VALUES (?,?,?,?,?,?)
		ON CONFLICT (office, counter) DO UPDATE SET since=excluded.since, last=excluded.last, call_at=excluded.call_at,
		service=excluded.service`
	statStaffDel = `DELETE FROM stat_staffing WHERE office = ? AND counter = ?`
	statCellAdd  = `INSERT INTO stat_cells (office, day, hour, service, counter, ` + statCols + `)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT (office, day, hour, service, counter) DO UPDATE SET ` + statAdd
	// A bare max() over the key's prefix is one seek (SQLite's min/max
	// optimisation); wrapped in coalesce() it would read every row.
	statLastRolled = `SELECT max(day) FROM stat_days WHERE office = ? AND dim = 'hours'`
	statToRoll     = `SELECT ` + cellCols + ` FROM stat_cells WHERE office = ? AND day > ? AND day < ?`
	statDayAdd     = `INSERT INTO stat_days (office, dim, day, hour, service, counter, ` + statCols + `)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT (office, dim, day, hour, service, counter) DO UPDATE SET ` + statAdd
)

func init() {
	// Prepared with the writer's other statements: a batch parses no SQL.
	writeQueries = append(writeQueries, statFirstCall, statAppt, statStaffOne, statStaffAll, statStaffPut, statStaffDel, statCellAdd, statDayAdd,
		statLastRolled, statToRoll)
}

func (s *stmts) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := s.bind(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// queryRow scans the first row of a query; found is false without one.
func (s *stmts) queryRow(ctx context.Context, query string, args []any, dest ...any) (found bool, err error) {
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	if !rows.Next() {
		return false, rows.Err()
	}
	if err := rows.Scan(dest...); err != nil {
		return false, err
	}
	return true, rows.Close()
}

type cellKey struct {
	day     string
	hour    int
	service string
	counter string
}

// staffing is a counter's row of stat_staffing while a batch changes it.
type staffing struct {
	since, last, callAt time.Time
	service             string
	changed             bool
}

// statBatch adds up a batch's statistics: one write per touched cell.
type statBatch struct {
	office string
	loc    *time.Location
	off    bool
	cells  map[cellKey]*statistics.Cell
	staff  map[string]*staffing
	// appts are the batch's appointments, written after its events: a
	// booking imported late may be a no-show in the same batch.
	appts []queue.Appointment
	// turned is the new day of a day turn in the batch: the days before
	// it are rolled up after the batch's cells are written.
	turned string
	// day is the queue's day after the batch: no day from it on is rolled
	// up (a turn rolls up the days before its new day only).
	day string
	// outcomes are the batch's visit outcomes (outcome.go).
	outcomes map[outcomeKey]int64
}

func newStatBatch(office string, b *Batch) *statBatch {
	return &statBatch{office: office, loc: zoneOf(office), off: statsOff.Load(), appts: b.Appointments, day: b.Day}
}

func (b *statBatch) cell(at time.Time, service, counter string) *statistics.Cell {
	lt := at.In(b.loc)
	k := cellKey{lt.Format(queue.DayFormat), lt.Hour(), service, counter}
	c := b.cells[k]
	if c == nil {
		if b.cells == nil {
			b.cells = map[cellKey]*statistics.Cell{}
		}
		c = &statistics.Cell{Office: b.office, Day: k.day, Hour: k.hour, Service: service, Counter: counter}
		b.cells[k] = c
	}
	return c
}

// spread adds the seconds of [from, to) to the cells of the hours they
// fall in, with add choosing the field.
func (b *statBatch) spread(from, to time.Time, service, counter string, add func(c *statistics.Cell, s int64)) {
	from, to = from.Truncate(time.Second), to.Truncate(time.Second)
	for from.Before(to) {
		// The next full hour of the local clock, by the offset in force
		// at from: it always lies ahead, also in the hour a DST change
		// repeats (a local time.Date would go back there).
		_, off := from.In(b.loc).Zone()
		shift := time.Duration(off) * time.Second
		next := from.Add(shift).Truncate(time.Hour).Add(time.Hour - shift)
		if next.After(to) {
			next = to
		}
		add(b.cell(from, service, counter), int64(next.Sub(from)/time.Second))
		from = next
	}
}

func counterOf(e queue.Event) string {
	if e.Counter != nil {
		return e.Counter.ID
	}
	if e.Ticket != nil {
		return e.Ticket.Counter
	}
	return ""
}

// event counts one event. It runs before the event's ticket row is
// written: a call is a first call when the stored ticket was never called.
func (b *statBatch) event(ctx context.Context, s *stmts, e queue.Event) error {
	if b.off {
		return nil
	}
	t := e.Ticket
	switch {
	case e.Type == queue.AppointmentNoShow:
		var start int64
		var services string
		var cancelled int
		found, err := s.queryRow(ctx, statAppt, []any{b.office, e.Appointment}, &start, &services, &cancelled)
		if err != nil {
			return fmt.Errorf("no-show of %s: %w", e.Appointment, err)
		}
		at, svc := fromNanos(start), mainService(services)
		if !found {
			// Not stored yet: imported in this batch, or (never
			// expected) unknown, then counted at the no-show's time.
			at = e.At
			for _, a := range b.appts {
				if a.ID == e.Appointment {
					at, svc = a.Start, firstService(a.Services)
				}
			}
		}
		b.cell(at, svc, "").NoShows++
		return nil
	case e.Type == queue.CounterPaused && e.Counter != nil:
		return b.pause(ctx, s, e.Counter.ID, e.At)
	case e.Type == queue.DayTurned:
		b.turned = e.At.In(b.loc).Format(queue.DayFormat)
		return b.closeAll(ctx, s)
	case t == nil:
		return nil
	}
	svc, counter := t.Service(), counterOf(e)
	switch e.Type {
	case queue.CheckedIn:
		b.cell(t.Arrived, svc, "").CheckedIn++
	case queue.WalkedIn:
		b.cell(t.Arrived, svc, "").WalkIns++
	case queue.TicketCalled:
		var called int64
		if _, err := s.queryRow(ctx, statFirstCall, []any{b.office, t.ID}, &called); err != nil {
			return fmt.Errorf("first call of %s: %w", t.Number, err)
		}
		if called == 0 {
			b.firstCall(e.At, t, counter)
		}
		st, err := b.activity(ctx, s, counter, e.At)
		if err != nil {
			return err
		}
		if !st.callAt.IsZero() {
			b.busy(counter, st, e.At)
		}
		st.callAt, st.service = e.At, svc
	case queue.TicketRecalled:
		b.cell(e.At, svc, counter).Recalls++
		_, err := b.activity(ctx, s, counter, e.At)
		return err
	case queue.TicketStarted:
		_, err := b.activity(ctx, s, counter, e.At)
		return err
	case queue.TicketFinished:
		c := b.cell(t.Ended, svc, counter)
		c.Served++
		began := t.Started
		if began.IsZero() {
			began = t.Called
		}
		d := t.Ended.Sub(began)
		c.ServiceSeconds += int64(d / time.Second)
		c.ServiceHistogram.Add(d)
		b.outcome(t.Ended, svc, t.Outcome)
		return b.leave(ctx, s, counter, e.At)
	case queue.TicketMissed:
		// A ticket the day turn ends after midnight was missed on its
		// own day, at its last call: not at 0 o'clock of a closed day.
		at := e.At
		if day := func(t time.Time) string { return t.In(b.loc).Format(queue.DayFormat) }; day(at) != day(t.Arrived) && !t.Called.IsZero() {
			at = t.Called
		}
		b.cell(at, svc, counter).Missed++
		return b.leave(ctx, s, counter, e.At)
	case queue.TicketParked, queue.TicketTransferred:
		return b.leave(ctx, s, counter, e.At)
	case queue.TicketCancelled:
		if t.Appointment != "" {
			b.cell(t.AppointmentStart, svc, "").Cancelled++
		}
	case queue.TicketWithdrawn:
		// In the hour of the appointment, as its cancellation would
		// be; a walk-in in the hour it was given up. Not Cancelled:
		// the backend's cancellation of the appointment comes with
		// the next sync and counts there.
		at := e.At
		if !t.AppointmentStart.IsZero() {
			at = t.AppointmentStart
		}
		b.cell(at, svc, "").Withdrawn++
		if e.Counter != nil {
			// Given up while called: the counter is free again.
			return b.leave(ctx, s, counter, e.At)
		}
	}
	return nil
}

// firstCall counts the first call of a ticket: the wait from the later
// of arrival and the appointment's start, and punctuality.
func (b *statBatch) firstCall(at time.Time, t *queue.Ticket, counter string) {
	c := b.cell(at, t.Service(), counter)
	c.Called++
	from := t.Arrived
	if t.Appointment != "" && t.AppointmentStart.After(from) {
		from = t.AppointmentStart
	}
	wait := max(at.Sub(from), 0)
	c.WaitSeconds += int64(wait / time.Second)
	c.WaitHistogram.Add(wait)
	if t.Appointment != "" {
		c.ApptCalled++
		if at.Sub(t.AppointmentStart) <= statistics.PunctualWithin {
			c.Punctual++
		}
	}
}

// mainService is the first service of a stored list, the one the
// appointment's ticket is called for (queue.Ticket.Service).
func mainService(services string) string {
	var list []queue.ServiceCount
	if json.Unmarshal([]byte(services), &list) != nil {
		return ""
	}
	return firstService(list)
}

func firstService(list []queue.ServiceCount) string {
	if len(list) == 0 {
		return ""
	}
	return list[0].Service
}

func (b *statBatch) staffingOf(ctx context.Context, s *stmts, counter string) (*staffing, error) {
	if st := b.staff[counter]; st != nil {
		return st, nil
	}
	if b.staff == nil {
		b.staff = map[string]*staffing{}
	}
	var since, last, callAt int64
	st := &staffing{}
	if _, err := s.queryRow(ctx, statStaffOne, []any{b.office, counter}, &since, &last, &callAt, &st.service); err != nil {
		return nil, fmt.Errorf("staffing of %s: %w", counter, err)
	}
	st.since, st.last, st.callAt = fromNanos(since), fromNanos(last), fromNanos(callAt)
	b.staff[counter] = st
	return st, nil
}

// activity extends the counter's staffing to at, or, after a gap
// without a visit, ends it and begins a new one.
func (b *statBatch) activity(ctx context.Context, s *stmts, counter string, at time.Time) (*staffing, error) {
	st, err := b.staffingOf(ctx, s, counter)
	if err != nil || counter == "" {
		return st, err
	}
	st.changed = true
	if !st.since.IsZero() && st.callAt.IsZero() && at.Sub(st.last) > staffGap {
		b.staffed(counter, st.since, st.last)
		st.since = time.Time{}
	}
	if st.since.IsZero() {
		st.since = at
	}
	if at.After(st.last) {
		st.last = at
	}
	return st, nil
}

// leave ends the counter's visit: its busy time runs from the call.
func (b *statBatch) leave(ctx context.Context, s *stmts, counter string, at time.Time) error {
	st, err := b.activity(ctx, s, counter, at)
	if err != nil || counter == "" {
		return err
	}
	b.busy(counter, st, at)
	return nil
}

func (b *statBatch) busy(counter string, st *staffing, at time.Time) {
	if st.callAt.IsZero() {
		return
	}
	b.spread(st.callAt, at, st.service, counter, func(c *statistics.Cell, s int64) { c.BusySeconds += s })
	st.callAt, st.service = time.Time{}, ""
}

func (b *statBatch) staffed(counter string, from, to time.Time) {
	b.spread(from, to, "", counter, func(c *statistics.Cell, s int64) { c.StaffedSeconds += s })
}

// pause ends the counter's staffing: at the pause, or at the last action
// if the pause came after a gap.
func (b *statBatch) pause(ctx context.Context, s *stmts, counter string, at time.Time) error {
	st, err := b.staffingOf(ctx, s, counter)
	if err != nil || st.since.IsZero() {
		return err
	}
	end := st.last
	if !st.callAt.IsZero() || at.Sub(st.last) <= staffGap {
		end = at
	}
	b.staffed(counter, st.since, end)
	st.since, st.last, st.changed = time.Time{}, end, true
	return nil
}

// closeAll ends every counter's staffing at its last action: the day is
// over (its last visits ended in the day turn's events).
func (b *statBatch) closeAll(ctx context.Context, s *stmts) error {
	rows, err := s.query(ctx, statStaffAll, b.office)
	if err != nil {
		return fmt.Errorf("staffing: %w", err)
	}
	defer rows.Close()
	if b.staff == nil {
		b.staff = map[string]*staffing{}
	}
	for rows.Next() {
		var counter, service string
		var since, last, callAt int64
		if err := rows.Scan(&counter, &since, &last, &callAt, &service); err != nil {
			return fmt.Errorf("staffing: %w", err)
		}
		if b.staff[counter] == nil {
			b.staff[counter] = &staffing{since: fromNanos(since), last: fromNanos(last), callAt: fromNanos(callAt), service: service}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("staffing: %w", err)
	}
	for counter, st := range b.staff {
		b.busy(counter, st, st.last)
		if !st.since.IsZero() {
			b.staffed(counter, st.since, st.last)
		}
		*st = staffing{changed: true}
	}
	return nil
}

// flush writes the batch's cells and staffing.
func (b *statBatch) flush(ctx context.Context, s *stmts) error {
	if b.off {
		return nil
	}
	if err := b.flushOutcomes(ctx, s); err != nil {
		return err
	}
	for counter, st := range b.staff {
		if !st.changed {
			continue
		}
		var err error
		if st.since.IsZero() && st.callAt.IsZero() {
			err = s.exec(ctx, statStaffDel, b.office, counter)
		} else {
			err = s.exec(ctx, statStaffPut, b.office, counter, nanos(st.since), nanos(st.last), nanos(st.callAt), st.service)
		}
		if err != nil {
			return fmt.Errorf("staffing of %s: %w", counter, err)
		}
	}
	cells := make([]*statistics.Cell, 0, len(b.cells))
	for k, c := range b.cells {
		if *c != (statistics.Cell{Office: c.Office, Day: k.day, Hour: k.hour, Service: k.service, Counter: k.counter}) {
			cells = append(cells, c)
		}
	}
	if len(cells) > 0 {
		// Only a cell of a day before the queue's may belong to a day
		// rolled up already: the usual batch reads nothing here.
		rolled := ""
		for _, c := range cells {
			if c.Day < b.day {
				var err error
				if rolled, err = lastRolled(ctx, s, b.office); err != nil {
					return err
				}
				break
			}
		}
		if err := addCells(ctx, s.exec, cells, rolled); err != nil {
			return err
		}
	}
	if b.turned != "" {
		return rollUp(ctx, s, b.office, b.turned)
	}
	return nil
}

// lastRolled is the office's last day whose cells are rolled up: its
// days up to it are read from stat_days, the later ones from the cells.
func lastRolled(ctx context.Context, s *stmts, office string) (string, error) {
	var day sql.NullString
	if _, err := s.queryRow(ctx, statLastRolled, []any{office}, &day); err != nil {
		return "", fmt.Errorf("statistics of %s: last rolled day: %w", office, err)
	}
	return day.String, nil
}

// rollUp writes the rollups of the office's days after the last rolled
// one and before the day before: the days a day turn closed. It runs once
// a day, in the turn's transaction, so that the commits of the day write
// the cells only.
func rollUp(ctx context.Context, s *stmts, office, before string) error {
	rolled, err := lastRolled(ctx, s, office)
	if err != nil {
		return err
	}
	rows, err := s.query(ctx, statToRoll, office, rolled, before)
	if err != nil {
		return fmt.Errorf("statistics of %s: roll up: %w", office, err)
	}
	var cells []*statistics.Cell
	err = scanCells(rows, office, func(c *statistics.Cell) error {
		cp := *c
		cells = append(cells, &cp)
		return nil
	})
	if err != nil {
		return fmt.Errorf("statistics of %s: roll up: %w", office, err)
	}
	return writeRollups(ctx, s.exec, cells)
}

type execFunc func(ctx context.Context, q string, args ...any) error

// figures are a cell's columns after its keys, as statCols lists them.
func figures(c *statistics.Cell) []any {
	return []any{c.Booked, c.CheckedIn, c.NoShows, c.Cancelled, c.WalkIns, c.Called, c.Recalls, c.Served, c.Missed,
		c.Punctual, c.ApptCalled, c.WaitSeconds, c.ServiceSeconds, c.BusySeconds, c.StaffedSeconds,
		c.WaitHistogram.AppendBinary([]byte{}), c.ServiceHistogram.AppendBinary([]byte{}), c.Withdrawn}
}

type rollupKey struct {
	dim statistics.Rollup
	cellKey
}

// addCells adds cells, and the rollups of those of days rolled up
// already (up to rolled): a late write to a closed day, or history.
func addCells(ctx context.Context, exec execFunc, cells []*statistics.Cell, rolled string) error {
	var late []*statistics.Cell
	for _, c := range cells {
		if err := exec(ctx, statCellAdd, append([]any{c.Office, c.Day, c.Hour, c.Service, c.Counter}, figures(c)...)...); err != nil {
			return fmt.Errorf("statistics %s %s %02d: %w", c.Office, c.Day, c.Hour, err)
		}
		if c.Day <= rolled {
			late = append(late, c)
		}
	}
	return writeRollups(ctx, exec, late)
}

// writeRollups adds cells to their rollups: one write per rollup row.
func writeRollups(ctx context.Context, exec execFunc, cells []*statistics.Cell) error {
	days := map[rollupKey]*statistics.Cell{}
	var order []rollupKey
	for _, c := range cells {
		for _, r := range statistics.Rollups {
			rc := statistics.RollupOf(r, statistics.Cell{Office: c.Office, Day: c.Day, Hour: c.Hour, Service: c.Service, Counter: c.Counter})
			k := rollupKey{r, cellKey{rc.Day, rc.Hour, rc.Service, rc.Counter}}
			d := days[k]
			if d == nil {
				d = &rc
				days[k] = d
				order = append(order, k)
			}
			d.Add(c)
		}
	}
	for _, k := range order {
		d := days[k]
		if err := exec(ctx, statDayAdd, append([]any{d.Office, string(k.dim), d.Day, d.Hour, d.Service, d.Counter}, figures(d)...)...); err != nil {
			return fmt.Errorf("statistics %s %s by %s: %w", d.Office, d.Day, k.dim, err)
		}
	}
	return nil
}

// AddStatCells adds cells to the stored ones in one transaction: the
// demo's history and the load test's year. They are past days without
// cells of their own (history), so their rollups are written with them.
func (db *DB) AddStatCells(ctx context.Context, cells []statistics.Cell) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("add statistics: %w", err)
	}
	defer tx.Rollback()
	s := &stmts{tx: tx, prepared: db.prepared}
	ptrs := make([]*statistics.Cell, len(cells))
	for i := range cells {
		ptrs[i] = &cells[i]
	}
	if err := addCells(ctx, s.exec, ptrs, "9999-12-31"); err != nil {
		return fmt.Errorf("add statistics: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("add statistics: %w", err)
	}
	return nil
}

// HasStatCells reports whether the office has statistics of a day
// before the day before (YYYY-MM-DD): its history, beside today's.
func (db *DB) HasStatCells(ctx context.Context, office, before string) (bool, error) {
	var n int
	err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM (SELECT 1 FROM stat_cells WHERE office = ? AND day < ? LIMIT 1)", office, before).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("statistics of %s: %w", office, err)
	}
	return n > 0, nil
}

// cellCols are the columns scanCells reads.
const cellCols = `day, hour, service, counter, ` + statCols

// scanCells reads rows of cellCols and closes them.
func scanCells(rows *sql.Rows, office string, fn func(*statistics.Cell) error) error {
	defer rows.Close()
	var c statistics.Cell
	var wait, service sql.RawBytes
	for rows.Next() {
		c = statistics.Cell{Office: office}
		if err := rows.Scan(&c.Day, &c.Hour, &c.Service, &c.Counter, &c.Booked, &c.CheckedIn, &c.NoShows, &c.Cancelled,
			&c.WalkIns, &c.Called, &c.Recalls, &c.Served, &c.Missed, &c.Punctual, &c.ApptCalled, &c.WaitSeconds,
			&c.ServiceSeconds, &c.BusySeconds, &c.StaffedSeconds, &wait, &service, &c.Withdrawn); err != nil {
			return err
		}
		if err := errors.Join(c.WaitHistogram.MergeBinary(wait), c.ServiceHistogram.MergeBinary(service)); err != nil {
			return fmt.Errorf("%s %02d %s %s: %w", c.Day, c.Hour, c.Service, c.Counter, err)
		}
		if err := fn(&c); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return rows.Close()
}

// ScanStatCells calls fn with every cell of the office from day from to
// day to (inclusive), ordered by day, hour, service and counter. The cell
// is reused: fn must copy what it keeps.
func (db *DB) ScanStatCells(ctx context.Context, office, from, to string, fn func(*statistics.Cell) error) error {
	rows, err := db.r.QueryContext(ctx, `SELECT `+cellCols+` FROM stat_cells WHERE office = ? AND day >= ? AND day <= ?
		ORDER BY day, hour, service, counter`, office, from, to)
	if err != nil {
		return fmt.Errorf("statistics of %s: %w", office, err)
	}
	if err := scanCells(rows, office, fn); err != nil {
		return fmt.Errorf("statistics of %s: %w", office, err)
	}
	return nil
}

// StatCells returns the office's cells from day from to day to
// (inclusive), ordered by day, hour, service and counter.
func (db *DB) StatCells(ctx context.Context, office, from, to string) ([]statistics.Cell, error) {
	var out []statistics.Cell
	err := db.ScanStatCells(ctx, office, from, to, func(c *statistics.Cell) error {
		out = append(out, *c)
		return nil
	})
	return out, err
}

// ScanStatRollup calls fn with the office's rollup cells of the kind
// from day from to day to (inclusive): cells with the key the rollup sums
// over zeroed (statistics.RollupOf). Days rolled up (at their day turn)
// come from stat_days, the later ones (today) from their cells, rolled on
// the way; a report adds them up alike. The cell is reused. Both reads
// share one snapshot.
func (db *DB) ScanStatRollup(ctx context.Context, office string, r statistics.Rollup, from, to string, fn func(*statistics.Cell) error) error {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("statistics of %s: %w", office, err)
	}
	defer tx.Rollback()
	var last sql.NullString
	if err := tx.QueryRowContext(ctx, statLastRolled, office).Scan(&last); err != nil {
		return fmt.Errorf("statistics of %s: %w", office, err)
	}
	rolled := last.String
	if from <= rolled {
		rows, err := tx.QueryContext(ctx, `SELECT `+cellCols+` FROM stat_days
			WHERE office = ? AND dim = ? AND day >= ? AND day <= ? ORDER BY day, hour, service, counter`, office, string(r), from, min(to, rolled))
		if err != nil {
			return fmt.Errorf("statistics of %s by %s: %w", office, r, err)
		}
		if err := scanCells(rows, office, fn); err != nil {
			return fmt.Errorf("statistics of %s by %s: %w", office, r, err)
		}
	}
	if to > rolled {
		rows, err := tx.QueryContext(ctx, `SELECT `+cellCols+` FROM stat_cells WHERE office = ? AND day > ? AND day >= ? AND day <= ?
			ORDER BY day, hour, service, counter`, office, rolled, from, to)
		if err != nil {
			return fmt.Errorf("statistics of %s: %w", office, err)
		}
		err = scanCells(rows, office, func(c *statistics.Cell) error {
			*c = statistics.RollupOf(r, *c)
			return fn(c)
		})
		if err != nil {
			return fmt.Errorf("statistics of %s: %w", office, err)
		}
	}
	return nil
}
