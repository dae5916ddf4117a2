// Package server is the hub's HTTP side: the JSON API under /api/v1, the
// WebSocket stream, clerk and device authentication, health and metrics,
// the demo page, and the embedded web pages (counter workplace, web
// display).
package server

import (
	"bufio"
	"context"
	"crypto/hmac"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strconv"
	"time"

	"lotse/hub/api"
	"lotse/hub/booking"
	"lotse/hub/office"
	"lotse/hub/queue"
	"lotse/hub/store"
)

// Health reports the booking side of an office, for /healthz and /metrics.
type Health interface {
	OfficeHealth(office string) OfficeHealthInfo
}

// OfficeHealthInfo is the booking side of an office: the last successful
// sync, the last sync error, the outbox depth and a warning when the
// backend has been down too long.
type OfficeHealthInfo struct {
	LastSync    time.Time
	SyncError   string
	OutboxDepth int
	Warning     string    // English text
	WarningCode string    // reports_failing, sync_stale, never_synced, dead_letters
	Since       time.Time // when the trouble began, if known
	// The office's own outbox and the repairs of its bookings (booking.go).
	OutboxOldest time.Time      // when the oldest waiting report happened
	OutboxAge    time.Duration  // how long ago, by the hub's clock
	DeadLetters  int            // reports the backend refused for good
	Repaired     int            // bookings of the last sync kept after a repair
	Repairs      map[string]int // by booking.Repair… kind
	Refused      map[string]int // by booking.Refused… reason
}

// Config wires a server.
type Config struct {
	Loops       []*office.Loop
	DB          *store.DB
	Auth        *Auth
	BirthKey    []byte // HMAC key for birth dates
	CodeFormats []queue.CodeFormat
	Now         func() time.Time
	Log         *slog.Logger
	Health      Health     // may be nil
	Demo        DemoSource // nil outside demo mode
	// Notice returns the office's notice for the boards' ticker; may be nil.
	Notice func(office string) string
	// PingEvery is how often streams are pinged; 0: 5 s.
	PingEvery time.Duration
	// Timeout bounds a request's wait for its office loop; 0: 10 s.
	Timeout time.Duration
	// Webhooks serves the booking webhook; nil: none (see webhook.go).
	Webhooks Webhooks
	// Outbox retries dead letters; nil: the API answers 404 (booking.go).
	Outbox OutboxControl
	// Limits are the rate limits against guessing and flooding; zero
	// fields take DefaultLimits.
	Limits Limits
}

// Server serves the hub's HTTP side.
type Server struct {
	offices   map[string]*officeHandle
	order     []string
	db        *store.DB
	auth      *Auth
	birthKey  []byte
	formats   []queue.CodeFormat
	now       func() time.Time
	log       *slog.Logger
	health    Health
	demo      DemoSource
	notice    func(office string) string
	limits    limiters
	sessions  *sessions
	metrics   *metrics
	pingEvery time.Duration
	timeout   time.Duration
	webhooks  Webhooks
	outbox    OutboxControl
	mux       *http.ServeMux
}

type officeHandle struct {
	office *queue.Office
	loop   *office.Loop
	names  *names
	stream *broadcaster
}

// New builds the server. Call Run to start its stream broadcasters.
func New(c Config) *Server {
	s := &Server{
		offices: map[string]*officeHandle{}, db: c.DB, auth: c.Auth, birthKey: c.BirthKey, formats: c.CodeFormats,
		now: c.Now, log: c.Log, health: c.Health, demo: c.Demo, notice: c.Notice,
		metrics: newMetrics(), pingEvery: c.PingEvery, timeout: c.Timeout,
		webhooks: c.Webhooks, outbox: c.Outbox,
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.limits = newLimiters(c.Limits, s.now)
	s.sessions = newSessions(c.DB, c.Auth, s.now)
	if s.log == nil {
		s.log = slog.Default()
	}
	if len(s.formats) == 0 {
		s.formats = queue.DefaultCodeFormats()
	}
	if s.pingEvery <= 0 {
		s.pingEvery = 5 * time.Second
	}
	if s.timeout <= 0 {
		s.timeout = 10 * time.Second
	}
	for _, l := range c.Loops {
		o := l.Office()
		n := newNames(o)
		s.offices[o.ID] = &officeHandle{office: o, loop: l, names: n, stream: newBroadcaster(o.ID, n, s.metrics, s.log, s.pingEvery)}
		s.order = append(s.order, o.ID)
	}
	s.routes()
	return s
}

// Publish hands committed events to the office's stream; the office loop
// calls it after each commit.
func (s *Server) Publish(officeID string, events []queue.Event, waiting []queue.ServiceWait) {
	if o, ok := s.offices[officeID]; ok {
		o.stream.publish(events, waiting)
		for _, e := range events {
			s.metrics.event(officeID, string(e.Type))
		}
	}
}

// Run runs the stream broadcasters until ctx ends. Each broadcaster
// resumes at the seq its loop restored and preloads the recent events, so
// that displays resuming after a hub restart get the events they missed.
func (s *Server) Run(ctx context.Context) {
	done := make(chan struct{})
	for _, id := range s.order {
		o := s.offices[id]
		go func() {
			<-o.loop.Ready()
			seq := o.loop.Seq()
			recent, err := s.db.EventsSince(ctx, id, max(0, seq-ringSize), ringSize)
			if err != nil {
				s.log.Error("preload stream events", "office", id, "err", err)
			}
			o.stream.run(ctx, seq, recent, o.loop.Waiting())
			done <- struct{}{}
		}()
	}
	for range s.order {
		<-done
	}
}

// ServeHTTP serves the API and pages.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w.Header(), r)
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	start := time.Now()
	s.mux.ServeHTTP(sw, r)
	s.metrics.request(r.Pattern, sw.status, time.Since(start))
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Hijack hands the connection to the WebSocket upgrader.
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.status = http.StatusSwitchingProtocols
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /api/v1/offices", s.listOffices)
	m.HandleFunc("POST /api/v1/offices/{office}/checkins", s.withOffice(issuers, s.checkIn))
	m.HandleFunc("POST /api/v1/offices/{office}/tickets", s.withOffice(issuers, s.walkIn))
	m.HandleFunc("GET /api/v1/offices/{office}/queue", s.withOffice(anyone, s.queueView))
	m.HandleFunc("GET /api/v1/offices/{office}/stream", s.withOffice(anyone, s.stream))
	m.HandleFunc("GET /api/v1/offices/{office}/events", s.withOffice(anyone, s.eventsSince))
	m.HandleFunc("POST /api/v1/offices/{office}/counters/{counter}/{action}", s.withOffice(counterClerks, s.counterAction))
	m.HandleFunc("GET /api/v1/offices/{office}/counters/{counter}/queue", s.withOffice(counterClerks, s.counterQueue))
	m.HandleFunc("GET /api/v1/offices/{office}/tickets/{ticket}", s.withOffice(clerksOnly, s.ticketDetail))
	m.HandleFunc("GET /api/v1/offices/{office}/appointments", s.withOffice(deskClerks, s.findAppointments))
	m.HandleFunc("GET /api/v1/offices/{office}/outbox", s.withOffice(clerksOnly, s.outboxView))
	m.HandleFunc("POST /api/v1/offices/{office}/outbox/retry", s.withOffice(clerksOnly, s.retryOutbox))
	m.HandleFunc("POST /api/v1/session", s.login)
	m.HandleFunc("DELETE /api/v1/session", s.logout)
	m.HandleFunc("GET /api/v1/session", s.whoami)
	m.HandleFunc("GET /healthz", s.healthz)
	m.HandleFunc("GET /metrics", s.serveMetrics)
	m.HandleFunc("POST /api/v1/webhooks/booking/{office}", s.bookingWebhook)
	m.HandleFunc("GET /demo", s.demoPage)
	m.HandleFunc("GET /demo/qr/{office}/{appointment}", s.demoQR)
	s.webRoutes(m)
	m.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, queue.Errorf(queue.NotFound, "no such API endpoint"))
	})
	s.mux = m
}

type access int

const (
	anyone        access = iota // devices and clerks
	clerksOnly                  // clerks only
	issuers                     // kiosks and the information desk: check-ins, tickets
	deskClerks                  // accounts with the desk role
	counterClerks               // accounts that may work at the route's counter
)

type officeHandler func(w http.ResponseWriter, r *http.Request, o *officeHandle, p principal)

// withOffice resolves the office, authenticates and authorises.
func (s *Server) withOffice(need access, h officeHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		o, ok := s.offices[r.PathValue("office")]
		if !ok {
			s.writeError(w, r, queue.Errorf(queue.NotFound, "unknown office %q", r.PathValue("office")))
			return
		}
		p, err := s.identify(r, o.office.ID)
		if err != nil {
			if _, _, basic := r.BasicAuth(); basic && queue.ErrorCode(err) == codeUnauthorized {
				w.Header().Set("WWW-Authenticate", `Basic realm="Lotse", charset="UTF-8"`)
			}
			s.writeError(w, r, err)
			return
		}
		if need != anyone && need != issuers && !p.isClerk() {
			s.writeError(w, r, queue.Errorf(codeUnauthorized, "clerk login required"))
			return
		}
		switch need {
		case issuers:
			err = p.canIssue()
		case deskClerks:
			if !p.hasRole(RoleDesk, RoleSupervisor, RoleAdmin) {
				err = queue.Errorf(codeForbidden, "the account %s has no desk role", p.clerk)
			}
		case counterClerks:
			err = p.atCounter(r.PathValue("counter"))
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if !sameOrigin(r, p) {
			s.writeError(w, r, queue.Errorf(codeUnauthorized, "cross-site request or missing CSRF token"))
			return
		}
		h(w, r, o, p)
	}
}

func (s *Server) ctx(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), s.timeout)
}

func (s *Server) listOffices(w http.ResponseWriter, r *http.Request) {
	out := make([]api.Office, 0, len(s.order))
	for _, id := range s.order {
		out = append(out, s.offices[id].names.officeAPI())
	}
	writeJSON(w, http.StatusOK, out)
}

type ticketResult struct {
	ticket queue.Ticket
	wait   time.Duration
}

func (s *Server) checkIn(w http.ResponseWriter, r *http.Request, o *officeHandle, p principal) {
	var req api.CheckInRequest
	if err := decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	var fn office.Command[ticketResult]
	// guard holds the tokens this attempt took; honest decides by the
	// answer whether they go back.
	var guard []slot
	var honest func(error) bool
	switch {
	case req.Code != "":
		id, secret, err := queue.ParseCode(req.Code, s.formats)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		appointment := slot{s.limits.codeAppointment, o.office.ID + "/" + id}
		if wait, ok := appointment.l.check(appointment.key); !ok {
			// Locked after wrong secrets for this id: the person can still
			// be checked in at the desk, which needs no code.
			s.writeError(w, r, rateLimitError{queue.Errorf(codeRateLimited, "this code is locked after wrong tries; please ask at the desk"), wait})
			return
		}
		guard = []slot{{s.limits.codeDevice, p.key}, {s.limits.codeOffice, o.office.ID}, appointment}
		// Only "not found" is a wrong guess: every other answer needed the
		// right secret.
		honest = func(err error) bool { return queue.ErrorCode(err) != queue.NotFound }
		fn = func(q *queue.Queue, now time.Time) (ticketResult, []queue.Event, error) {
			return withWait(q, now)(q.CheckInCode(now, id, secret))
		}
	case req.BirthDate != "":
		date, err := queue.ParseBirthDate(req.BirthDate, s.now())
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		guard = []slot{{s.limits.birthDevice, p.key}}
		// Every answer but a ticket tells something about the birth date
		// (several matches, too early, too late, wrong office), so every
		// one counts; only a failure of the hub itself does not.
		honest = func(err error) bool {
			c := queue.ErrorCode(err)
			return err == nil || c == queue.Unavailable || c == queue.Internal
		}
		hash := queue.BirthHash(s.birthKey, date)
		fn = func(q *queue.Queue, now time.Time) (ticketResult, []queue.Event, error) {
			return withWait(q, now)(q.CheckInBirthDate(now, hash, req.Appointment))
		}
	case req.Appointment != "" && p.isClerk():
		// The information desk checks in a person who has neither code
		// nor birth date on file (e.g. booked by phone).
		fn = func(q *queue.Queue, now time.Time) (ticketResult, []queue.Event, error) {
			return withWait(q, now)(q.CheckInAppointment(now, req.Appointment))
		}
	default:
		s.writeError(w, r, queue.Errorf(queue.Invalid, "send a code or a birth date"))
		return
	}
	// The tokens are taken before the attempt, so that parallel guesses
	// cannot all pass one check before the first is counted.
	if wait, ok := takeAll(guard...); !ok {
		s.metrics.checkIn(o.office.ID, string(codeRateLimited))
		s.writeError(w, r, rateLimitError{queue.Errorf(codeRateLimited, "too many attempts; please wait"), wait})
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	tr, err := office.Do(ctx, o.loop, fn)
	if queue.ErrorCode(err) == queue.NotFound {
		err = s.otherOffice(ctx, o, req, err)
	}
	if honest == nil || honest(err) {
		giveAll(guard...)
	}
	if err != nil {
		s.metrics.checkIn(o.office.ID, string(queue.ErrorCode(err)))
		s.writeError(w, r, err)
		return
	}
	s.metrics.checkIn(o.office.ID, "ok")
	t := o.names.ticket(tr.ticket)
	if tr.ticket.State == queue.Waiting {
		m := minutes(tr.wait)
		t.WaitMinutes = &m
	}
	writeJSON(w, http.StatusCreated, t)
}

// withWait adds the waiting estimate to a command's ticket result.
func withWait(q *queue.Queue, now time.Time) func(queue.Ticket, []queue.Event, error) (ticketResult, []queue.Event, error) {
	return func(t queue.Ticket, events []queue.Event, err error) (ticketResult, []queue.Event, error) {
		if err != nil {
			return ticketResult{}, events, err
		}
		return ticketResult{ticket: t, wait: q.EstimateFor(now, t.ID)}, events, nil
	}
}

// otherOffice turns "not found" into "wrong office" when the appointment
// belongs to another office of this hub, so the kiosk can send the
// citizen to the right building.
func (s *Server) otherOffice(ctx context.Context, here *officeHandle, req api.CheckInRequest, notFound error) error {
	var match func(q *queue.Queue) bool
	switch {
	case req.Code != "":
		id, secret, err := queue.ParseCode(req.Code, s.formats)
		if err != nil {
			return notFound
		}
		match = func(q *queue.Queue) bool {
			a, ok := q.Appointment(id)
			return ok && !a.Cancelled && hmac.Equal([]byte(a.Secret), []byte(secret))
		}
	case req.BirthDate != "":
		date, err := queue.ParseBirthDate(req.BirthDate, s.now())
		if err != nil {
			return notFound
		}
		hash := queue.BirthHash(s.birthKey, date)
		match = func(q *queue.Queue) bool {
			return len(q.Appointments(func(a *queue.Appointment) bool { return a.BirthHash == hash && !a.Cancelled })) > 0
		}
	default:
		return notFound
	}
	for _, id := range s.order {
		o := s.offices[id]
		if o == here {
			continue
		}
		found, err := office.Do(ctx, o.loop, func(q *queue.Queue, _ time.Time) (bool, []queue.Event, error) { return match(q), nil, nil })
		if err == nil && found {
			e := queue.Errorf(codeWrongOffice, "the appointment is at %s", o.office.Name)
			e.Office = o.office.ID
			return e
		}
	}
	return notFound
}

func (s *Server) walkIn(w http.ResponseWriter, r *http.Request, o *officeHandle, p principal) {
	var req api.WalkInRequest
	if err := decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	// A kiosk draws tickets as fast as people can press a button, not
	// thousands a second: a flood would bury the real queue.
	var guard []slot
	if p.isDevice() {
		guard = []slot{{s.limits.walkInDevice, p.key}}
	}
	if wait, ok := takeAll(guard...); !ok {
		s.writeError(w, r, rateLimitError{queue.Errorf(codeRateLimited, "too many tickets from this kiosk; please wait"), wait})
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	priority := req.Priority && p.isClerk() // only staff hand out priority tickets
	tr, err := office.Do(ctx, o.loop, func(q *queue.Queue, now time.Time) (ticketResult, []queue.Event, error) {
		return withWait(q, now)(q.WalkIn(now, req.Service, priority))
	})
	if err != nil {
		giveAll(guard...) // no ticket was issued
		s.writeError(w, r, err)
		return
	}
	t := o.names.ticket(tr.ticket)
	m := minutes(tr.wait)
	t.WaitMinutes = &m
	writeJSON(w, http.StatusCreated, t)
}

type actionResult struct {
	ticket  queue.Ticket
	counter queue.CounterState
	name    string
}

func (s *Server) counterAction(w http.ResponseWriter, r *http.Request, o *officeHandle, p principal) {
	var req api.ActionRequest
	if err := decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	counter := r.PathValue("counter")
	a := queue.Action{Counter: counter, Kind: queue.ActionKind(r.PathValue("action")), Ticket: req.Ticket,
		Service: req.Service, ToCounter: req.Counter, RequestID: req.RequestID, Current: queue.Report(req.Current)}
	ctx, cancel := s.ctx(r)
	defer cancel()
	ar, err := office.Do(ctx, o.loop, func(q *queue.Queue, now time.Time) (actionResult, []queue.Event, error) {
		t, events, err := q.Do(now, a)
		if err != nil {
			return actionResult{}, events, err
		}
		out := actionResult{ticket: t}
		for _, c := range q.Counters() {
			if c.ID == counter {
				out.counter = c
			}
		}
		if t.Appointment != "" {
			if ap, ok := q.Appointment(t.Appointment); ok {
				out.name = ap.Name
			}
		}
		return out, events, nil
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := api.ActionResult{Counter: api.CounterState{ID: ar.counter.ID, Name: o.names.counters[ar.counter.ID].Name, Open: ar.counter.Open}}
	if ar.ticket.ID != "" {
		t := o.names.ticket(ar.ticket)
		t.Name = ar.name // the clerk who serves the person sees the name
		out.Ticket = &t
		if ar.counter.Ticket == t.ID {
			out.Counter.Ticket = &t
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// CounterQueue is what a counter workplace lists: the tickets it may call
// in the order "next" takes them, and the parked and missed ones.
type CounterQueue struct {
	Counter api.CounterState  `json:"counter"`
	Next    []api.Ticket      `json:"next"`
	Parked  []api.Ticket      `json:"parked"`
	Missed  []api.Ticket      `json:"missed"`
	Waiting []api.ServiceWait `json:"waiting"`
	Seq     int64             `json:"seq"`
}

func (s *Server) counterQueue(w http.ResponseWriter, r *http.Request, o *officeHandle, p principal) {
	counter := r.PathValue("counter")
	ctx, cancel := s.ctx(r)
	defer cancel()
	res, err := office.Do(ctx, o.loop, func(q *queue.Queue, now time.Time) (CounterQueue, []queue.Event, error) {
		next, err := q.Candidates(now, counter)
		if err != nil {
			return CounterQueue{}, nil, err
		}
		out := CounterQueue{Seq: q.Seq(), Waiting: o.names.waiting(q.Waiting())}
		for _, t := range next {
			at := o.names.ticket(t)
			m := minutes(now.Sub(t.Arrived))
			at.WaitMinutes = &m // minutes waited so far
			out.Next = append(out.Next, at)
		}
		for _, t := range q.Tickets(func(t *queue.Ticket) bool { return t.State == queue.Parked || t.State == queue.Missed }) {
			if t.State == queue.Parked {
				out.Parked = append(out.Parked, o.names.ticket(t))
			} else {
				out.Missed = append(out.Missed, o.names.ticket(t))
			}
		}
		for _, c := range q.Counters() {
			if c.ID == counter {
				out.Counter = api.CounterState{ID: c.ID, Name: o.names.counters[c.ID].Name, Open: c.Open}
				if t, ok := q.Ticket(c.Ticket); ok {
					at := o.names.ticket(t)
					if a, ok := q.Appointment(t.Appointment); ok {
						at.Name = a.Name
					}
					out.Counter.Ticket = &at
				}
			}
		}
		return out, nil, nil
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) ticketDetail(w http.ResponseWriter, r *http.Request, o *officeHandle, p principal) {
	id := r.PathValue("ticket")
	ctx, cancel := s.ctx(r)
	defer cancel()
	res, err := office.Do(ctx, o.loop, func(q *queue.Queue, now time.Time) (api.Ticket, []queue.Event, error) {
		t, ok := q.Ticket(id)
		if !ok {
			return api.Ticket{}, nil, queue.Errorf(queue.NotFound, "unknown ticket %q", id)
		}
		at := o.names.ticket(t)
		if a, ok := q.Appointment(t.Appointment); ok {
			at.Name = a.Name
		}
		if t.State == queue.Waiting {
			m := minutes(q.EstimateFor(now, t.ID))
			at.WaitMinutes = &m
		}
		return at, nil, nil
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// findAppointments serves the information desk: today's appointments by
// part of the name and/or a time range (?q=&from=HH:MM&to=HH:MM).
func (s *Server) findAppointments(w http.ResponseWriter, r *http.Request, o *officeHandle, p principal) {
	qs := r.URL.Query()
	// Cleaned like the names: "Mu"+U+0308+"ller" finds "Müller".
	name := booking.CleanText(qs.Get("q"))
	ctx, cancel := s.ctx(r)
	defer cancel()
	res, err := office.Do(ctx, o.loop, func(q *queue.Queue, now time.Time) ([]api.Appointment, []queue.Event, error) {
		from, err := clock(o.office, q.Day(), qs.Get("from"))
		if err != nil {
			return nil, nil, err
		}
		to, err := clock(o.office, q.Day(), qs.Get("to"))
		if err != nil {
			return nil, nil, err
		}
		list := q.FindAppointments(name, from, to)
		out := make([]api.Appointment, 0, min(len(list), 100))
		for _, a := range list {
			if len(out) == 100 {
				break
			}
			aa := api.Appointment{ID: a.ID, Start: a.Start, Minutes: minutes(a.Duration), Services: o.names.services2api(a.Services),
				Persons: a.Persons(), Name: a.Name, Status: "booked"}
			switch {
			case a.Cancelled:
				aa.Status = "cancelled"
			case a.NoShow:
				aa.Status = "noshow"
			}
			if t, ok := q.TicketForAppointment(a.ID); ok {
				aa.Status = "arrived"
				at := o.names.ticket(t)
				aa.Ticket = &at
			}
			out = append(out, aa)
		}
		return out, nil, nil
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func clock(o *queue.Office, day, hhmm string) (time.Time, error) {
	if hhmm == "" {
		return time.Time{}, nil
	}
	loc := o.Location
	if loc == nil {
		loc = time.UTC
	}
	t, err := time.ParseInLocation(queue.DayFormat+" 15:04", day+" "+hhmm, loc)
	if err != nil {
		return time.Time{}, &queue.Error{Code: queue.Invalid, Message: "time must be HH:MM", Err: err}
	}
	return t, nil
}

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
		out = append(out, o.names.event(e, nil))
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
// without waiting for the office loop, into a snapshot. Callers share it
// through snapshotJSON.
func (s *Server) snapshotOf(o *officeHandle, v store.View) api.Snapshot {
	snap := api.Snapshot{Type: api.TypeSnapshot, Seq: v.Seq, Office: api.OfficeRef{ID: o.office.ID, Name: o.office.Name, Timezone: o.names.officeAPI().Timezone},
		Day: v.Day, Time: s.now(), Tickets: []api.Ticket{}, Calls: []api.Call{}, Waiting: o.names.waiting(o.loop.Waiting())}
	byID := make(map[string]queue.Ticket, len(v.Tickets))
	for _, t := range v.Tickets {
		byID[t.ID] = t
		snap.Tickets = append(snap.Tickets, o.names.ticket(t))
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
		snap.Counters = append(snap.Counters, o.names.counter(st, byID))
	}
	for _, c := range v.Calls {
		snap.Calls = append(snap.Calls, o.names.call(c))
	}
	sort.SliceStable(snap.Calls, func(i, j int) bool { return snap.Calls[i].At.After(snap.Calls[j].At) })
	if s.notice != nil {
		snap.Notice = s.notice(o.office.ID)
	}
	return snap
}
