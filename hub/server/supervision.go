package server

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sync"
	"time"

	"lotse/hub/api"
	"lotse/hub/booking"
	"lotse/hub/office"
	"lotse/hub/queue"
)

// The manager's live view (GET /api/v1/offices/{office}/supervision) and
// the city overview (GET /api/v1/supervision): counters, waiting lines and
// alerts, for supervisors and admins of the office only. The queue decides
// every figure (who is present, what waits, the estimate); this file only
// gathers it and judges the alerts.

// DefaultWaitAlert is how long someone may wait before the manager's view
// raises an alert, where the office sets no wait_alert_minutes.
const DefaultWaitAlert = 30 * time.Minute

// ManageConfig wires the manager's view.
type ManageConfig struct {
	// WaitAlert is each office's wait threshold ([office]
	// wait_alert_minutes); a missing or zero entry: DefaultWaitAlert.
	WaitAlert map[string]time.Duration
	// Devices lists the kiosks' and displays' health and their alerts;
	// nil: the reports the server keeps itself (POST
	// /api/v1/devices/status).
	Devices DeviceMonitor
	// AuditDays is how many days the audit trail keeps ([hub]
	// audit_days); 0: 90 (audit.go).
	AuditDays int
}

// DeviceMonitor is the hub's view of its kiosks and displays, from their
// status reports (POST /api/v1/devices/status).
type DeviceMonitor interface {
	// DeviceList returns the office's devices' latest reports, as the
	// page shows them (marshalled to JSON as they are).
	DeviceList(office string) any
	// DeviceProblems returns the office's device alerts at now.
	DeviceProblems(office string, now time.Time) []DeviceProblem
}

// DeviceProblem is a device alert: a device silent for too long, a
// printer out of paper or offline, a scanner lost.
type DeviceProblem struct {
	Kind   string // device_silent, paper_out, paper_low, printer_offline, scanner_lost
	Device string
	Since  time.Time
	Text   string // German
}

// supervision keeps what the queue does not: since when each counter is
// in its state. A pause or a finish is an event; a clerk logging in is
// not, so the first look that sees a counter in a new state dates it.
type supervision struct {
	cfg ManageConfig

	mu       sync.Mutex
	lastSeen map[string]map[string]counterSeen // office → counter
	lastAct  map[string]map[string]time.Time   // office → counter → its last event
}

type counterSeen struct {
	state string
	since time.Time
	at    time.Time // when this state was seen last
}

func newSupervision(cfg ManageConfig) *supervision {
	return &supervision{cfg: cfg, lastSeen: map[string]map[string]counterSeen{}, lastAct: map[string]map[string]time.Time{}}
}

// observe notes the time of each counter's last event; Publish calls it
// after every commit.
func (m *supervision) observe(officeID string, events []queue.Event) {
	m.mu.Lock()
	defer m.mu.Unlock()
	acts := m.lastAct[officeID]
	for _, e := range events {
		id := ""
		switch {
		case e.Counter != nil:
			id = e.Counter.ID
		case e.Ticket != nil && (e.Type == queue.TicketFinished || e.Type == queue.TicketMissed || e.Type == queue.TicketParked || e.Type == queue.TicketTransferred):
			id = e.Ticket.Counter
		}
		if id == "" {
			continue
		}
		if acts == nil {
			acts = map[string]time.Time{}
			m.lastAct[officeID] = acts
		}
		acts[id] = e.At
	}
}

// since dates a counter's state: unchanged since the last look, it keeps
// its date; changed, it dates from the counter's last event between the
// looks, else from the fallback the queue knows (the call of the ticket,
// the end of the last one), else from now.
func (m *supervision) since(officeID, counter, state string, fallback, now time.Time) time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	seen := m.lastSeen[officeID]
	if seen == nil {
		seen = map[string]counterSeen{}
		m.lastSeen[officeID] = seen
	}
	prev, known := seen[counter]
	var since time.Time
	act := m.lastAct[officeID][counter]
	switch {
	case known && prev.state == state:
		since = prev.since
	case state == api.CounterServing && !fallback.IsZero():
		since = fallback
	case !act.IsZero() && (!known || act.After(prev.at)):
		since = act
	case !known && !fallback.IsZero():
		since = fallback
	default:
		since = now
	}
	seen[counter] = counterSeen{state: state, since: since, at: now}
	return since
}

// waitAlert is the office's threshold.
func (m *supervision) waitAlert(officeID string) time.Duration {
	if d := m.cfg.WaitAlert[officeID]; d > 0 {
		return d
	}
	return DefaultWaitAlert
}

// queueLook is what one look at the office loop's queue finds.
type queueLook struct {
	now      time.Time
	counters []lookCounter
	waiting  []queue.ServiceWait
	tickets  []queue.Ticket // waiting
	unserved []queue.Ticket
}

type lookCounter struct {
	state     queue.CounterState
	staffed   bool
	ticket    queue.Ticket // the called or served one, if any
	lastEnded time.Time    // the end of the last ticket there
}

// look reads the queue on its loop: presence lives only there, and one
// look gives counters, lines and alerts of one instant. It commits nothing.
func (s *Server) look(ctx context.Context, o *officeHandle) (queueLook, error) {
	return office.Do(ctx, o.loop, func(q *queue.Queue, now time.Time) (queueLook, []queue.Event, error) {
		l := queueLook{now: now, waiting: q.Waiting(), unserved: q.Unserved()}
		ended := map[string]time.Time{}
		l.tickets = q.Tickets(func(t *queue.Ticket) bool {
			if t.Counter != "" && t.Ended.After(ended[t.Counter]) {
				ended[t.Counter] = t.Ended
			}
			return t.State == queue.Waiting
		})
		for _, cs := range q.Counters() {
			c := lookCounter{state: cs, staffed: q.Staffed(cs.ID), lastEnded: ended[cs.ID]}
			if cs.Ticket != "" {
				c.ticket, _ = q.Ticket(cs.Ticket)
			}
			l.counters = append(l.counters, c)
		}
		return l, nil, nil
	})
}

// supervise builds the office's live view.
func (s *Server) supervise(ctx context.Context, o *officeHandle) (api.Supervision, error) {
	l, err := s.look(ctx, o)
	if err != nil {
		return api.Supervision{}, fmt.Errorf("supervision of %s: %w", o.office.ID, err)
	}
	// The office's clock, as the queue saw it: every wait and date of
	// the view is of one instant, and the page counts mm:ss on from it.
	now := l.now
	id := o.office.ID
	out := api.Supervision{Office: id, Name: o.office.Name, Timezone: o.convert.officeAPI().Timezone, Now: now,
		Counters: []api.SupervisedCounter{}, Services: []api.SupervisedService{}, Alerts: []api.SupervisionAlert{},
		Devices: json.RawMessage("[]"), Settings: api.SupervisionThreshold{WaitAlertMinutes: s.manage.waitAlert(id).Minutes()}}

	for _, c := range l.counters {
		sc := api.SupervisedCounter{ID: c.state.ID, Name: o.convert.counters[c.state.ID].Name}
		fallback := c.lastEnded
		switch {
		case c.state.Ticket != "":
			sc.State = api.CounterServing
			n := c.ticket.Number
			sc.Ticket = &n
			sc.Called = c.ticket.State == queue.Called
			fallback = c.ticket.Called
		case !c.staffed:
			sc.State = api.CounterClosed
		case !c.state.Open:
			sc.State = api.CounterPaused
		default:
			sc.State = api.CounterIdle
		}
		since := s.manage.since(id, sc.ID, sc.State, fallback, now)
		sc.Since = &since
		if c.staffed {
			live, err := s.sessions.live(ctx, id, sc.ID, now)
			if err != nil {
				return out, fmt.Errorf("supervision of %s: %w", id, err)
			}
			if len(live) > 0 {
				u := live[len(live)-1].User
				sc.Clerk = &u
			}
		}
		out.Counters = append(out.Counters, sc)
	}

	threshold := s.manage.waitAlert(id)
	longest := map[string]time.Time{} // service → the earliest wait start
	for _, t := range l.tickets {
		if w := t.WaitingSince(); !w.IsZero() && (longest[t.Service()].IsZero() || w.Before(longest[t.Service()])) {
			longest[t.Service()] = w
		}
	}
	stranded := map[string]bool{}
	for _, t := range l.unserved {
		stranded[t.Service()] = true
	}
	for _, w := range l.waiting {
		if booking.IsFallback(w.Service) && w.Waiting == 0 {
			continue
		}
		sv := api.SupervisedService{ID: w.Service, Name: o.convert.services[w.Service].Name, Waiting: w.Waiting, EstimatedWaitMinutes: -1}
		// A service whose waiting people no staffed counter serves has no
		// estimate, whatever the queue counts as open (docs/api.md: -1).
		if w.Estimate >= 0 && !stranded[w.Service] {
			sv.EstimatedWaitMinutes = roundMinutes(w.Estimate)
		}
		if since := longest[w.Service]; !since.IsZero() && now.After(since) {
			sv.LongestWaitMinutes = roundMinutes(now.Sub(since))
			if now.Sub(since) > threshold {
				at := since.Add(threshold)
				out.Alerts = append(out.Alerts, api.SupervisionAlert{Kind: api.AlertWait, Service: w.Service, Since: &at, Minutes: sv.LongestWaitMinutes,
					Text: fmt.Sprintf("%s: längste Wartezeit %.0f Min. (Grenze %.0f Min.)", sv.Name, sv.LongestWaitMinutes, threshold.Minutes())})
			}
		}
		out.Services = append(out.Services, sv)
	}
	out.Alerts = append(out.Alerts, strandedAlerts(o, l.unserved)...)
	out.Alerts = append(out.Alerts, s.bookingAlerts(id)...)
	if c, ok := s.health.(ClockHealth); ok && c.ClockSync(ctx) == api.ClockUnsynchronized {
		out.Alerts = append(out.Alerts, api.SupervisionAlert{Kind: api.AlertClock,
			Text: "Die Uhr des Hubs ist nicht synchronisiert: Check-in-Fenster und Nichterscheinen können falsch berechnet werden"})
	}
	if d := s.deviceMonitor(); d != nil {
		if raw, err := json.Marshal(d.DeviceList(id)); err == nil && string(raw) != "null" {
			out.Devices = raw
		} else if err != nil {
			return out, fmt.Errorf("supervision of %s: devices: %w", id, err)
		}
		// The registry stamps reports with the hub's clock: silence is
		// judged by it.
		for _, p := range d.DeviceProblems(id, s.now()) {
			since := p.Since
			out.Alerts = append(out.Alerts, api.SupervisionAlert{Kind: p.Kind, Device: p.Device, Text: p.Text, Since: timePtr(since)})
		}
	}
	return out, nil
}

// strandedAlerts raises one alert per service with waiting tickets that
// no serving counter takes, dated from the longest-waiting of them.
func strandedAlerts(o *officeHandle, unserved []queue.Ticket) []api.SupervisionAlert {
	var out []api.SupervisionAlert
	index := map[string]int{}
	for _, t := range unserved {
		i, ok := index[t.Service()]
		if !ok {
			i = len(out)
			index[t.Service()] = i
			out = append(out, api.SupervisionAlert{Kind: api.AlertStranded, Service: t.Service()})
		}
		a := &out[i]
		a.Count++
		if w := t.WaitingSince(); !w.IsZero() && (a.Since == nil || w.Before(*a.Since)) {
			a.Since = &w
		}
	}
	for i := range out {
		what := "1 Ticket wartet"
		if out[i].Count > 1 {
			what = fmt.Sprintf("%d Tickets warten", out[i].Count)
		}
		out[i].Text = fmt.Sprintf("%s: %s, kein geöffneter Schalter bedient das Anliegen", o.convert.services[out[i].Service].Name, what)
	}
	return out
}

// bookingAlerts names the booking side's trouble as booking.Health judged
// it: the backend down (reports or the sync failing for too long, never
// synced) and reports it refused for good.
func (s *Server) bookingAlerts(officeID string) []api.SupervisionAlert {
	if s.health == nil {
		return nil
	}
	h := s.health.OfficeHealth(officeID)
	var out []api.SupervisionAlert
	switch h.WarningCode {
	case "reports_failing", "sync_stale", "never_synced":
		text := "Buchungssystem nicht erreichbar"
		if !h.Since.IsZero() {
			loc := s.offices[officeID].office.Location
			if loc == nil {
				loc = time.UTC
			}
			text += " seit " + h.Since.In(loc).Format("15:04")
		}
		out = append(out, api.SupervisionAlert{Kind: api.AlertBookingDown, Text: text, Since: timePtr(h.Since)})
	}
	if h.DeadLetters > 0 {
		out = append(out, api.SupervisionAlert{Kind: api.AlertDeadLetters, Count: h.DeadLetters,
			Text: fmt.Sprintf("Das Buchungssystem hat %d Meldungen endgültig abgelehnt", h.DeadLetters)})
	}
	return out
}

func roundMinutes(d time.Duration) float64 { return math.Round(d.Minutes()*10) / 10 }

// supervisors authorises the manager's routes: an account with the
// supervisor or admin role for the office. A supervisor's session is
// opened at one office, but the role holds for every office the account
// may work in: the city overview opens each of them.
func (s *Server) supervisors(h officeHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		o, ok := s.offices[r.PathValue("office")]
		if !ok {
			s.writeError(w, r, queue.Errorf(queue.NotFound, "unknown office %q", r.PathValue("office")))
			return
		}
		p, err := s.supervisor(w, r, o.office.ID)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		h(w, r, o, p)
	}
}

// supervisor identifies a caller who may supervise the office ("" for
// the city: any office).
func (s *Server) supervisor(w http.ResponseWriter, r *http.Request, officeID string) (principal, error) {
	p, err := s.identify(r, "")
	if err != nil {
		if _, _, basic := r.BasicAuth(); basic && queue.ErrorCode(err) == codeUnauthorized {
			w.Header().Set("WWW-Authenticate", `Basic realm="Lotse", charset="UTF-8"`)
		}
		return p, err
	}
	switch {
	case !p.isClerk():
		return p, queue.Errorf(codeForbidden, "devices may not read the manager's view")
	case !p.hasRole(RoleSupervisor, RoleAdmin):
		return p, queue.Errorf(codeForbidden, "the account %s has no supervisor role", p.clerk)
	case officeID != "" && !p.account.officeAllowed(officeID):
		return p, queue.Errorf(codeForbidden, "the account %s may not supervise office %s", p.clerk, officeID)
	}
	return p, nil
}

// supervises reports whether a session's account may read the office as
// its supervisor, although the session was opened at another office.
func supervises(c Clerk, officeID string) bool {
	p := principal{clerk: c.User, account: c}
	return p.hasRole(RoleSupervisor, RoleAdmin) && c.officeAllowed(officeID)
}

func (s *Server) supervisionView(w http.ResponseWriter, r *http.Request, o *officeHandle, _ principal) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	v, err := s.supervise(ctx, o)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// cityView serves GET /api/v1/supervision: each office the account may
// supervise, in short.
func (s *Server) cityView(w http.ResponseWriter, r *http.Request) {
	p, err := s.supervisor(w, r, "")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	out := api.CityOverview{Now: s.now(), Offices: []api.OfficeSummary{}}
	for _, id := range s.order {
		if !p.account.officeAllowed(id) {
			continue
		}
		v, err := s.supervise(ctx, s.offices[id])
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		sum := api.OfficeSummary{Office: id, Name: v.Name, Counters: map[string]int{}, Alerts: v.Alerts}
		for _, c := range v.Counters {
			sum.Counters[c.State]++
		}
		for _, sv := range v.Services {
			sum.Waiting += sv.Waiting
			sum.LongestWaitMinutes = max(sum.LongestWaitMinutes, sv.LongestWaitMinutes)
		}
		out.Offices = append(out.Offices, sum)
	}
	writeJSON(w, http.StatusOK, out)
}
