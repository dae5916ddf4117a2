package server

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"

	"lotse/hub/api"
	"lotse/hub/queue"
	"lotse/hub/store"
)

// The public state of an office's queue over plain HTTP: the snapshot and
// the events since a seq.

// eventsSince lists the events after ?since=SEQ (at most 1,000), oldest
// first, in the stream's form: the stream's content for tools that speak
// plain HTTP (curl, scripts, integrators' tests).
func (s *Server) eventsSince(w http.ResponseWriter, r *http.Request, o *officeHandle, p principal) {
	var since int64
	if v := r.URL.Query().Get("since"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			s.writeError(w, r, queue.Errorf(queue.Invalid, "since must be a seq"))
			return
		}
		since = n
	}
	events, err := s.db.EventsSince(r.Context(), o.office.ID, since, 1000)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]api.Event, 0, len(events))
	for _, e := range events {
		out = append(out, o.convert.event(e, nil))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) queueView(w http.ResponseWriter, r *http.Request, o *officeHandle, p principal) {
	snap, err := s.snapshotJSON(r.Context(), o)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeSnapshot(w, snap)
}

// snapshotOf turns the office's public state, read from the read pool
// without waiting for the office loop, into a snapshot, with the waiting
// lines after v's seq or later ones (the events after it carry only the
// lines that changed). Callers share it through snapshotJSON.
func (s *Server) snapshotOf(ctx context.Context, o *officeHandle, v store.View) (api.Snapshot, error) {
	lines, err := o.loop.WaitingAt(ctx, v.Seq)
	if err != nil {
		return api.Snapshot{}, fmt.Errorf("waiting lines of %s at seq %d: %w", o.office.ID, v.Seq, err)
	}
	snap := api.Snapshot{Type: api.TypeSnapshot, Seq: v.Seq, Office: api.OfficeRef{ID: o.office.ID, Name: o.office.Name, Timezone: o.convert.officeAPI().Timezone},
		Day: v.Day, Time: s.now(), Tickets: []api.Ticket{}, Calls: []api.Call{}, Waiting: o.convert.waiting(lines)}
	byID := make(map[string]queue.Ticket, len(v.Tickets))
	for _, t := range v.Tickets {
		byID[t.ID] = t
		snap.Tickets = append(snap.Tickets, o.convert.ticket(t))
	}
	states := map[string]queue.CounterState{}
	for _, c := range v.Counters {
		states[c.ID] = c
	}
	for _, c := range o.office.Counters {
		st, ok := states[c.ID]
		if !ok {
			st = queue.CounterState{ID: c.ID, Open: true}
		}
		snap.Counters = append(snap.Counters, o.convert.counter(st, byID))
	}
	for _, c := range v.Calls {
		snap.Calls = append(snap.Calls, o.convert.call(c))
	}
	sort.SliceStable(snap.Calls, func(i, j int) bool { return snap.Calls[i].At.After(snap.Calls[j].At) })
	if s.notice != nil {
		snap.Notice = s.notice(o.office.ID)
	}
	return snap, nil
}
