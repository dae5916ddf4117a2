// Package instance assembles a running hub from its parts: the store, one
// loop per office, the booking sync and outbox, and the HTTP server. The
// hub command, the integration tests and the load test all start hubs
// through it, so that they exercise the same wiring.
package instance

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"lotse/hub/booking"
	"lotse/hub/office"
	"lotse/hub/queue"
	"lotse/hub/server"
	"lotse/hub/store"
)

// Options describe a hub.
type Options struct {
	Addr      string // listen address, e.g. ":8080" or "127.0.0.1:0"
	DBPath    string
	Offices   []queue.Office
	Backend   booking.Backend
	Demo      server.DemoSource // nil outside demo mode
	Clerks    []server.Clerk
	Devices   []server.Device
	Notices   map[string]string
	SyncEvery time.Duration // 0: 1 min
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
}

// Hub is a running hub.
type Hub struct {
	URL    string // e.g. "http://127.0.0.1:8080"
	Addr   string
	DB     *store.DB
	Server *server.Server
	Loops  office.Set
	Syncer *booking.Syncer
	Outbox *booking.Outbox

	cancel context.CancelFunc
	http   *http.Server
	wg     sync.WaitGroup
	errc   chan error
	once   sync.Once
}

// Start opens the store, restores every office, syncs the day once and
// starts serving. Stop (or ctx) ends it.
func Start(ctx context.Context, o Options) (*Hub, error) {
	if len(o.Offices) == 0 {
		return nil, errors.New("start hub: no offices")
	}
	// Every office gets the service that bookings without a known one
	// are mapped to, instead of being dropped.
	o.Offices = booking.WithFallbackService(o.Offices)
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
	db, err := store.Open(ctx, o.DBPath)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*Hub, error) {
		db.Close()
		return nil, err
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
	webhooks := newResync(h.Syncer, o.WebhookSecrets, o.Log)
	h.Server = server.New(server.Config{
		Loops: loops, DB: db, Auth: server.NewAuth(o.Clerks, o.Devices, sessionKey, 0), BirthKey: birthKey,
		Now: o.Now, Log: o.Log, Demo: o.Demo, Notice: func(id string) string { return o.Notices[id] },
		Health: &health{syncer: h.Syncer, outbox: h.Outbox, warnAfter: o.WarnAfter, now: o.Now}, PingEvery: o.PingEvery,
		Webhooks: webhooks, Outbox: h.Outbox, Limits: o.Limits,
	})
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return fail(fmt.Errorf("listen on %s: %w", o.Addr, err))
	}
	h.Addr = ln.Addr().String()
	host, port, _ := net.SplitHostPort(h.Addr)
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	h.URL = "http://" + net.JoinHostPort(host, port)

	runCtx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	h.http = &http.Server{Handler: h.Server, ReadHeaderTimeout: 10 * time.Second, BaseContext: func(net.Listener) context.Context { return runCtx }}
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
	h.goRun(func() error { return h.Syncer.Run(runCtx) })
	h.goRun(func() error { return webhooks.run(runCtx) })
	h.goRun(func() error { return h.Outbox.Run(runCtx) })
	h.goRun(func() error {
		if err := h.http.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	go func() {
		select {
		case <-ctx.Done():
			h.Stop()
		case <-runCtx.Done():
		}
	}()
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

// Err delivers the first error that stopped a part of the hub.
func (h *Hub) Err() <-chan error { return h.errc }

// Stop shuts the hub down and closes the store.
func (h *Hub) Stop() {
	h.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = h.http.Shutdown(ctx)
		h.cancel()
		h.wg.Wait()
		h.DB.Close()
	})
}

// health joins sync and outbox state for /healthz and /metrics.
type health struct {
	syncer    *booking.Syncer
	outbox    *booking.Outbox
	warnAfter time.Duration
	now       func() time.Time
}

func (h *health) OfficeHealth(id string) server.OfficeHealthInfo {
	st := h.syncer.Status(id)
	ob := h.outbox.OfficeStatus(id)
	info := server.OfficeHealthInfo{LastSync: st.LastSuccess, SyncError: st.LastError, OutboxDepth: ob.Depth}
	bookingHealth(&info, st, ob, h.now())
	now := h.now()
	switch {
	case !ob.FailingSince.IsZero() && now.Sub(ob.FailingSince) > h.warnAfter:
		info.Warning = fmt.Sprintf("booking backend has not accepted reports since %s", ob.FailingSince.Format("15:04"))
		info.WarningCode, info.Since = "reports_failing", ob.FailingSince
	case st.LastError != "" && !st.LastSuccess.IsZero() && now.Sub(st.LastSuccess) > h.warnAfter:
		info.Warning = fmt.Sprintf("no successful sync since %s", st.LastSuccess.Format("15:04"))
		info.WarningCode, info.Since = "sync_stale", st.LastSuccess
	case st.LastError != "" && st.LastSuccess.IsZero():
		info.Warning = "no successful sync yet"
		info.WarningCode = "never_synced"
	case ob.DeadLetters > 0:
		// Without the backend's answer: /healthz is public, and the
		// answer may name a person; clerks read it on the counter page.
		info.Warning = fmt.Sprintf("booking backend refused %d reports for good", ob.DeadLetters)
		info.WarningCode = "dead_letters"
	}
	return info
}

// bookingHealth adds the office's own outbox (age of the oldest report,
// dead letters) and the repairs and refusals of its last sync.
func bookingHealth(info *server.OfficeHealthInfo, st booking.SyncStatus, ob booking.OutboxStatus, now time.Time) {
	info.OutboxOldest, info.DeadLetters = ob.Oldest, ob.DeadLetters
	if !ob.Oldest.IsZero() {
		info.OutboxAge = now.Sub(ob.Oldest)
	}
	info.Repaired, info.Repairs, info.Refused = st.Repaired, st.Repairs, st.Refused
}
