package queue

import "time"

// What the office's manager sees of the queue: who is at which counter and
// which tickets no counter would call the ordinary way. Read-only views
// for the supervision page; they change nothing.

// Serving reports whether the counter takes tickets now: open and staffed
// (the one rule the queue calls by).
func (q *Queue) Serving(counter string) bool { return q.serving(counter) }

// Unserved lists the waiting tickets that no counter serving now would
// call the ordinary way: no open, staffed counter serves their service,
// and their target counter, if any, is not serving either. The queue
// offers them to every counter as a last resort (NoteNoOpenCounter), but
// they wait until a clerk happens to have nobody else: the manager should
// know.
func (q *Queue) Unserved() []Ticket {
	av := q.availability()
	return q.Tickets(func(t *Ticket) bool {
		return t.State == Waiting && !av.services[t.Service()] && (t.TargetCounter == "" || !av.open[t.TargetCounter])
	})
}

// WaitingSince is when the ticket's wait began: its arrival, for an
// appointment not before its start (a person who came early waits by
// choice), and after a transfer the transfer.
func (t *Ticket) WaitingSince() time.Time {
	since := t.Arrived
	if t.AppointmentStart.After(since) {
		since = t.AppointmentStart
	}
	if t.Transferred.After(since) {
		since = t.Transferred
	}
	return since
}
