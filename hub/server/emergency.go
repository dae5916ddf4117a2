package server

import (
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"lotse/hub/api"
	"lotse/hub/queue"
)

// The emergency call (Notruf, issue 15): a clerk in danger presses a
// button, and every other workplace and the supervisor view of the office
// sound an alarm with the counter's name. It is no queue event: the
// stream's seq is shared with the boards, and a board must never learn
// of it. Each change goes as a side message (no seq) to the streams of
// clerk accounts only (broadcaster.side); a workplace that connects
// later asks GET …/emergencies. The calls live in memory: after a hub
// restart the clerk raises it again, and the audit trail keeps the past.

// emergencies holds the offices' active emergency calls.
type emergencies struct {
	mu     sync.Mutex
	active map[string]map[string]*api.Emergency // office → counter → call
	rev    int64                                // the last change's api.Emergency.Rev
}

// changed stamps e with the next revision; em.mu is held.
func (em *emergencies) changed(e *api.Emergency) {
	em.rev++
	e.Rev = em.rev
}

// newEmergencies starts the revisions at the start's time in
// milliseconds: pages that stay open across a hub restart keep the
// highest revision they saw of each counter, and a new call after the
// restart must still be newer (a restart takes far longer than a change
// per millisecond could catch up with).
func newEmergencies(start time.Time) *emergencies {
	return &emergencies{active: map[string]map[string]*api.Emergency{}, rev: start.UnixMilli()}
}

// copyOf is e with its own acks: what leaves the lock.
func copyOf(e *api.Emergency) api.Emergency {
	c := *e
	c.Acks = slices.Clone(e.Acks)
	if c.Acks == nil {
		c.Acks = []api.EmergencyAck{}
	}
	return c
}

// emergencyRoutes registers the emergency API and the audit trail's.
func (s *Server) emergencyRoutes(m *http.ServeMux) {
	const base = "/api/v1/offices/{office}/counters/{counter}/emergency"
	m.HandleFunc("POST "+base, s.withOffice(counterClerks, s.raiseEmergency))
	m.HandleFunc("POST "+base+"/ack", s.withOffice(clerksOnly, s.ackEmergency))
	m.HandleFunc("POST "+base+"/end", s.withOffice(clerksOnly, s.endEmergency))
	m.HandleFunc("GET /api/v1/offices/{office}/emergencies", s.withOffice(clerksOnly, s.listEmergencies))
	m.HandleFunc("GET /api/v1/offices/{office}/audit", s.supervisors(s.auditView)) // audit.go
}

// raiseEmergency raises the counter's emergency call; raising it again
// while it is on answers with the call as it stands.
func (s *Server) raiseEmergency(w http.ResponseWriter, r *http.Request, o *officeHandle, p principal) {
	counter := r.PathValue("counter")
	if _, ok := o.office.Counter(counter); !ok {
		s.writeError(w, r, queue.Errorf(queue.NotFound, "unknown counter %q", counter))
		return
	}
	now := s.now()
	em := s.emergency
	em.mu.Lock()
	calls := em.active[o.office.ID]
	if calls == nil {
		calls = map[string]*api.Emergency{}
		em.active[o.office.ID] = calls
	}
	e, on := calls[counter]
	if !on {
		e = &api.Emergency{Type: api.TypeEmergency, Office: o.office.ID, Counter: counter, CounterName: o.convert.counters[counter].Name,
			State: api.EmergencyRaised, RaisedBy: p.clerk, RaisedAt: now}
		calls[counter] = e
		em.changed(e)
	}
	out := copyOf(e)
	em.mu.Unlock()
	if !on {
		s.log.Warn("emergency call raised", "office", o.office.ID, "counter", counter)
		s.metrics.add(label("lotse_emergencies_total", "office", o.office.ID), 1)
		s.audit(r.Context(), o, p, counter, auditEmergency, "")
		s.sendEmergency(o, out)
	}
	writeJSON(w, http.StatusOK, out)
}

// ackEmergency records that the caller saw the alarm: any clerk or
// supervisor of the office other than the one who raised it, once each.
func (s *Server) ackEmergency(w http.ResponseWriter, r *http.Request, o *officeHandle, p principal) {
	counter := r.PathValue("counter")
	now := s.now()
	em := s.emergency
	em.mu.Lock()
	e, on := em.active[o.office.ID][counter]
	if !on {
		em.mu.Unlock()
		s.writeError(w, r, queue.Errorf(queue.NotFound, "no emergency call at counter %q", counter))
		return
	}
	// "Someone is coming" must mean someone else: nobody at the calling
	// counter acknowledges it, nor its raiser from no counter at all
	// unless as a supervisor (one account may serve several counters and
	// supervise too, as the demo's does).
	if p.counter == counter || p.counter == "" && e.RaisedBy == p.clerk && !p.hasRole(RoleSupervisor, RoleAdmin) {
		em.mu.Unlock()
		s.writeError(w, r, queue.Errorf(queue.Conflict, "the call is acknowledged by someone else than the clerk who raised it"))
		return
	}
	fresh := !slices.ContainsFunc(e.Acks, func(a api.EmergencyAck) bool { return a.Account == p.clerk && a.Counter == p.counter })
	if fresh {
		e.Acks = append(e.Acks, api.EmergencyAck{Account: p.clerk, Counter: p.counter, At: now})
		e.State = api.EmergencyAcknowledged
		em.changed(e)
	}
	out := copyOf(e)
	em.mu.Unlock()
	if fresh {
		s.audit(r.Context(), o, p, p.counter, auditEmergencyAck, "")
		s.sendEmergency(o, out)
	}
	writeJSON(w, http.StatusOK, out)
}

// endEmergency ends the call: the clerk at the counter that raised it,
// or a supervisor.
func (s *Server) endEmergency(w http.ResponseWriter, r *http.Request, o *officeHandle, p principal) {
	counter := r.PathValue("counter")
	if !p.hasRole(RoleSupervisor, RoleAdmin) {
		err := p.atCounter(counter)
		if err == nil {
			err = s.heldByOther(r.Context(), o, counter, p)
		}
		if err != nil {
			s.writeError(w, r, queue.Errorf(codeForbidden, "only the counter that raised the call or a supervisor ends it: %v", err))
			return
		}
	}
	now := s.now()
	em := s.emergency
	em.mu.Lock()
	e, on := em.active[o.office.ID][counter]
	if !on {
		em.mu.Unlock()
		s.writeError(w, r, queue.Errorf(queue.NotFound, "no emergency call at counter %q", counter))
		return
	}
	delete(em.active[o.office.ID], counter)
	e.State, e.EndedBy, e.EndedAt = api.EmergencyEnded, p.clerk, &now
	em.changed(e)
	out := copyOf(e)
	em.mu.Unlock()
	s.log.Info("emergency call ended", "office", o.office.ID, "counter", counter)
	s.audit(r.Context(), o, p, counter, auditEmergencyEnd, "")
	s.sendEmergency(o, out)
	writeJSON(w, http.StatusOK, out)
}

// listEmergencies serves the office's active calls, oldest first.
func (s *Server) listEmergencies(w http.ResponseWriter, r *http.Request, o *officeHandle, p principal) {
	writeJSON(w, http.StatusOK, s.activeEmergencies(o.office.ID))
}

func (s *Server) activeEmergencies(office string) api.Emergencies {
	em := s.emergency
	em.mu.Lock()
	defer em.mu.Unlock()
	out := api.Emergencies{Active: []api.Emergency{}, Rev: em.rev}
	for _, e := range em.active[office] {
		out.Active = append(out.Active, copyOf(e))
	}
	slices.SortFunc(out.Active, func(a, b api.Emergency) int { return a.RaisedAt.Compare(b.RaisedAt) })
	return out
}

// sendEmergency sends a call's new state to the office's staff streams.
func (s *Server) sendEmergency(o *officeHandle, e api.Emergency) {
	data, err := json.Marshal(e)
	if err == nil {
		var pm *websocket.PreparedMessage
		if pm, err = websocket.NewPreparedMessage(websocket.TextMessage, data); err == nil {
			o.stream.side(pm)
			return
		}
	}
	// Never expected (plain fields); the workplaces still learn of it
	// at their next GET …/emergencies.
	s.log.Error("emergency message", "office", o.office.ID, "err", err)
}

// side sends a message outside the seq to the staff's streams only (see
// client.staff): a live one queues it, one still being given its
// snapshot gets it once live, a device's never.
func (b *broadcaster) side(pm *websocket.PreparedMessage) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ended {
		return
	}
	m := []message{{pm: pm}}
	for c := range b.clients {
		switch {
		case !c.staff:
		case c.live:
			b.deliver(c, m)
		default:
			c.pending = append(c.pending, m...)
		}
	}
}
