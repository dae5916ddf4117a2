// Package server is the hub's HTTP side: the JSON API under /api/v1, the
// WebSocket stream, clerk and device authentication, health and metrics,
// the demo page, and the embedded web pages (counter workplace, web
// display).
package server

import (
	"bufio"
	"context"
	"image"
	"log/slog"
	"net"
	"net/http"
	"time"

	"lotse/hub/api"
	"lotse/hub/booking"
	"lotse/hub/devicehealth"
	"lotse/hub/office"
	"lotse/hub/queue"
)

// Health reports the booking side of an office, for /healthz and /metrics.
type Health interface {
	OfficeHealth(office string) OfficeHealthInfo
}

// OfficeHealthInfo is the booking side of an office: the last successful
// sync, the last sync error, the outbox, the repairs of its bookings and a
// warning when the backend has been down too long. The booking code judges
// it (booking.Health); the server only shows it.
type OfficeHealthInfo = booking.OfficeHealth

// Config wires a server.
type Config struct {
	Loops       []*office.Loop
	DB          Store
	Auth        *Auth
	BirthKey    []byte // HMAC key for birth dates
	CodeFormats []queue.CodeFormat
	Now         func() time.Time
	Log         *slog.Logger
	Health      Health     // may be nil
	Demo        DemoSource // nil outside demo mode
	// QRCode draws the demo page's QR codes (hardware/qr.Encode in the
	// hub); nil: the pictures answer 404 and the page still lists the codes.
	QRCode func(text string, size int) (image.Image, error)
	// Notice returns the office's notice for the boards' ticker; may be nil.
	Notice func(office string) string
	// PingEvery is the longest a stream stays silent: a stream that was
	// sent nothing for half of it is pinged; 0: 5 s.
	PingEvery time.Duration
	// Timeout bounds a request's wait for its office loop; 0: 10 s.
	Timeout time.Duration
	// Webhooks serves the booking webhook; nil: none (see webhook.go).
	Webhooks Webhooks
	// Outbox retries dead letters; nil: the API answers 404 (booking.go).
	Outbox OutboxControl
	// Manage wires the manager's view (supervision.go).
	Manage ManageConfig
	// Limits are the rate limits against guessing and flooding; zero
	// fields take DefaultLimits.
	Limits Limits
	// BehindTLSProxy: browsers reach the hub over HTTPS through a proxy
	// that ends TLS, so answers on plain HTTP count as secure (Secure
	// cookie, Strict-Transport-Security).
	BehindTLSProxy bool
	// Devices keeps the kiosks' and displays' status reports; nil: a
	// registry of the server's own on its clock.
	Devices *devicehealth.Devices
	// PublicURL is where citizens' phones reach the status pages, e.g.
	// "https://termine.stadt.de" ([hub] public_url); empty: the address
	// the kiosk or desk reached the hub at.
	PublicURL string
	// DeskPrinters are the receipt printers of the offices' information
	// desks, by office id; an office without one prints from the browser.
	DeskPrinters map[string]DeskPrinter
	// External is the city's login (LDAP, OpenID Connect); zero: local
	// accounts only (external.go).
	External External
}

// Server serves the hub's HTTP side.
type Server struct {
	offices   map[string]*officeHandle
	order     []string
	db        Store
	auth      *Auth
	birthKey  []byte
	formats   []queue.CodeFormat
	now       func() time.Time
	log       *slog.Logger
	health    Health
	demo      DemoSource
	qrCode    func(text string, size int) (image.Image, error)
	notice    func(office string) string
	limits    limiters
	sessions  *sessions
	metrics   *metrics
	pingEvery time.Duration
	timeout   time.Duration
	webhooks  Webhooks
	outbox    OutboxControl
	manage    *supervision
	mux       *http.ServeMux
	// behindTLSProxy: see Config.BehindTLSProxy.
	behindTLSProxy bool
	devices        *devicehealth.Devices
	public         publicCache // waiting.go
	publicURL      string      // see Config.PublicURL
	deskPrinters   map[string]DeskPrinter
	external       External     // external.go
	oidcLogins     oidcLogins   // logins under way at the provider
	emergency      *emergencies // emergency.go
	auditDays      int          // audit.go
	auditPurge     auditPurge
}

type officeHandle struct {
	office  *queue.Office
	loop    *office.Loop
	convert *converter
	stream  *broadcaster
	phones  *phoneHub // phones.go
}

// New builds the server. Call Run to start its stream broadcasters.
func New(c Config) *Server {
	s := &Server{
		offices: map[string]*officeHandle{}, db: c.DB, auth: c.Auth, birthKey: c.BirthKey, formats: c.CodeFormats,
		now: c.Now, log: c.Log, health: c.Health, demo: c.Demo, qrCode: c.QRCode, notice: c.Notice,
		metrics: newMetrics(), pingEvery: c.PingEvery, timeout: c.Timeout,
		webhooks: c.Webhooks, outbox: c.Outbox, behindTLSProxy: c.BehindTLSProxy, manage: newSupervision(c.Manage),
		publicURL: c.PublicURL, deskPrinters: c.DeskPrinters, external: c.External,
		emergency: newEmergencies(time.Now()), auditDays: c.Manage.AuditDays,
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.limits = newLimiters(c.Limits, s.now)
	if s.devices = c.Devices; s.devices == nil {
		s.devices = devicehealth.New(s.now)
	}
	// Configured kiosks are missed when they stay silent, also right after
	// a restart. Displays are not: a web board on a TV reports nothing.
	if c.Auth != nil {
		for _, d := range c.Auth.devices {
			if (d.Role == "" || d.Role == RoleKiosk) && d.Office != "" {
				s.devices.Expect(d.Office, d.Name, api.DeviceKiosk)
			}
		}
	}
	s.sessions = newSessions(c.DB, c.Auth, s.now)
	s.sessions.present = s.present
	s.sessions.lease = s.leaseCounter
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
		n := newConverter(o)
		h := &officeHandle{office: o, loop: l, convert: n, stream: newBroadcaster(o.ID, n, s.metrics, s.log, s.pingEvery)}
		h.phones = newPhoneHub(h, s.log)
		s.offices[o.ID] = h
		s.order = append(s.order, o.ID)
	}
	s.routes()
	return s
}

// secure reports whether the browser reached the hub over HTTPS: the hub
// speaks TLS itself, or the configured proxy in front of it does.
func (s *Server) secure(r *http.Request) bool { return r.TLS != nil || s.behindTLSProxy }

// Publish hands committed events to the office's stream; the office loop
// calls it after each commit.
func (s *Server) Publish(officeID string, events []queue.Event, waiting []queue.ServiceWait) {
	s.Prepare(officeID, events, waiting).Publish()
}

// Prepare encodes a batch for the office's stream before it is durable
// (office.Preparer); its Publish publishes it once it is.
func (s *Server) Prepare(officeID string, events []queue.Event, waiting []queue.ServiceWait) office.Prepared {
	p := &prepared{s: s, office: officeID, events: events}
	if o, ok := s.offices[officeID]; ok {
		p.o, p.msgs = o, o.stream.encode(events, waiting)
	}
	return p
}

// prepared is a batch encoded for an office's stream.
type prepared struct {
	s      *Server
	office string
	o      *officeHandle // nil: not an office of this server
	events []queue.Event
	msgs   []message
	d      *delivery // set by Publish
}

// Publish publishes the batch: to the stream, the phones, the
// supervisor's view and the metrics.
func (p *prepared) Publish() {
	if p.o == nil {
		return
	}
	p.d = p.o.stream.publishEncoded(p.msgs)
	p.o.phones.notify()
	p.s.manage.observe(p.office, p.events)
	for _, e := range p.events {
		p.s.metrics.event(p.office, string(e.Type))
	}
}

// Delivered is closed once every live screen's writer has written the
// published batch (office.Delivered); before Publish, and for a batch of
// no office here, it is closed already.
func (p *prepared) Delivered() <-chan struct{} {
	if p.d == nil {
		return delivered.done
	}
	return p.d.done
}

// Run runs the stream broadcasters until ctx ends. Each broadcaster
// resumes at the seq its loop restored and preloads the recent events, so
// that displays resuming after a hub restart get the events they missed.
func (s *Server) Run(ctx context.Context) {
	done := make(chan struct{})
	for _, id := range s.order {
		o := s.offices[id]
		go func() {
			o.phones.run(ctx)
			done <- struct{}{}
		}()
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
	for range 2 * len(s.order) {
		<-done
	}
}

// ServeHTTP serves the API and pages.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w.Header(), r, s.secure(r))
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
	m.HandleFunc(routeQueue, s.withOffice(anyone, s.queueView))
	m.HandleFunc(routeStream, s.withOffice(anyone, s.stream))
	m.HandleFunc(routeEvents, s.withOffice(anyone, s.eventsSince))
	m.HandleFunc("POST /api/v1/offices/{office}/counters/{counter}/{action}", s.withOffice(counterClerks, s.counterAction))
	m.HandleFunc("GET /api/v1/offices/{office}/counters/{counter}/queue", s.withOffice(counterClerks, s.counterQueue))
	m.HandleFunc("GET /api/v1/offices/{office}/tickets/{ticket}", s.withOffice(clerksOnly, s.ticketDetail))
	m.HandleFunc("POST /api/v1/offices/{office}/tickets/{ticket}/print", s.withOffice(deskClerks, s.printTicket)) // deskprint.go
	m.HandleFunc("GET /api/v1/offices/{office}/appointments", s.withOffice(deskClerks, s.findAppointments))
	m.HandleFunc("GET /api/v1/offices/{office}/outbox", s.withOffice(deskClerks, s.outboxView))
	m.HandleFunc("POST /api/v1/offices/{office}/outbox/retry", s.withOffice(deskClerks, s.retryOutbox))
	m.HandleFunc("GET /api/v1/offices/{office}/status-qr.svg", s.withOffice(deskClerks, s.statusQR))
	m.HandleFunc("GET /api/v1/offices/{office}/statistics", s.withOffice(clerksOnly, s.statisticsJSON)) // statistics.go
	m.HandleFunc("GET /api/v1/offices/{office}/statistics.csv", s.withOffice(clerksOnly, s.statisticsCSV))
	m.HandleFunc("GET /api/v1/offices/{office}/statistics.xlsx", s.withOffice(clerksOnly, s.statisticsXLSX))
	m.HandleFunc("GET /api/v1/offices/{office}/advice", s.withOffice(clerksOnly, s.advice)) // advice.go
	m.HandleFunc("POST /api/v1/session", s.login)
	m.HandleFunc("DELETE /api/v1/session", s.logout)
	m.HandleFunc("GET /api/v1/session", s.whoami)
	s.externalRoutes(m) // external.go
	m.HandleFunc("GET /healthz", s.healthz)
	m.HandleFunc("GET /metrics", s.serveMetrics)
	s.manageRoutes(m) // manage.go
	s.emergencyRoutes(m)
	m.HandleFunc("POST /api/v1/webhooks/booking/{office}", s.bookingWebhook)
	m.HandleFunc("GET /demo", s.demoPage)
	m.HandleFunc("GET /demo/qr/{office}/{appointment}", s.demoQR)
	m.HandleFunc("GET /demo/codes", s.demoCodes) // democodes.go
	s.webRoutes(m)
	s.deviceRoutes(m)
	s.publicWaitingRoutes(m)
	s.ticketRoutes(m) // ticket.go
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
			if err = p.atCounter(r.PathValue("counter")); err == nil {
				err = s.heldByOther(r.Context(), o, r.PathValue("counter"), p)
			}
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
		out = append(out, s.offices[id].convert.officeAPI())
	}
	writeJSON(w, http.StatusOK, out)
}
