package server

import (
	"fmt"
	"net/http"
	"time"

	"lotse/hub/office"
	"lotse/hub/queue"
)

// demoCodes lists, as plain text, the demo appointments that can be
// checked in right now and are not yet: one per line, the QR payload,
// the birth date and the start, tab-separated. The README's curl
// one-liner reads it; the page is for people, this is for scripts.
func (s *Server) demoCodes(w http.ResponseWriter, r *http.Request) {
	if s.demo == nil {
		s.writeError(w, r, queue.Errorf(queue.NotFound, "the demo codes exist only in demo mode"))
		return
	}
	id := r.URL.Query().Get("office")
	if id == "" {
		id = s.order[0]
	}
	o, ok := s.offices[id]
	if !ok {
		s.writeError(w, r, queue.Errorf(queue.NotFound, "unknown office %q", id))
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	// The office's clock decides what is open, as it does at the kiosk.
	type known struct {
		now       time.Time
		checkedIn map[string]bool
	}
	k, err := office.Do(ctx, o.loop, func(q *queue.Queue, now time.Time) (known, []queue.Event, error) {
		k := known{now: now, checkedIn: map[string]bool{}}
		for _, t := range q.Tickets(func(t *queue.Ticket) bool { return t.Appointment != "" }) {
			k.checkedIn[t.Appointment] = true
		}
		return k, nil, nil
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	list, err := s.demo.Appointments(ctx, id, o.office.Day(k.now))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	loc := o.office.Location
	if loc == nil {
		loc = time.UTC
	}
	for _, a := range list {
		if a.Cancelled || k.checkedIn[a.ID] || !o.office.Policy.CheckInOpen(k.now, a.Start) {
			continue
		}
		if _, err := fmt.Fprintf(w, "%s\t%s\t%s\n", DemoPayload(a), a.BirthDate, a.Start.In(loc).Format("15:04")); err != nil {
			return // the client left
		}
	}
}
