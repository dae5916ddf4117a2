package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"time"

	"lotse/hub/queue"
	"lotse/hub/store"
)

// snapshots shares an office's snapshot among everyone who asks for it at
// the same seq: GET /queue and every stream client that connects. Each
// used to read the whole day from the read pool and marshal it alone; a
// few hundred boards reconnecting at once took every reader connection
// and left GET /queue waiting for seconds. Now one read per seq serves
// them all, already marshalled.
type snapshots struct {
	mu     sync.Mutex
	cur    *snapEntry
	flight *snapFlight
	reads  int // reads from the database, for tests
}

// snapEntry is a marshalled snapshot without its time: head ends with
// the "time" key, tail is everything after the value. Each reader gets
// the time it reads the snapshot, so sharing it costs no accuracy.
type snapEntry struct {
	seq        int64
	view       store.View // what it was made of: the next one starts there
	head, tail []byte
}

// maxCatchUp is how many events a shared snapshot is brought up to date
// by; one further behind is read whole.
const maxCatchUp = 256

// timeKey precedes the snapshot's time. It is the first key of that name:
// the fields before it (type, seq, office, day) hold no object with a
// "time" key, and a quote inside a string value would be escaped.
var timeKey = []byte(`"time":`)

// parts returns the snapshot as it reads at now.
func (e *snapEntry) parts(now time.Time) [3][]byte {
	t, _ := json.Marshal(now) // a time.Time always marshals
	return [3][]byte{e.head, t, e.tail}
}

// writeTo writes the snapshot at now.
func (e *snapEntry) writeTo(w io.Writer, now time.Time) error {
	for _, p := range e.parts(now) {
		if _, err := w.Write(p); err != nil {
			return err
		}
	}
	return nil
}

// snapFlight is a read in progress; from is the office's seq before it
// began, so its result is at least that new.
type snapFlight struct {
	from int64
	done chan struct{}
	e    *snapEntry
	err  error
}

// snapshotJSON returns the office's snapshot, marshalled, at least as new
// as the office's last committed seq when it was called: a stream client
// registered before the call gets every later event from the broadcaster.
func (s *Server) snapshotJSON(ctx context.Context, o *officeHandle) (*snapEntry, error) {
	c := &o.stream.snaps
	want := o.loop.Seq()
	for {
		c.mu.Lock()
		if e := c.cur; e != nil && e.seq >= want {
			c.mu.Unlock()
			return e, nil
		}
		if f := c.flight; f != nil {
			c.mu.Unlock()
			select {
			case <-f.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			if f.err != nil {
				return nil, f.err
			}
			if f.from >= want {
				return f.e, nil
			}
			continue // that read began before our seq: read again
		}
		f := &snapFlight{from: o.loop.Seq(), done: make(chan struct{})}
		c.flight = f
		base := c.cur
		c.mu.Unlock()
		// The read serves everyone waiting: it must not end when the
		// first of them hangs up.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.timeout)
		var whole bool
		f.e, whole, f.err = s.marshalSnapshot(rctx, o, base)
		cancel()
		c.mu.Lock()
		if f.err == nil && (c.cur == nil || f.e.seq >= c.cur.seq) {
			c.cur = f.e
		}
		if whole {
			c.reads++
		}
		c.flight = nil
		c.mu.Unlock()
		close(f.done)
		if f.err != nil {
			return nil, f.err
		}
		return f.e, nil
	}
}

// marshalSnapshot makes the office's snapshot from base and the events
// since, or (whole) from a read of the whole day when that is not
// possible.
func (s *Server) marshalSnapshot(ctx context.Context, o *officeHandle, base *snapEntry) (_ *snapEntry, whole bool, _ error) {
	v, ok, err := s.catchUp(ctx, o, base)
	if err != nil {
		return nil, false, err
	}
	if !ok {
		whole = true
		if v, err = s.db.View(ctx, o.office.ID); err != nil {
			return nil, whole, err
		}
	}
	snap, err := s.snapshotOf(ctx, o, v)
	if err != nil {
		return nil, whole, err
	}
	data, err := json.Marshal(snap)
	if err != nil {
		return nil, whole, fmt.Errorf("snapshot of %s: %w", o.office.ID, err)
	}
	t, _ := json.Marshal(snap.Time)
	i := bytes.Index(data, timeKey)
	if i < 0 || !bytes.HasPrefix(data[i+len(timeKey):], t) {
		return nil, whole, fmt.Errorf("snapshot of %s: no time field", o.office.ID)
	}
	head := data[:i+len(timeKey)]
	return &snapEntry{seq: snap.Seq, view: v, head: head, tail: data[len(head)+len(t):]}, whole, nil
}

// catchUp brings base's view up to date with the events after it, as the
// store writes them into its tables: each event carries the ticket and the
// counter after the change. Reading a busy day whole took tens of
// milliseconds per change, during which every reader of the new seq
// waited. It reports false when the events do not suffice: no base, a new
// day, a gap, or too many.
func (s *Server) catchUp(ctx context.Context, o *officeHandle, base *snapEntry) (store.View, bool, error) {
	if base == nil {
		return store.View{}, false, nil
	}
	day, last, events, err := s.db.Changes(ctx, o.office.ID, base.seq, maxCatchUp)
	if err != nil {
		return store.View{}, false, err
	}
	if day != base.view.Day || last-base.seq != int64(len(events)) {
		return store.View{}, false, nil
	}
	tickets := make(map[string]queue.Ticket, len(base.view.Tickets))
	for _, t := range base.view.Tickets {
		tickets[t.ID] = t
	}
	counters := make(map[string]queue.CounterState, len(base.view.Counters))
	for _, c := range base.view.Counters {
		counters[c.ID] = c
	}
	calls := base.view.Calls
	for i, e := range events {
		if e.Seq != base.seq+int64(i)+1 {
			return store.View{}, false, nil
		}
		if t := e.Ticket; t != nil {
			if t.Day != day {
				return store.View{}, false, nil
			}
			if t.State == queue.Done || t.State == queue.Cancelled {
				delete(tickets, t.ID)
			} else {
				tickets[t.ID] = inUTC(*t)
			}
			if e.Type == queue.TicketCalled || e.Type == queue.TicketRecalled {
				c := queue.Call{Ticket: t.ID, Number: t.Number, Counter: t.Counter, At: e.At, Recall: e.Type == queue.TicketRecalled}
				calls = append([]queue.Call{c}, calls[:min(len(calls), callsKept-1)]...)
			}
		}
		if c := e.Counter; c != nil {
			counters[c.ID] = *c
		}
	}
	v := store.View{Day: day, Seq: last, Calls: calls}
	for _, t := range tickets {
		v.Tickets = append(v.Tickets, t)
	}
	sort.Slice(v.Tickets, func(i, j int) bool { return v.Tickets[i].N < v.Tickets[j].N })
	for _, c := range counters {
		v.Counters = append(v.Counters, c)
	}
	sort.Slice(v.Counters, func(i, j int) bool { return v.Counters[i].ID < v.Counters[j].ID })
	return v, true, nil
}

// callsKept is how many recent calls a view holds (as the store reads
// them).
const callsKept = 20

// inUTC gives a ticket from an event's JSON the times the store reads
// back: UTC.
func inUTC(t queue.Ticket) queue.Ticket {
	for _, p := range []*time.Time{&t.AppointmentStart, &t.Arrived, &t.Transferred, &t.Called, &t.Started, &t.Ended} {
		if !p.IsZero() {
			*p = p.UTC()
		}
	}
	return t
}

// writeSnapshot answers with the shared snapshot at the server's time.
func (s *Server) writeSnapshot(w http.ResponseWriter, e *snapEntry) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_ = e.writeTo(w, s.now())
}
