package office

import (
	"context"
	"errors"
	"fmt"
	"time"

	"lotse/hub/queue"
	"lotse/hub/store"
)

// DefaultDayTurnHold is how long the clock must show a new date before a
// running office loop turns the day. NTP corrections of a bad real-time
// clock are usually taken back, or made good, well within it; a real
// midnight costs nothing more than a few minutes of an empty night.
const DefaultDayTurnHold = 5 * time.Minute

// JumpThreshold is how far the wall clock may move apart from the
// monotonic clock between two looks of the loop (seconds apart) before the
// loop counts a jump. NTP slews far less; it steps when it is off by more.
const JumpThreshold = time.Minute

// pendingTurn is a day turn that waits for the new date to hold.
type pendingTurn struct {
	day   string        // the new date the clock shows; "" when none
	since time.Duration // when the clock first showed it, on the monotonic clock
	early *syncList     // the booking list of that date, if it came already
}

// clockWatch tells the wall clock's jumps from time passing. It is owned
// by the loop goroutine.
type clockWatch struct {
	elapsed func() time.Duration // the monotonic clock
	wall    time.Time            // the wall clock at the last look
	mono    time.Duration        // the monotonic clock at the last look
	// jumped is how far the wall clock jumped (forward positive) since it
	// last showed the queue's date or an earlier one: now-jumped is the
	// time it would show without those jumps. A jump that crossed no
	// midnight is forgotten, so the midnight after it turns the day.
	jumped time.Duration
	// live: the queue's day was opened, or had its tickets moved, in this
	// run. Only such a day is carried over a jump; a day restored at the
	// start and unused since ended, like at the start itself, most likely
	// during the stop (a machine without a real-time clock boots with the
	// time it stopped at, and NTP then jumps to the morning).
	live bool
	// carried remembers the last carry, to make it again if its commit
	// failed and the queue was restored from the store.
	carried struct {
		from   string
		jumped time.Duration
	}
}

// start takes the clock's first look, when the queue is loaded.
func (c *clockWatch) start(now time.Time, live bool) {
	c.wall, c.mono, c.jumped, c.live = now, c.elapsed(), 0, live
}

// look compares how far both clocks moved since the last look; a
// difference beyond JumpThreshold is a jump of the wall clock. ahead: the
// clock now shows a later date than the queue's.
func (c *clockWatch) look(now time.Time, ahead bool) {
	mono := c.elapsed()
	if d := now.Sub(c.wall) - (mono - c.mono); d > JumpThreshold || d < -JumpThreshold {
		c.jumped += d
	}
	if !ahead {
		c.jumped = 0
	}
	c.wall, c.mono = now, mono
}

// used marks the day live when tickets changed in it while its date was
// the clock's.
func (c *clockWatch) used(onDay bool, events []queue.Event) {
	if c.live || !onDay {
		return
	}
	for _, e := range events {
		if e.Ticket != nil {
			c.live = true
			return
		}
	}
}

// opened starts the watch afresh for a day that began in this run.
func (c *clockWatch) opened() { c.jumped, c.live = 0, true }

// reloaded restores the jump a carry had absorbed when the store still
// holds the day it carried from.
func (c *clockWatch) reloaded(day string) {
	if c.carried.from != "" && day == c.carried.from {
		c.jumped, c.live = c.carried.jumped, true
	}
}

// Monotonic returns the machine's monotonic clock as Config.Elapsed wants
// it: the time that really passed since the call. Where the system offers
// one, it is a clock that also counts a suspend of the machine (Go's own
// monotonic clock stops during it on Linux): a hub suspended overnight
// wakes to a real midnight, not to a jump of its clock.
func Monotonic() func() time.Duration {
	if now, ok := bootClock(); ok {
		start := now()
		return func() time.Duration { return now() - start }
	}
	start := time.Now()
	return func() time.Duration { return time.Since(start) }
}

// syncList is the booking backend's list of a day.
type syncList struct {
	day  string
	list []queue.Appointment
}

// turnDueDay moves the queue to the clock's date once the clock has shown
// a later date for the hold time (real time, on the monotonic clock), and
// reports whether the clock shows a later date than the queue's (moved or
// not). A clock behind the queue's day never reopens a closed day; a jump
// forward that is taken back within the hold changes nothing.
//
// If real time passed the day's midnight, the day turns: it is closed and
// purged, and the numbering starts again. If only a jump of the clock
// (NTP correcting a bad real-time clock during opening hours) took the
// date past it, the day is carried over: the people in the room keep
// their tickets and place, the numbering goes on, and nothing is purged.
// Either way the list of the new date that came while the turn waited is
// applied with it, so the day's bookings are there at once.
//
// A clock put back after a carry (the jump it carried over was taken back
// late) takes the carry back once the earlier date has held as long: the
// carried day is the same day, so the real day's bookings check in again
// and its midnight turns it. It goes no further back than the date the
// day was opened on.
func (l *Loop) turnDueDay(p *pendingBatch, now time.Time) (ahead bool) {
	q := l.q
	today := l.office.Day(now)
	if today < q.Day() {
		today = max(today, q.Opened())
	}
	if today == q.Day() {
		l.turn = pendingTurn{}
		return false
	}
	if l.turn.day != today {
		early := l.turn.early
		l.turn = pendingTurn{day: today, since: l.clock.mono}
		if early != nil && early.day == today {
			l.turn.early = early
		}
	}
	if l.dayHold > 0 && l.clock.mono-l.turn.since < l.dayHold {
		return true
	}
	if from := q.Day(); today < from {
		q.UncarryDay(now, today)
		p.carry = from
		l.clock.carried.from, l.clock.carried.jumped = "", 0
		l.log.Warn("the clock went back after a carry: the carry is taken back",
			"office", l.office.ID, "from", from, "to", today)
	} else if l.clock.live && l.office.Day(now.Add(-l.clock.jumped)) <= from {
		q.CarryDay(now, today)
		p.carry = from
		l.clock.carried.from, l.clock.carried.jumped = from, l.clock.jumped
		l.log.Warn("the clock jumped over midnight: the day is carried over, not closed",
			"office", l.office.ID, "from", from, "to", today, "jump", l.clock.jumped.String())
	} else {
		p.events = append(p.events, q.CloseDay(now, today)...)
		p.purge = q.Day()
	}
	l.clock.opened()
	if early := l.turn.early; early != nil && early.day == q.Day() {
		p.appts = append(p.appts, q.Sync(early.list)...)
	}
	l.turn = pendingTurn{}
	return false
}

// applySync applies the backend's list of a day and returns how many
// appointments changed.
func (l *Loop) applySync(p *pendingBatch, now time.Time, s *syncList) int {
	ahead := l.turnDueDay(p, now)
	switch {
	case s.day == l.q.Day():
		changed := l.q.Sync(s.list)
		p.appts = append(p.appts, changed...)
		// The overdue bookings are judged at once, as the next tick would
		// (and under its conditions), with a sync that changed the day and
		// with the first sync after a start, changed or not: after a start
		// in the middle of the day, the morning's no-shows (or those that
		// fell due while the hub was down) come with the start's sync,
		// before the screens are back, not as a burst of events in front
		// of the first calls. Only the no-shows: the staffing a restart
		// lost waits for the tick, so the clerks' pages can come back
		// first. A later unchanged re-sync writes nothing.
		if (len(changed) > 0 || !l.judged) && !ahead && p.purge == "" && p.carry == "" {
			p.events = append(p.events, l.q.JudgeNoShows(now)...)
			l.judged = true
		}
		return len(changed)
	case s.day != "" && s.day == l.turn.day:
		l.turn.early = s
	}
	return 0
}

// tick runs the time-driven rules. While the clock shows a later date than
// the queue's, the clock is not trusted: the no-show rule would report
// every booking of the day as missed after a jump forward.
func (l *Loop) tick(p *pendingBatch, now time.Time) {
	select {
	case l.purgeTicks <- struct{}{}:
	default: // the purger has not taken the last one yet
	}
	if l.turnDueDay(p, now) || p.purge != "" || p.carry != "" {
		return
	}
	p.events = append(p.events, l.q.Tick(now)...)
	l.judged = true
}

// schedulePurge hands the purger the day whose predecessors to purge. A
// purge still waiting is replaced: the newer day covers the older.
func (l *Loop) schedulePurge(today string) {
	select {
	case <-l.purges:
	default:
	}
	l.purges <- today
}

// purger runs the purges of past days until ctx ends, one at a time, on a
// goroutine that Run waits for: the store must not close under a purge.
// A purge that readers held up (its deleted rows stay readable in the WAL)
// is finished at the loop's next ticks, not only at the next day turn.
func (l *Loop) purger(ctx context.Context) {
	owed := l.purgeOwed
	done := func(err error) {
		switch {
		case err == nil:
			if owed {
				l.log.Info("finished the purge of past days", "office", l.office.ID)
			}
			owed = false
		case errors.Is(err, store.ErrPurgeUnfinished):
			if !owed { // once, not at every tick
				l.logPurgeUnfinished(err)
			}
			owed = true
		case ctx.Err() == nil:
			// The next turn or start purges again; a purge cut
			// short by the shutdown is no error worth a log line.
			l.log.Error("purge of past days failed", "office", l.office.ID, "err", err)
		}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case today := <-l.purges:
			done(l.purge(ctx, today))
		case <-l.purgeTicks:
			if owed {
				done(l.finishFn(ctx))
			}
		}
	}
}

// logPurgeUnfinished says that a purge waits for readers.
func (l *Loop) logPurgeUnfinished(err error) {
	l.log.Warn("purge of past days unfinished: readers held up the checkpoint; it is finished at the next ticks",
		"office", l.office.ID, "err", err)
}

// purge deletes the personal data of the days before today.
func (l *Loop) purge(ctx context.Context, today string) error {
	n, err := l.purgeFn(ctx, l.office.ID, today)
	if err != nil {
		return fmt.Errorf("purge before %s: %w", today, err)
	}
	if n > 0 {
		l.log.Info("purged personal data of past days", "office", l.office.ID, "rows", n)
	}
	return nil
}
