// Package board is the call display of the waiting room: the state that the
// stream reduces to (Board), the stream follower that keeps it current
// (Follower), the announcement queue (Announcer) and the Fyne screen that
// shows it (Screen).
package board

import (
	"slices"
	"time"

	"lotse/hub/api"
)

// DefaultHistory is how many calls the board keeps when Board.History is 0.
const DefaultHistory = 12

// StaleAfter is how long the board waits for any message before it warns
// that the connection is lost: the hub sends an event or a ping at least
// every 5 s, so this is that interval plus a margin for a busy machine.
const StaleAfter = 8 * time.Second

// Call is one line of the board: a ticket called to a counter.
type Call struct {
	Ticket      string    // ticket id
	Number      string    // e.g. "A042"
	Counter     string    // counter id
	CounterName string    // e.g. "Schalter 5"
	At          time.Time // when it was called
	Recall      bool      // called again
	// Active is true while the ticket is still called to or served at the
	// counter; finished calls stay on the board as history.
	Active bool
}

// Outcome says what applying a message did.
type Outcome int

// Outcomes of Board.Apply.
const (
	Applied   Outcome = iota // the board changed (or could have)
	Pinged                   // a ping: only the liveness changed
	Duplicate                // an event the board already has: ignored
	Gap                      // an event after a missed one: resubscribe without since
	// DayTurned means the hub turned the day: the board has dropped
	// everything it showed and must resubscribe without since, so that
	// it shows exactly what a freshly started board shows.
	DayTurned
)

func (o Outcome) String() string {
	switch o {
	case Applied:
		return "applied"
	case Pinged:
		return "pinged"
	case Duplicate:
		return "duplicate"
	case Gap:
		return "gap"
	case DayTurned:
		return "day turned"
	}
	return "unknown"
}

// Board is the public state of one office's queue as the waiting room sees
// it, reduced from a snapshot and the events after it. It does no I/O and is
// not safe for concurrent use; Screen guards it.
type Board struct {
	// History is how many calls to keep (0 means DefaultHistory).
	History int

	Seq int64 // the seq of the last snapshot or event applied
	// Ready is set by the first snapshot. Seq alone cannot tell: an office
	// whose day has no event yet sends a snapshot at seq 0.
	Ready bool
	// Day is the office's day of the last snapshot (YYYY-MM-DD).
	Day string
	// turned is set by a day_turned event until the next snapshot: that
	// snapshot starts a new day, it does not follow on the old one.
	turned   bool
	Office   api.OfficeRef
	Calls    []Call // newest first
	Counters []api.CounterState
	Waiting  []api.ServiceWait
	// Notice is the office's notice for the ticker. Only snapshots carry
	// it: it comes from the office's configuration, which changes with a
	// restart of the hub, and a restart sends every board a snapshot.
	Notice string
	// LastMessage is when the last message (of any kind) arrived.
	LastMessage time.Time
}

// Apply reduces one stream message into the board. now is when it arrived.
// It returns what it did and the calls to announce, oldest first.
func (b *Board) Apply(m api.Message, now time.Time) (Outcome, []Call) {
	switch {
	case m.Snapshot != nil:
		b.LastMessage = now
		return Applied, b.applySnapshot(m.Snapshot)
	case m.Ping != nil:
		b.LastMessage = now
		if b.Ready && m.Ping.Seq > b.Seq {
			// The hub is further than the board: an event went missing.
			return Gap, nil
		}
		return Pinged, nil
	case m.Event != nil:
		b.LastMessage = now
		e := m.Event
		if !b.Ready {
			// Without a snapshot the board cannot know what came before.
			return Gap, nil
		}
		if e.Seq <= b.Seq {
			return Duplicate, nil
		}
		if e.Type == api.EventDayTurned {
			// Also after a gap: nothing of the old day may stay.
			b.turnDay(e.Seq)
			return DayTurned, nil
		}
		if e.Seq != b.Seq+1 {
			return Gap, nil
		}
		b.Seq = e.Seq
		return Applied, b.applyEvent(e)
	}
	return Duplicate, nil
}

// Touch records that the hub is reachable without a message, e.g. when a
// connection opens.
func (b *Board) Touch(now time.Time) { b.LastMessage = now }

// Stale reports whether no message arrived for longer than StaleAfter.
// started is when the display began to listen, for the time before the
// first message.
func (b *Board) Stale(now, started time.Time) bool {
	last := b.LastMessage
	if last.IsZero() {
		last = started
	}
	return now.Sub(last) > StaleAfter
}

// Newest returns the newest call and whether there is one.
func (b *Board) Newest() (Call, bool) {
	if len(b.Calls) == 0 {
		return Call{}, false
	}
	return b.Calls[0], true
}

func (b *Board) history() int {
	if b.History > 0 {
		return b.History
	}
	return DefaultHistory
}

// turnDay drops the old day's calls, lines and counter tickets. The board
// stays ready (no "connecting" flash at midnight); the snapshot that
// follows fills it as if the board had just started.
func (b *Board) turnDay(seq int64) {
	b.Seq = seq
	b.turned = true
	b.Calls = nil
	b.Waiting = nil
	for i := range b.Counters {
		b.Counters[i].Ticket = nil
	}
}

func (b *Board) applySnapshot(s *api.Snapshot) []Call {
	// A snapshot of another day replaces the board like a first one: none
	// of its calls is "missed" against yesterday's.
	newDay := b.turned || (b.Day != "" && s.Day != "" && s.Day != b.Day)
	hadState := b.Ready && !newDay
	b.Ready = true
	b.turned = false
	b.Day = s.Day
	var lastKnown time.Time
	if n, ok := b.Newest(); ok {
		lastKnown = n.At
	}
	b.Seq = s.Seq
	b.Office = s.Office
	b.Counters = slices.Clone(s.Counters)
	b.Waiting = slices.Clone(s.Waiting)
	b.Notice = s.Notice

	current := map[string]string{} // counter id → ticket id called or served there
	for _, c := range s.Counters {
		if c.Ticket != nil {
			current[c.ID] = c.Ticket.ID
		}
	}
	active := map[string]bool{} // ticket id → still called or served
	for _, t := range s.Tickets {
		if t.State == api.StateCalled || t.State == api.StateServing {
			active[t.ID] = true
		}
	}
	b.Calls = b.Calls[:0]
	seen := map[string]bool{}
	for _, c := range s.Calls {
		if seen[c.Ticket] {
			continue // an older call of a recalled ticket
		}
		seen[c.Ticket] = true
		call := Call{Ticket: c.Ticket, Number: c.Number, Counter: c.Counter, CounterName: c.CounterName, At: c.At, Recall: c.Recall}
		if id, ok := current[c.Counter]; ok || len(s.Counters) > 0 {
			call.Active = ok && id == c.Ticket
		} else {
			call.Active = active[c.Ticket]
		}
		b.Calls = append(b.Calls, call)
		if len(b.Calls) == b.history() {
			break
		}
	}

	// A fresh snapshot after a gap or a hub restart may hold calls the
	// board never saw: the waiting room must still hear them.
	if !hadState {
		return nil
	}
	var missed []Call
	for _, c := range b.Calls {
		if c.At.After(lastKnown) && c.Active {
			missed = append(missed, c)
		}
	}
	slices.Reverse(missed)
	return missed
}

func (b *Board) applyEvent(e *api.Event) []Call {
	b.Waiting = api.MergeLines(b.Waiting, e.Waiting)
	if e.Counter != nil {
		b.updateCounter(*e.Counter)
	}
	var announce []Call
	switch e.Type {
	case api.EventCalled, api.EventRecalled:
		if e.Ticket == nil {
			break
		}
		t := e.Ticket
		call := Call{Ticket: t.ID, Number: t.Number, Counter: t.Counter, CounterName: t.CounterName, At: e.At, Recall: e.Type == api.EventRecalled, Active: true}
		if call.CounterName == "" {
			call.CounterName = b.counterName(t.Counter)
		}
		if call.CounterName == "" && e.Counter != nil {
			call.CounterName = e.Counter.Name
		}
		if call.Counter == "" && e.Counter != nil {
			call.Counter = e.Counter.ID
		}
		b.Calls = slices.DeleteFunc(b.Calls, func(c Call) bool { return c.Ticket == call.Ticket })
		for i := range b.Calls {
			if b.Calls[i].Counter == call.Counter {
				b.Calls[i].Active = false // the counter has moved on
			}
		}
		b.Calls = append([]Call{call}, b.Calls...)
		if len(b.Calls) > b.history() {
			b.Calls = b.Calls[:b.history()]
		}
		announce = append(announce, call)
	default:
		if e.Ticket != nil && e.Ticket.State != api.StateCalled && e.Ticket.State != api.StateServing {
			for i := range b.Calls {
				if b.Calls[i].Ticket == e.Ticket.ID {
					b.Calls[i].Active = false
				}
			}
		}
	}
	return announce
}

func (b *Board) updateCounter(c api.CounterState) {
	for i := range b.Counters {
		if b.Counters[i].ID == c.ID {
			b.Counters[i] = c
			return
		}
	}
	b.Counters = append(b.Counters, c)
}

func (b *Board) counterName(id string) string {
	for _, c := range b.Counters {
		if c.ID == id {
			return c.Name
		}
	}
	return ""
}

// CounterCall returns the active call of a counter, if any.
func (b *Board) CounterCall(counter string) (Call, bool) {
	for _, c := range b.Calls {
		if c.Counter == counter && c.Active {
			return c, true
		}
	}
	return Call{}, false
}
