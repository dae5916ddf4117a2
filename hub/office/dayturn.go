package office

import (
	"context"
	"fmt"
	"time"

	"lotse/hub/queue"
)

// DefaultDayTurnHold is how long the clock must show a new date before a
// running office loop turns the day. NTP corrections of a bad real-time
// clock are usually taken back, or made good, well within it; a real
// midnight costs nothing more than a few minutes of an empty night.
const DefaultDayTurnHold = 5 * time.Minute

// pendingTurn is a day turn that waits for the new date to hold.
type pendingTurn struct {
	day   string    // the new date the clock shows; "" when none
	since time.Time // when the clock first showed it
	early *syncList // the booking list of that date, if it came already
}

// syncList is the booking backend's list of a day.
type syncList struct {
	day  string
	list []queue.Appointment
}

// turnDueDay closes the queue's day once the clock has shown a later date
// for the hold time, and reports whether the clock shows a later date
// than the queue's (turned or not). A clock behind the queue's day never
// reopens a closed day; a jump forward that is taken back within the hold
// changes nothing. The list of the new date that came while the turn
// waited is applied with the turn, so the day's bookings are there at once.
func (l *Loop) turnDueDay(p *pendingBatch, now time.Time) (ahead bool) {
	q := l.q
	today := l.office.Day(now)
	if today <= q.Day() {
		l.turn = pendingTurn{}
		return false
	}
	if l.turn.day != today || now.Before(l.turn.since) {
		early := l.turn.early
		l.turn = pendingTurn{day: today, since: now}
		if early != nil && early.day == today {
			l.turn.early = early
		}
	}
	if l.dayHold > 0 && now.Sub(l.turn.since) < l.dayHold {
		return true
	}
	p.events = append(p.events, q.CloseDay(now, today)...)
	if early := l.turn.early; early != nil && early.day == q.Day() {
		p.appts = append(p.appts, q.Sync(early.list)...)
	}
	l.turn = pendingTurn{}
	p.purge = q.Day()
	return false
}

// applySync applies the backend's list of a day and returns how many
// appointments changed.
func (l *Loop) applySync(p *pendingBatch, now time.Time, s *syncList) int {
	l.turnDueDay(p, now)
	switch {
	case s.day == l.q.Day():
		changed := l.q.Sync(s.list)
		p.appts = append(p.appts, changed...)
		return len(changed)
	case s.day > l.q.Day() && s.day == l.turn.day:
		l.turn.early = s
	}
	return 0
}

// tick runs the time-driven rules. While the clock shows a later date than
// the queue's, the clock is not trusted: the no-show rule would report
// every booking of the day as missed after a jump forward.
func (l *Loop) tick(p *pendingBatch, now time.Time) {
	if l.turnDueDay(p, now) || p.purge != "" {
		return
	}
	p.events = append(p.events, l.q.Tick(now)...)
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
func (l *Loop) purger(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case today := <-l.purges:
			if err := l.purge(ctx, today); err != nil && ctx.Err() == nil {
				// The next turn or start purges again; a purge cut
				// short by the shutdown is no error worth a log line.
				l.log.Error("purge of past days failed", "office", l.office.ID, "err", err)
			}
		}
	}
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
