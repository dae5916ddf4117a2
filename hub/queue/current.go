package queue

import "time"

// CurrentNotStarted: "next" or "call" at a counter whose ticket was called
// but never started. Whether the person came is the clerk's to say (the
// booking backend learns "served" or "noshow" from it): the action is
// repeated with Action.Current set.
const CurrentNotStarted Code = "current_not_started"

// closeCurrent ends the counter's current ticket before it calls another:
// a ticket in service is finished; a ticket called but never started ends
// as the clerk says (current: ReportServed or ReportNoShow), and without a
// word from the clerk nothing happens and the error is CurrentNotStarted.
// A finished ticket takes outcome.
func (q *Queue) closeCurrent(now time.Time, cs *CounterState, current Report, outcome string) ([]Event, error) {
	if cs.Ticket == "" {
		return nil, nil
	}
	t, err := q.current(cs)
	if err != nil {
		return nil, err
	}
	switch current {
	case "", ReportServed, ReportNoShow:
	default:
		return nil, Errorf(Invalid, "current must be %q or %q, not %q", ReportServed, ReportNoShow, current)
	}
	if t.State == Serving {
		if current == ReportNoShow {
			return nil, Errorf(Conflict, "ticket %s is being served", t.Number)
		}
		t.Outcome = outcome
		return []Event{q.finish(now, cs, t)}, nil
	}
	switch current {
	case ReportServed:
		t.Outcome = outcome
		return []Event{q.finish(now, cs, t)}, nil
	case ReportNoShow:
		return []Event{q.miss(now, cs, t)}, nil
	}
	return nil, Errorf(CurrentNotStarted, "ticket %s was called but not started: say whether it was served or a no-show", t.Number)
}
