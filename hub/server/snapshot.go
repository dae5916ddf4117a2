package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
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
	head, tail []byte
}

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
		c.reads++
		c.mu.Unlock()
		// The read serves everyone waiting: it must not end when the
		// first of them hangs up.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.timeout)
		f.e, f.err = s.marshalSnapshot(rctx, o)
		cancel()
		c.mu.Lock()
		if f.err == nil && (c.cur == nil || f.e.seq >= c.cur.seq) {
			c.cur = f.e
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

func (s *Server) marshalSnapshot(ctx context.Context, o *officeHandle) (*snapEntry, error) {
	snap, err := s.readSnapshot(ctx, o)
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(snap)
	if err != nil {
		return nil, fmt.Errorf("snapshot of %s: %w", o.office.ID, err)
	}
	t, _ := json.Marshal(snap.Time)
	i := bytes.Index(data, timeKey)
	if i < 0 || !bytes.HasPrefix(data[i+len(timeKey):], t) {
		return nil, fmt.Errorf("snapshot of %s: no time field", o.office.ID)
	}
	head := data[:i+len(timeKey)]
	return &snapEntry{seq: snap.Seq, head: head, tail: data[len(head)+len(t):]}, nil
}

// writeSnapshot answers with the shared snapshot at the server's time.
func (s *Server) writeSnapshot(w http.ResponseWriter, e *snapEntry) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_ = e.writeTo(w, s.now())
}
