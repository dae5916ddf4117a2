package statistics_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"lotse/hub/clocktest"
	"lotse/hub/office"
	"lotse/hub/queue"
	"lotse/hub/statistics"
	"lotse/hub/store"
)

func recountOffice(t *testing.T) queue.Office {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	p := queue.DefaultPolicy()
	return queue.Office{
		ID: "rc", Name: "Bürgerbüro Recount", Policy: p, Location: loc,
		Services: []queue.Service{
			{ID: "anmeldung", Name: "Anmeldung", Prefix: "A", Duration: 10 * time.Minute},
			{ID: "ausweis", Name: "Personalausweis", Prefix: "P", Duration: 15 * time.Minute},
			{ID: "zeugnis", Name: "Führungszeugnis", Prefix: "F", Duration: 5 * time.Minute},
		},
		Counters: []queue.Counter{
			{ID: "c1", Name: "Schalter 1", Services: []string{"anmeldung", "ausweis"}},
			{ID: "c2", Name: "Schalter 2", Services: []string{"ausweis", "zeugnis"}},
			{ID: "c3", Name: "Schalter 3", Services: []string{"anmeldung", "zeugnis"}},
		},
	}
}

// sim drives a day through the real office loop with a seeded RNG.
type sim struct {
	t     *testing.T
	ctx   context.Context
	db    *store.DB
	clock *clocktest.Clock
	o     queue.Office
	loop  *office.Loop
	stop  func()
	rng   *rand.Rand
}

func (s *sim) start() {
	l := office.New(office.Config{Office: s.o, DB: s.db, Now: s.clock.Now, Elapsed: s.clock.Elapsed, TickEvery: time.Hour, DayTurnHold: -1})
	ctx, cancel := context.WithCancel(s.ctx)
	done := make(chan struct{})
	go func() { l.Run(ctx); close(done) }()
	<-l.Ready()
	s.loop, s.stop = l, func() { cancel(); <-done }
}

// do runs a command; the domain's refusals (nobody waiting, not called)
// are part of a day, a failed commit is not.
func (s *sim) do(cmd office.Command[queue.Ticket]) (queue.Ticket, bool) {
	s.t.Helper()
	tk, err := office.Do(s.ctx, s.loop, cmd)
	if err != nil {
		switch queue.ErrorCode(err) {
		case queue.NotFound, queue.Conflict, queue.Invalid, queue.TooEarly, queue.TooLate, queue.CurrentNotStarted:
			return tk, false
		}
		s.t.Fatalf("command: %v", err)
	}
	return tk, true
}

func (s *sim) act(counter string, kind queue.ActionKind) (queue.Ticket, bool) {
	return s.do(func(q *queue.Queue, now time.Time) (queue.Ticket, []queue.Event, error) {
		return q.Do(now, queue.Action{Counter: counter, Kind: kind})
	})
}

func (s *sim) tick() {
	s.do(func(q *queue.Queue, now time.Time) (queue.Ticket, []queue.Event, error) {
		return queue.Ticket{}, q.Tick(now), nil
	})
}

// TestStatisticsEqualARecountOfTheEventLog simulates a day through the
// office loop and a real database file: check-ins, walk-ins, calls,
// recalls, misses, no-shows, parks, transfers, pauses, a cancellation by
// the backend and tickets left at closing, with a restart at noon. Every
// cell the store kept equals a recount from the event log and the
// appointments (before the purge), and the cells outlive the purge.
func TestStatisticsEqualARecountOfTheEventLog(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rc.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	o := recountOffice(t)
	day := time.Date(2026, 11, 3, 7, 30, 0, 0, o.Location)
	s := &sim{t: t, ctx: ctx, db: db, clock: clocktest.New(day), o: o, rng: rand.New(rand.NewPCG(13, 2026))}
	s.start()

	// The day's bookings: one every four minutes from 8:00 to 12:00.
	var appts []queue.Appointment
	for i := range 60 {
		svc := o.Services[i%len(o.Services)].ID
		appts = append(appts, queue.Appointment{ID: fmt.Sprintf("T%03d", i), Office: o.ID,
			Start: time.Date(2026, 11, 3, 8, 0, 0, 0, o.Location).Add(time.Duration(i*4) * time.Minute), Duration: 10 * time.Minute,
			Services: []queue.ServiceCount{{Service: svc, Count: 1 + i%5/4}}, Secret: fmt.Sprintf("sec%d", i), Name: "Person"})
	}
	if _, err := s.loop.ApplyAppointments(ctx, o.ID, "2026-11-03", appts); err != nil {
		t.Fatal(err)
	}
	// Who comes, and when: most come a little early or late, some never.
	arrive := map[string]time.Time{}
	for _, a := range appts {
		if s.rng.IntN(100) < 18 {
			continue
		}
		arrive[a.ID] = a.Start.Add(time.Duration(s.rng.IntN(35)-25) * time.Minute)
	}
	cancelledAt := day.Add(90 * time.Minute) // 9:00: the backend cancels two
	end := time.Date(2026, 11, 3, 13, 30, 0, 0, o.Location)
	restarted := false
	for now := day; now.Before(end); now = now.Add(time.Minute) {
		s.clock.Set(now)
		if now.Equal(cancelledAt) {
			if _, err := s.loop.ApplyAppointments(ctx, o.ID, "2026-11-03", append(append([]queue.Appointment(nil), appts[:50]...), appts[52:]...)); err != nil {
				t.Fatal(err)
			}
		}
		if !restarted && now.Hour() == 11 {
			s.stop() // a restart at 11:00 keeps the staffing and the first calls
			s.start()
			restarted = true
		}
		for _, a := range appts {
			if at, ok := arrive[a.ID]; ok && at.Equal(now) {
				s.do(func(q *queue.Queue, now time.Time) (queue.Ticket, []queue.Event, error) {
					return q.CheckInCode(now, a.ID, a.Secret)
				})
			}
		}
		if s.rng.IntN(100) < 15 && now.Hour() < 13 {
			svc := o.Services[s.rng.IntN(len(o.Services))].ID
			s.do(func(q *queue.Queue, now time.Time) (queue.Ticket, []queue.Event, error) {
				return q.WalkIn(now, svc, false)
			})
		}
		if s.rng.IntN(100) < 5 {
			// Somebody gives up from the phone: waiting, or called.
			pick := s.rng.IntN(3)
			s.do(func(q *queue.Queue, now time.Time) (queue.Ticket, []queue.Event, error) {
				list := q.Tickets(func(tk *queue.Ticket) bool {
					return tk.State == queue.Waiting || pick == 0 && tk.State == queue.Called
				})
				if len(list) == 0 {
					return queue.Ticket{}, nil, nil
				}
				return q.Withdraw(now, list[len(list)/2].ID)
			})
		}
		for _, c := range o.Counters {
			s.counterStep(c.ID, now)
		}
		s.tick()
	}
	s.clock.Set(end.Add(3 * time.Hour)) // a late walk-in waits over the close
	s.do(func(q *queue.Queue, now time.Time) (queue.Ticket, []queue.Event, error) {
		return q.WalkIn(now, "zeugnis", false)
	})
	// Before the day ends, reports read today's cells, not yet rolled up.
	mid := recount(t, path, o)
	midCells, err := db.StatCells(ctx, o.ID, "2026-11-01", "2026-11-30")
	if err != nil {
		t.Fatal(err)
	}
	compareCells(t, midCells, mid)
	compareRollups(t, db, o, mid)
	// The day ends: what is left is cancelled or missed, then the purge.
	s.clock.Set(time.Date(2026, 11, 4, 0, 5, 0, 0, o.Location))
	s.do(func(q *queue.Queue, now time.Time) (queue.Ticket, []queue.Event, error) {
		return queue.Ticket{}, q.CloseDay(now, "2026-11-04"), nil
	})
	// A clock put back: a walk-in counts on the day already rolled up.
	s.clock.Set(time.Date(2026, 11, 3, 23, 50, 0, 0, o.Location))
	s.do(func(q *queue.Queue, now time.Time) (queue.Ticket, []queue.Event, error) {
		return q.WalkIn(now, "anmeldung", false)
	})
	s.stop()

	want := recount(t, path, o)
	got, err := db.StatCells(ctx, o.ID, "2026-11-01", "2026-11-30")
	if err != nil {
		t.Fatal(err)
	}
	compareCells(t, got, want)
	compareRollups(t, db, o, want)
	mustHaveEveryFigure(t, want)

	if _, err := db.Purge(ctx, o.ID, "2026-11-04"); err != nil {
		t.Fatal(err)
	}
	var events int
	raw, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if err := raw.QueryRow("SELECT count(*) FROM events WHERE day = '2026-11-03'").Scan(&events); err != nil || events != 0 {
		t.Fatalf("events after the purge: %d, %v", events, err)
	}
	// The day turn rolled the day up: reports read the rollups now.
	var rolled int
	if err := raw.QueryRow("SELECT count(*) FROM stat_days WHERE day = '2026-11-03'").Scan(&rolled); err != nil || rolled == 0 {
		t.Fatalf("rollups of the closed day: %d, %v", rolled, err)
	}
	after, err := db.StatCells(ctx, o.ID, "2026-11-01", "2026-11-30")
	if err != nil {
		t.Fatal(err)
	}
	compareCells(t, after, want)
	compareRollups(t, db, o, want)
}

// compareRollups: the rollups a report reads are the recounted cells
// summed, and every grouping of the report is the same from either.
func compareRollups(t *testing.T, db *store.DB, o queue.Office, want map[key]*statistics.Cell) {
	t.Helper()
	ctx := context.Background()
	for _, r := range statistics.Rollups {
		sums := map[key]*statistics.Cell{}
		for _, c := range want {
			rc := statistics.RollupOf(r, statistics.Cell{Office: c.Office, Day: c.Day, Hour: c.Hour, Service: c.Service, Counter: c.Counter})
			k := key{rc.Day, rc.Hour, rc.Service, rc.Counter}
			if sums[k] == nil {
				sums[k] = &rc
			}
			sums[k].Add(c)
		}
		// Today's part comes as cells rolled on the way: one key may
		// come more than once.
		byKey := map[key]*statistics.Cell{}
		if err := db.ScanStatRollup(ctx, o.ID, r, "2026-11-01", "2026-11-30", func(c *statistics.Cell) error {
			k := key{c.Day, c.Hour, c.Service, c.Counter}
			if byKey[k] == nil {
				cp := statistics.Cell{Office: c.Office, Day: c.Day, Hour: c.Hour, Service: c.Service, Counter: c.Counter}
				byKey[k] = &cp
			}
			byKey[k].Add(c)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		var got []statistics.Cell
		for _, c := range byKey {
			got = append(got, *c)
		}
		t.Run(string(r), func(t *testing.T) { compareCells(t, got, sums) })
	}
	var cells []statistics.Cell
	for _, c := range want {
		cells = append(cells, *c)
	}
	for _, by := range statistics.Bys {
		fromCells := statistics.NewBuilder(statistics.MetaOf(o), "2026-11-01", "2026-11-30", by)
		for i := range cells {
			fromCells.Add(&cells[i])
		}
		fromRollup := statistics.NewBuilder(statistics.MetaOf(o), "2026-11-01", "2026-11-30", by)
		if err := db.ScanStatRollup(ctx, o.ID, by.Rollup(), "2026-11-01", "2026-11-30", func(c *statistics.Cell) error {
			fromRollup.Add(c)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if a, b := fromCells.Report(), fromRollup.Report(); !reflect.DeepEqual(a, b) {
			t.Errorf("report by %s:\nfrom the recount %+v\nfrom the rollup  %+v", by, a, b)
		}
	}
}

// counterStep is a clerk's minute: call when free, and for a called or
// served visit recall, miss, start, finish, park or transfer by chance.
func (s *sim) counterStep(counter string, now time.Time) {
	r := s.rng.IntN(100)
	minute := now.Hour()*60 + now.Minute()
	switch {
	case counter == "c2" && minute == 10*60+15:
		s.act(counter, queue.ActPause) // a break; the visit it held goes on
		return
	case counter == "c2" && minute == 10*60+50:
		s.act(counter, queue.ActOpen)
		return
	case counter == "c3" && minute >= 9*60 && minute < 10*60:
		return // nobody at counter 3 for an hour: the gap ends its staffing
	}
	var st queue.Ticket
	var held bool
	s.do(func(q *queue.Queue, _ time.Time) (queue.Ticket, []queue.Event, error) {
		for _, cs := range q.Counters() {
			if cs.ID == counter && cs.Ticket != "" {
				st, held = q.Ticket(cs.Ticket)
			}
		}
		return st, nil, nil
	})
	if !held {
		if r < 70 {
			s.act(counter, queue.ActNext)
		}
		return
	}
	switch {
	case st.State == queue.Called && r < 8:
		s.act(counter, queue.ActRecall)
	case st.State == queue.Called && r < 11:
		s.act(counter, queue.ActNoShow)
	case st.State == queue.Called && r < 13:
		s.act(counter, queue.ActPark)
	case st.State == queue.Called && r < 15:
		s.do(func(q *queue.Queue, now time.Time) (queue.Ticket, []queue.Event, error) {
			return q.Do(now, queue.Action{Counter: counter, Kind: queue.ActTransfer, Service: "zeugnis"})
		})
	case st.State == queue.Called && r < 60:
		s.act(counter, queue.ActStart)
	case st.State == queue.Serving && r < 25 && !(counter == "c1" && now.Hour() == 12):
		s.act(counter, queue.ActFinish)
	case st.State == queue.Called && r > 95:
		s.act(counter, queue.ActFinish) // finished without a start
	}
	// A parked or missed ticket is called back now and then.
	if r == 99 {
		s.do(func(q *queue.Queue, now time.Time) (queue.Ticket, []queue.Event, error) {
			for _, tk := range q.Tickets(func(tk *queue.Ticket) bool { return tk.State == queue.Parked || tk.State == queue.Missed }) {
				return q.Do(now, queue.Action{Counter: counter, Kind: queue.ActCall, Ticket: tk.ID})
			}
			return queue.Ticket{}, nil, nil
		})
	}
}

type key struct {
	day     string
	hour    int
	service string
	counter string
}

// recount counts the figures again, straight from the event log and the
// appointments in the database file, by the definitions of
// docs/statistics.md.
func recount(t *testing.T, path string, o queue.Office) map[key]*statistics.Cell {
	t.Helper()
	raw, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	cells := map[key]*statistics.Cell{}
	cell := func(at time.Time, service, counter string) *statistics.Cell {
		lt := at.In(o.Location)
		k := key{lt.Format(queue.DayFormat), lt.Hour(), service, counter}
		if cells[k] == nil {
			cells[k] = &statistics.Cell{Office: o.ID, Day: k.day, Hour: k.hour, Service: service, Counter: counter}
		}
		return cells[k]
	}
	spread := func(from, to time.Time, service, counter string, add func(*statistics.Cell, int64)) {
		for s := from.Unix(); s < to.Unix(); s++ {
			add(cell(time.Unix(s, 0), service, counter), 1)
		}
	}
	type appt struct {
		start    time.Time
		service  string
		canceled bool
	}
	appts := map[string]appt{}
	rows, err := raw.Query("SELECT id, start, services, cancelled FROM appointments WHERE office = ?", o.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, services string
		var start int64
		var cancelled bool
		if err := rows.Scan(&id, &start, &services, &cancelled); err != nil {
			t.Fatal(err)
		}
		var list []queue.ServiceCount
		if err := json.Unmarshal([]byte(services), &list); err != nil {
			t.Fatal(err)
		}
		a := appt{time.Unix(0, start), list[0].Service, cancelled}
		appts[id] = a
		c := cell(a.start, a.service, "")
		c.Booked++
		if cancelled {
			c.Cancelled++
		}
	}
	rows.Close()

	type staff struct {
		since, last, call time.Time
		service           string
	}
	counters := map[string]*staff{}
	staffed := func(counter string, from, to time.Time) {
		spread(from, to, "", counter, func(c *statistics.Cell, s int64) { c.StaffedSeconds += s })
	}
	busy := func(counter string, st *staff, at time.Time) {
		if !st.call.IsZero() {
			spread(st.call, at, st.service, counter, func(c *statistics.Cell, s int64) { c.BusySeconds += s })
			st.call = time.Time{}
		}
	}
	activity := func(counter string, at time.Time) *staff {
		st := counters[counter]
		if st == nil {
			st = &staff{}
			counters[counter] = st
		}
		if !st.since.IsZero() && st.call.IsZero() && at.Sub(st.last) > 30*time.Minute {
			staffed(counter, st.since, st.last)
			st.since = time.Time{}
		}
		if st.since.IsZero() {
			st.since = at
		}
		st.last = at
		return st
	}
	calledBefore := map[string]bool{}

	rows, err = raw.Query("SELECT payload FROM events WHERE office = ? ORDER BY seq", o.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var payload string
		if err := rows.Scan(&payload); err != nil {
			t.Fatal(err)
		}
		var e queue.Event
		if err := json.Unmarshal([]byte(payload), &e); err != nil {
			t.Fatal(err)
		}
		tk := e.Ticket
		counter := ""
		if e.Counter != nil {
			counter = e.Counter.ID
		} else if tk != nil {
			counter = tk.Counter
		}
		switch e.Type {
		case queue.AppointmentNoShow:
			a := appts[e.Appointment]
			cell(a.start, a.service, "").NoShows++
		case queue.CheckedIn:
			cell(tk.Arrived, tk.Service(), "").CheckedIn++
		case queue.WalkedIn:
			cell(tk.Arrived, tk.Service(), "").WalkIns++
		case queue.TicketCalled:
			if !calledBefore[tk.ID] {
				calledBefore[tk.ID] = true
				c := cell(e.At, tk.Service(), counter)
				c.Called++
				from := tk.Arrived
				if tk.Appointment != "" && tk.AppointmentStart.After(from) {
					from = tk.AppointmentStart
				}
				wait := max(e.At.Sub(from), 0)
				c.WaitSeconds += int64(wait / time.Second)
				c.WaitHistogram[min(int(wait/time.Minute), 120)]++
				if tk.Appointment != "" {
					c.ApptCalled++
					if e.At.Sub(tk.AppointmentStart) <= 5*time.Minute {
						c.Punctual++
					}
				}
			}
			st := activity(counter, e.At)
			busy(counter, st, e.At)
			st.call, st.service = e.At, tk.Service()
		case queue.TicketRecalled:
			cell(e.At, tk.Service(), counter).Recalls++
			activity(counter, e.At)
		case queue.TicketStarted:
			activity(counter, e.At)
		case queue.TicketFinished, queue.TicketMissed, queue.TicketParked, queue.TicketTransferred:
			if e.Type == queue.TicketFinished {
				c := cell(tk.Ended, tk.Service(), counter)
				c.Served++
				began := tk.Started
				if began.IsZero() {
					began = tk.Called
				}
				d := tk.Ended.Sub(began)
				c.ServiceSeconds += int64(d / time.Second)
				c.ServiceHistogram[min(int(d/time.Minute), 120)]++
			}
			if e.Type == queue.TicketMissed {
				cell(e.At, tk.Service(), counter).Missed++
			}
			busy(counter, activity(counter, e.At), e.At)
		case queue.TicketCancelled:
			if tk.Appointment != "" {
				cell(tk.AppointmentStart, tk.Service(), "").Cancelled++
			}
		case queue.TicketWithdrawn:
			at := e.At
			if tk.Appointment != "" && !tk.AppointmentStart.IsZero() {
				at = tk.AppointmentStart
			}
			cell(at, tk.Service(), "").Withdrawn++
			if e.Counter != nil {
				busy(counter, activity(counter, e.At), e.At)
			}
		case queue.CounterPaused:
			if st := counters[counter]; st != nil && !st.since.IsZero() {
				end := st.last
				if !st.call.IsZero() || e.At.Sub(st.last) <= 30*time.Minute {
					end = e.At
				}
				staffed(counter, st.since, end)
				st.since, st.last = time.Time{}, end
			}
		case queue.DayTurned:
			for counter, st := range counters {
				busy(counter, st, st.last)
				if !st.since.IsZero() {
					staffed(counter, st.since, st.last)
				}
				*st = staff{}
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return cells
}

func compareCells(t *testing.T, got []statistics.Cell, want map[key]*statistics.Cell) {
	t.Helper()
	seen := map[key]bool{}
	for _, c := range got {
		k := key{c.Day, c.Hour, c.Service, c.Counter}
		seen[k] = true
		w := want[k]
		if w == nil {
			w = &statistics.Cell{Office: c.Office, Day: c.Day, Hour: c.Hour, Service: c.Service, Counter: c.Counter}
		}
		if c != *w {
			t.Errorf("cell %v:\n got %s\nwant %s", k, brief(c), brief(*w))
		}
	}
	for k, w := range want {
		if !seen[k] && *w != (statistics.Cell{Office: w.Office, Day: k.day, Hour: k.hour, Service: k.service, Counter: k.counter}) {
			t.Errorf("cell %v missing: want %s", k, brief(*w))
		}
	}
}

func brief(c statistics.Cell) string {
	return fmt.Sprintf("booked %d in %d noshow %d cancel %d withdrawn %d walk %d called %d recall %d served %d missed %d punct %d/%d wait %ds svc %ds busy %ds staffed %ds waitHist %v svcHist %v",
		c.Booked, c.CheckedIn, c.NoShows, c.Cancelled, c.Withdrawn, c.WalkIns, c.Called, c.Recalls, c.Served, c.Missed, c.Punctual, c.ApptCalled,
		c.WaitSeconds, c.ServiceSeconds, c.BusySeconds, c.StaffedSeconds, nonZero(c.WaitHistogram), nonZero(c.ServiceHistogram))
}

func nonZero(h statistics.Histogram) map[int]uint32 {
	m := map[int]uint32{}
	for i, n := range h {
		if n != 0 {
			m[i] = n
		}
	}
	return m
}

// mustHaveEveryFigure keeps the simulation honest: a figure it never
// produced would be compared as zero against zero.
func mustHaveEveryFigure(t *testing.T, cells map[key]*statistics.Cell) {
	t.Helper()
	var sum statistics.Cell
	for _, c := range cells {
		sum.Add(c)
	}
	figures := map[string]int64{"booked": int64(sum.Booked), "checkedIn": int64(sum.CheckedIn), "noShows": int64(sum.NoShows),
		"cancelled": int64(sum.Cancelled), "withdrawn": int64(sum.Withdrawn), "walkIns": int64(sum.WalkIns), "called": int64(sum.Called), "recalls": int64(sum.Recalls),
		"served": int64(sum.Served), "missed": int64(sum.Missed), "punctual": int64(sum.Punctual), "apptCalled": int64(sum.ApptCalled),
		"wait": sum.WaitSeconds, "service": sum.ServiceSeconds, "busy": sum.BusySeconds, "staffed": sum.StaffedSeconds}
	for name, v := range figures {
		if v <= 0 {
			t.Errorf("the simulated day has no %s", name)
		}
	}
	if sum.Punctual == sum.ApptCalled {
		t.Errorf("every appointment was punctual: %d", sum.Punctual)
	}
	t.Logf("simulated day: %s", brief(sum))
}
