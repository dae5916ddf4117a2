package office

import (
	"context"

	"lotse/hub/queue"
)

// published is what the loop published last: the seq of its last event
// and the waiting lines after it, together, so that a reader never pairs
// a seq with the lines of another. next is closed when a newer one
// replaces it.
type published struct {
	seq     int64
	waiting []queue.ServiceWait
	next    chan struct{}
}

// setPublished records seq and the waiting lines after it as published.
func (l *Loop) setPublished(seq int64, waiting []queue.ServiceWait) {
	l.seq.Store(seq)
	p := &published{seq: seq, waiting: waiting, next: make(chan struct{})}
	if old := l.pub.Swap(p); old != nil {
		close(old.next)
	}
}

// Waiting returns the waiting lines after the last commit.
func (l *Loop) Waiting() []queue.ServiceWait {
	if p := l.pub.Load(); p != nil {
		return p.waiting
	}
	return nil
}

// WaitingAt returns the waiting lines after the event seq or a later one.
// The store may show a reader an event the moment it is committed, a
// little before the loop publishes it; a snapshot of the office at that
// seq must not carry the lines from before it, because the screens learn
// of later changes only (see changedLines). So WaitingAt waits for the
// loop to publish seq, at most until ctx ends (ctx's error).
func (l *Loop) WaitingAt(ctx context.Context, seq int64) ([]queue.ServiceWait, error) {
	for {
		p := l.pub.Load()
		if p == nil {
			return nil, nil // not loaded: nothing committed has lines yet
		}
		if p.seq >= seq {
			return p.waiting, nil
		}
		select {
		case <-p.next:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// changedLines returns the lines of after that differ from the line of
// the same service in before, in after's order; with before nil, all of
// after. A batch's events carry only these to the screens, which keep
// the others: a call changes one service's line, and the six lines of
// the demo office were over half of each event's 1,000 bytes, sent to
// every screen (an outside probe's thousand screens read the call 1.4
// times slower than a server sending 40-byte events, and no slower than
// one sending 1,000-byte ones).
func changedLines(before, after []queue.ServiceWait) []queue.ServiceWait {
	if before == nil {
		return after
	}
	var out []queue.ServiceWait
	for _, w := range after {
		changed := true
		for _, b := range before {
			if b.Service == w.Service {
				changed = b != w
				break
			}
		}
		if changed {
			out = append(out, w)
		}
	}
	return out
}
