package server

import (
	"net/http"
	"time"

	"lotse/hub/office"
	"lotse/hub/queue"
)

// pauseAtLogout pauses the counter a clerk's session was opened for when
// the clerk logs out with ?pause=1 (the workplace's logout button does).
// An open counter nobody works at would keep the tickets transferred to
// it; a paused one lets the other counters of their service call them.
func (s *Server) pauseAtLogout(r *http.Request) {
	if r.URL.Query().Get("pause") != "1" {
		return
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return
	}
	sess, _, err := s.sessions.lookup(r.Context(), c.Value)
	if err != nil || sess.Counter == "" {
		// An ended or unknown session holds no counter any more.
		return
	}
	o, ok := s.offices[sess.Office]
	if !ok {
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	if _, err := office.Do(ctx, o.loop, func(q *queue.Queue, now time.Time) (queue.Ticket, []queue.Event, error) {
		return q.Do(now, queue.Action{Counter: sess.Counter, Kind: queue.ActPause})
	}); err != nil {
		// The logout itself stands; the clerk can pause by hand.
		s.log.Warn("could not pause the counter at logout", "office", sess.Office, "counter", sess.Counter, "err", err)
	}
}
