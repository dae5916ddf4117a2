// Package instance assembles a running hub from its parts: the store, one
// loop per office, the booking sync and outbox, and the HTTP server. The
// hub command, the integration tests and the load test all start hubs
// through it, so that they exercise the same wiring.
package instance

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/net/netutil"

	"lotse/hardware/qr"
	"lotse/hub/api"
	"lotse/hub/booking"
	"lotse/hub/office"
	"lotse/hub/queue"
	"lotse/hub/server"
	"lotse/hub/store"
	"lotse/internal/timesync"
)

// Options describe a hub.
type Options struct {
	Addr string // listen address, e.g. ":8080" or "127.0.0.1:0"
	// PublicAddr is a second listen address that serves only the status
	// pages and the public waiting times (server.PublicHandler); empty:
	// none. It shares Addr's TLS setting and connection limits.
	PublicAddr string
	// PublicURL is where phones reach the status pages
	// (server.Config.PublicURL).
	PublicURL string
	// DeskPrinters are the receipt printers of the information desks by
	// office, as printer specs (tcp://host:9100, /dev/usb/lp0, file:PATH).
	DeskPrinters map[string]string
	DBPath       string
	Offices      []queue.Office
	Backend      booking.Backend
	Demo         server.DemoSource // nil outside demo mode
	Clerks       []server.Clerk
	Devices      []server.Device
	Notices      map[string]string
	SyncEvery    time.Duration // 0: 1 min
	// WarnAfter is how long the backend may be down before /healthz
	// warns; 0: 15 min.
	WarnAfter time.Duration
	Now       func() time.Time // nil: time.Now
	Log       *slog.Logger     // nil: slog.Default()
	// PingEvery is the stream's ping interval; 0: 5 s.
	PingEvery time.Duration
	// TickEvery is how often time-driven queue rules run; 0: 5 s.
	TickEvery time.Duration
	// DayTurnHold is how long a new date must hold before a running
	// office turns the day; 0: office.DefaultDayTurnHold.
	DayTurnHold time.Duration
	// Elapsed is the monotonic clock that tells a jump of Now from time
	// passing (office.Config.Elapsed). nil: the machine's when Now is nil;
	// with a test's Now, no jump is seen.
	Elapsed func() time.Duration
	// WebhookSecrets are the offices' booking webhook secrets; an office
	// without one accepts no webhook.
	WebhookSecrets map[string][]byte
	// Limits are the server's rate limits; zero fields take the defaults.
	Limits server.Limits
	// Store are options for the database, e.g. the key file
	// (store.WithKeyFile).
	Store []store.Option
	// HTTP bounds the connections; zero fields take the defaults.
	HTTP HTTPLimits
	// TLSCert and TLSKey are PEM files: with both, the hub speaks HTTPS
	// itself (TLS 1.2 or newer); without, plain HTTP behind a TLS proxy.
	TLSCert, TLSKey string
	// BehindTLSProxy: a TLS proxy in front serves browsers over HTTPS
	// (server.Config.BehindTLSProxy).
	BehindTLSProxy bool
	// Manage wires the manager's view (server.Config.Manage).
	Manage server.ManageConfig
	// External is the city's login, LDAP and OpenID Connect
	// (server.Config.External).
	External server.External
	// Backup is the daily backup; a zero value takes none.
	Backup DailyBackup
	// ClockSync tells whether the system clock is synchronised, for
	// /healthz and the manager's view; nil: the machine's
	// (timesync.System), asked at most every 30 s, or "unknown" with a
	// Now of the caller's.
	ClockSync timesync.Probe
}

// HTTPLimits bound what one connection may take of the hub, so that slow
// or idle clients cannot hold it: each zero field has a default.
type HTTPLimits struct {
	// ReadHeaderTimeout bounds the request line and headers; 5 s.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds the whole request with its body; 30 s.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing an answer; 30 s. The stream sets its
	// own deadline per write instead.
	WriteTimeout time.Duration
	// IdleTimeout closes a kept-alive connection without requests; 60 s.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds the request headers; 16 KiB.
	MaxHeaderBytes int
	// ShutdownGrace is how long Stop lets plain requests finish before it
	// closes their connections; 5 s.
	ShutdownGrace time.Duration
	// MaxConns bounds the open connections (displays' streams included);
	// default: the process's file limit less a reserve for the database
	// and the booking backends. Further clients wait in the kernel's
	// backlog instead of making the hub run out of file descriptors.
	MaxConns int
	// MaxConnsPerSource bounds the open connections of one client address;
	// a connection above it is closed at once. It keeps one client from
	// taking every slot of MaxConns. Default: max(16, MaxConns/4);
	// negative: no cap. Behind a reverse proxy every client comes from the
	// proxy's address: raise it to MaxConns or turn it off there (the
	// proxy should bound its clients itself).
	MaxConnsPerSource int
}

// fdReserve is what the hub keeps of its file limit for itself: the
// database's files, the booking backends' connections, logs.
const fdReserve = 64

func (l HTTPLimits) withDefaults() HTTPLimits {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&l.ReadHeaderTimeout, 5*time.Second)
	def(&l.ReadTimeout, 30*time.Second)
	def(&l.WriteTimeout, 30*time.Second)
	def(&l.IdleTimeout, 60*time.Second)
	def(&l.ShutdownGrace, 5*time.Second)
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = 16 << 10
	}
	if l.MaxConns <= 0 {
		l.MaxConns = 1024
		var rl syscall.Rlimit
		if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err == nil && rl.Cur < 1<<20 {
			l.MaxConns = max(16, int(rl.Cur)-fdReserve)
		}
	}
	if l.MaxConnsPerSource == 0 {
		l.MaxConnsPerSource = max(16, l.MaxConns/4)
	}
	return l
}

// Hub is a running hub.
type Hub struct {
	URL  string // e.g. "http://127.0.0.1:8080"
	Addr string
	// PublicURL is the public listener's URL; empty without one.
	PublicURL string
	DB        *store.DB
	Server    *server.Server
	Loops     office.Set
	Syncer    *booking.Syncer
	Outbox    *booking.Outbox

	cancel   context.CancelFunc
	http     *http.Server
	public   *http.Server // nil without Options.PublicAddr
	wg       sync.WaitGroup
	requests requests      // the handlers running, streams included
	grace    time.Duration // see HTTPLimits.ShutdownGrace
	errc     chan error
	once     sync.Once
}

// Start opens the store, restores every office, syncs the day once and
// starts serving. When ctx ends the hub stops serving; Stop (always call
// it) also waits for every goroutine of the hub and closes the store.
func Start(ctx context.Context, o Options) (*Hub, error) {
	if len(o.Offices) == 0 {
		return nil, errors.New("start hub: no offices")
	}
	// Every office gets the service that bookings without a known one
	// are mapped to, instead of being dropped.
	o.Offices = booking.WithFallbackService(o.Offices)
	realClock := o.Now == nil
	if o.Now == nil {
		o.Now = time.Now
		if o.Elapsed == nil {
			o.Elapsed = office.Monotonic()
		}
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.WarnAfter <= 0 {
		o.WarnAfter = 15 * time.Minute
	}
	if o.ClockSync == nil {
		o.ClockSync = timesync.Cached(timesync.System, 30*time.Second)
		if !realClock {
			// A test's clock is not the system's: whether NTP keeps
			// the machine's in step says nothing about it.
			o.ClockSync = func(context.Context) timesync.Status {
				return timesync.Status{State: timesync.Unknown, Detail: "the hub runs on a clock of its own"}
			}
		}
	}
	db, err := store.Open(ctx, o.DBPath, append([]store.Option{store.WithLogger(o.Log)}, o.Store...)...)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*Hub, error) {
		db.Close()
		return nil, err
	}
	if o.Backup.Dir != "" {
		if err := os.MkdirAll(o.Backup.Dir, 0o700); err != nil {
			return fail(fmt.Errorf("daily backup: %w", err))
		}
	}
	birthKey, err := db.Secret(ctx, "birth_key")
	if err != nil {
		return fail(err)
	}
	sessionKey, err := db.Secret(ctx, "session_key")
	if err != nil {
		return fail(err)
	}
	h := &Hub{DB: db, Loops: office.Set{}, errc: make(chan error, 2*len(o.Offices)+4)}
	h.Outbox = &booking.Outbox{Store: db, Backend: o.Backend, Now: o.Now, Log: o.Log}
	var loops []*office.Loop
	for _, off := range o.Offices {
		h.Outbox.Offices = append(h.Outbox.Offices, off.ID)
		l := office.New(office.Config{Office: off, DB: db, Now: o.Now, Log: o.Log, Reported: func() { h.Outbox.NotifyOffice(off.ID) },
			Publish: h, TickEvery: o.TickEvery, DayTurnHold: o.DayTurnHold, Elapsed: o.Elapsed})
		if err := l.Load(ctx); err != nil {
			return fail(err)
		}
		h.Loops[off.ID] = l
		loops = append(loops, l)
	}
	h.Syncer = &booking.Syncer{Backend: o.Backend, Offices: o.Offices, Apply: h.Loops, Interval: o.SyncEvery, Now: o.Now, Log: o.Log,
		Hash: func(date string) string { return queue.BirthHash(birthKey, date) }}
	webhooks := booking.NewResync(h.Syncer, o.WebhookSecrets, o.Log)
	deskPrinters, err := openDeskPrinters(o.DeskPrinters, o.Log)
	if err != nil {
		return fail(err)
	}
	h.Server = server.New(server.Config{
		Loops: loops, DB: db, Auth: server.NewAuth(o.Clerks, o.Devices, sessionKey, 0), BirthKey: birthKey,
		Now: o.Now, Log: o.Log, Demo: o.Demo, QRCode: qr.Encode, Notice: func(id string) string { return o.Notices[id] },
		Health: &health{booking: booking.Health{Syncer: h.Syncer, Outbox: h.Outbox, WarnAfter: o.WarnAfter, Now: o.Now}, db: db, clock: o.ClockSync}, PingEvery: o.PingEvery,
		Webhooks: webhooks, Outbox: h.Outbox, Limits: o.Limits, BehindTLSProxy: o.BehindTLSProxy,
		Manage: o.Manage, PublicURL: o.PublicURL, DeskPrinters: deskPrinters,
		External: o.External,
	})
	lim := o.HTTP.withDefaults()
	h.grace = lim.ShutdownGrace
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return fail(fmt.Errorf("listen on %s: %w", o.Addr, err))
	}
	h.Addr = ln.Addr().String()
	// The cap per source sits below the overall limit, so that connections
	// it refuses are closed without waiting for a free slot.
	ln = steadyDeadlines(netutil.LimitListener(limitPerSource(ln, lim.MaxConnsPerSource), lim.MaxConns))
	host, port, _ := net.SplitHostPort(h.Addr)
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	scheme := "http"
	var tlsConfig *tls.Config
	if o.TLSCert != "" || o.TLSKey != "" {
		cert, err := tls.LoadX509KeyPair(o.TLSCert, o.TLSKey)
		if err != nil {
			ln.Close()
			return fail(fmt.Errorf("TLS certificate: %w", err))
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		scheme = "https"
	}
	h.URL = scheme + "://" + net.JoinHostPort(host, port)
	var publicLn net.Listener
	if o.PublicAddr != "" {
		if publicLn, err = net.Listen("tcp", o.PublicAddr); err != nil {
			ln.Close()
			return fail(fmt.Errorf("listen on the public address %s: %w", o.PublicAddr, err))
		}
		h.PublicURL = scheme + "://" + publicLn.Addr().String()
		if host, port, _ := net.SplitHostPort(publicLn.Addr().String()); net.ParseIP(host).IsUnspecified() {
			h.PublicURL = scheme + "://" + net.JoinHostPort("localhost", port)
		}
		publicLn = steadyDeadlines(netutil.LimitListener(limitPerSource(publicLn, lim.MaxConnsPerSource), lim.MaxConns))
	}

	runCtx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	// The timeouts hold for plain requests; a WebSocket stream leaves them
	// when it is upgraded (net/http clears the deadlines on hijack) and
	// sets a deadline per write itself.
	h.http = &http.Server{
		Handler:           h.requests.wrap(h.Server),
		ReadHeaderTimeout: lim.ReadHeaderTimeout, ReadTimeout: lim.ReadTimeout,
		WriteTimeout: lim.WriteTimeout, IdleTimeout: lim.IdleTimeout, MaxHeaderBytes: lim.MaxHeaderBytes,
		BaseContext: func(net.Listener) context.Context { return runCtx },
		ErrorLog:    slog.NewLogLogger(o.Log.Handler(), slog.LevelWarn),
		TLSConfig:   tlsConfig,
	}
	if publicLn != nil {
		h.public = &http.Server{
			Handler:           h.requests.wrap(h.Server.PublicHandler()),
			ReadHeaderTimeout: lim.ReadHeaderTimeout, ReadTimeout: lim.ReadTimeout,
			WriteTimeout: lim.WriteTimeout, IdleTimeout: lim.IdleTimeout, MaxHeaderBytes: lim.MaxHeaderBytes,
			BaseContext: func(net.Listener) context.Context { return runCtx },
			ErrorLog:    slog.NewLogLogger(o.Log.Handler(), slog.LevelWarn),
			TLSConfig:   tlsConfig,
		}
	}
	h.goRun(func() error { h.Server.Run(runCtx); return nil })
	for _, l := range loops {
		h.goRun(func() error { return l.Run(runCtx) })
	}
	for _, l := range loops {
		<-l.Ready()
	}
	// The first sync before serving: a kiosk's first scan finds the day.
	for _, off := range o.Offices {
		if err := h.Syncer.SyncOffice(ctx, off.ID); err != nil {
			o.Log.Warn("first sync failed; serving from the stored day", "office", off.ID, "err", err)
		}
	}
	if o.Demo != nil { // statistics.go: the manager's page is never empty
		h.goRun(func() error { return demoHistory(runCtx, db, o.Offices, o.Now, o.Log) })
	}
	h.goRun(func() error { return h.Syncer.Poll(runCtx) }) // synced above
	h.goRun(func() error { return webhooks.Run(runCtx) })
	h.goRun(func() error { return h.Outbox.Run(runCtx) })
	if o.Backup.Dir != "" {
		b := &dailyBackups{cfg: o.Backup, db: db, now: o.Now, log: o.Log}
		h.goRun(func() error { return b.run(runCtx) })
	}
	for _, l := range []struct {
		srv *http.Server
		ln  net.Listener
	}{{h.http, ln}, {h.public, publicLn}} {
		if l.srv == nil {
			continue
		}
		h.goRun(func() error {
			serve := l.srv.Serve
			if tlsConfig != nil {
				serve = func(ln net.Listener) error { return l.srv.ServeTLS(ln, "", "") }
			}
			if err := serve(l.ln); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		})
	}
	// When Start's ctx ends the hub stops serving and its parts end; Stop
	// then only closes the store. The watch is one of the hub's goroutines,
	// so Stop waits for it like for every other.
	h.goRun(func() error {
		select {
		case <-ctx.Done():
			h.shutdown()
		case <-runCtx.Done():
		}
		return nil
	})
	return h, nil
}

func (h *Hub) goRun(f func() error) {
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		if err := f(); err != nil {
			h.errc <- err
		}
	}()
}

// Publish forwards committed events to the server's streams.
func (h *Hub) Publish(office string, events []queue.Event, waiting []queue.ServiceWait) {
	h.Server.Publish(office, events, waiting)
}

// Prepare forwards a batch to be encoded for the server's streams
// (office.Preparer).
func (h *Hub) Prepare(officeID string, events []queue.Event, waiting []queue.ServiceWait) office.Prepared {
	return h.Server.Prepare(officeID, events, waiting)
}

// Err delivers the first error that stopped a part of the hub.
func (h *Hub) Err() <-chan error { return h.errc }

// Stop shuts the hub down and closes the store. Every goroutine the hub
// started has ended when it returns: request handlers and streams, the
// office loops, sync, outbox and webhooks.
func (h *Hub) Stop() {
	h.once.Do(func() {
		h.shutdown()
		h.requests.closeAndWait()
		h.wg.Wait()
		h.DB.Close()
	})
}

// shutdown stops serving: no new connections, plain requests finish, then
// streams and requests still waiting end with the hub's context.
func (h *Hub) shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), h.grace)
	defer cancel()
	servers := []*http.Server{h.http}
	if h.public != nil {
		servers = append(servers, h.public)
	}
	for _, srv := range servers {
		_ = srv.Shutdown(ctx)
	}
	h.cancel()
	for _, srv := range servers {
		_ = srv.Close()
	}
}

// requests counts the running handlers, so that Stop can wait for them:
// http.Server.Shutdown waits for neither hijacked connections (the
// streams) nor for handlers after its timeout.
type requests struct {
	mu     sync.RWMutex
	closed bool
	wg     sync.WaitGroup
}

func (rq *requests) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rq.mu.RLock()
		if rq.closed {
			rq.mu.RUnlock()
			http.Error(w, "the hub is stopping", http.StatusServiceUnavailable)
			return
		}
		rq.wg.Add(1)
		rq.mu.RUnlock()
		defer rq.wg.Done()
		next.ServeHTTP(w, r)
	})
}

// closeAndWait refuses new requests and waits for the running ones.
func (rq *requests) closeAndWait() {
	rq.mu.Lock()
	rq.closed = true
	rq.mu.Unlock()
	rq.wg.Wait()
}

// health joins sync and outbox state for /healthz and /metrics.
type health struct {
	booking booking.Health
	db      *store.DB
	clock   timesync.Probe

	mu      sync.Mutex
	checked time.Time // by the real clock: it rate-limits the probe
	dbErr   error
}

// writeCheckEvery bounds how often /healthz, which anyone may call,
// makes the database commit (and fsync) its probe.
const writeCheckEvery = 2 * time.Second

// DatabaseHealth says whether the database takes writes (see
// store.DB.WriteCheck); one probe serves every /healthz for a moment.
func (h *health) DatabaseHealth(ctx context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.checked.IsZero() && time.Since(h.checked) < writeCheckEvery {
		return h.dbErr
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	h.dbErr = h.db.WriteCheck(ctx)
	h.checked = time.Now()
	return h.dbErr
}

// ClockSync says whether the system clock is synchronised, in the API's
// words.
func (h *health) ClockSync(ctx context.Context) string {
	switch h.clock(ctx).State {
	case timesync.Synchronized:
		return api.ClockSynchronized
	case timesync.Unsynchronized:
		return api.ClockUnsynchronized
	}
	return api.ClockUnknown
}

// OfficeHealth is the booking side's judgement of the office (its rules
// live in booking.Health).
func (h *health) OfficeHealth(id string) server.OfficeHealthInfo {
	return h.booking.Office(id)
}
