// Command hub is Lotse's server for one office or a city: it keeps the
// day's appointments in sync with the booking backend, owns the queue,
// serves the API, the stream and the web pages.
//
// With no flags it starts the embedded demo: two offices, a generated day
// of appointments around the current time, SQLite under ./data, HTTP on
// :8080, clerk demo/demo and device token demo.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"lotse/hub/booking"
	"lotse/hub/booking/demo"
	"lotse/hub/config"
	"lotse/hub/office"
	"lotse/hub/queue"
	"lotse/hub/server"
	"lotse/hub/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "hub:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("hub", flag.ContinueOnError)
	addr := fs.String("addr", ":8080", "HTTP listen address")
	dbPath := fs.String("db", "data/lotse.db", "SQLite database file")
	configPath := fs.String("config", "", "TOML configuration file (default: the embedded demo)")
	backendName := fs.String("backend", "demo", "booking backend when the configuration names none: demo")
	syncEvery := fs.Duration("sync", time.Minute, "how often to pull the day's appointments")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))

	inst, err := install(*configPath, *backendName)
	if err != nil {
		return err
	}
	if *configPath != "" {
		if inst.file.Hub.Addr != "" && !flagSet(fs, "addr") {
			*addr = inst.file.Hub.Addr
		}
		if inst.file.Hub.DB != "" && !flagSet(fs, "db") {
			*dbPath = inst.file.Hub.DB
		}
	}

	db, err := store.Open(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	birthKey, err := db.Secret(ctx, "birth_key")
	if err != nil {
		return err
	}
	sessionKey, err := db.Secret(ctx, "session_key")
	if err != nil {
		return err
	}

	outbox := &booking.Outbox{Store: db, Backend: inst.backend, Log: log}
	var srv *server.Server
	loops := office.Set{}
	var list []*office.Loop
	for _, o := range inst.offices {
		l := office.New(office.Config{Office: o, DB: db, Log: log, Reported: outbox.Notify,
			Publish: publisherFunc(func(id string, ev []queue.Event, w []queue.ServiceWait) { srv.Publish(id, ev, w) })})
		if err := l.Load(ctx); err != nil {
			return err
		}
		loops[o.ID] = l
		list = append(list, l)
	}
	syncer := &booking.Syncer{Backend: inst.backend, Offices: inst.offices, Apply: loops, Interval: *syncEvery, Log: log,
		Hash: func(date string) string { return server.BirthHash(birthKey, date) }}
	warnAfter := 15 * time.Minute
	if inst.file != nil && inst.file.Hub.BackendDownWarning.Duration > 0 {
		warnAfter = inst.file.Hub.BackendDownWarning.Duration
	}
	srv = server.New(server.Config{
		Loops: list, DB: db, Auth: server.NewAuth(inst.clerks, inst.devices, sessionKey, 0), BirthKey: birthKey,
		Log: log, Demo: inst.demo, Notice: inst.notice,
		Health: &health{syncer: syncer, outbox: outbox, warnAfter: warnAfter},
	})

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	httpSrv := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, BaseContext: func(net.Listener) context.Context { return ctx }}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 8)
	for _, l := range list {
		go func() { errc <- l.Run(ctx) }()
	}
	go func() { srv.Run(ctx); errc <- nil }()
	go func() { errc <- syncer.Run(ctx) }()
	go func() { errc <- outbox.Run(ctx) }()
	go func() {
		if err := httpSrv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
	}()
	printURLs(stdout, ln.Addr().String(), inst)

	select {
	case <-ctx.Done():
	case err = <-errc:
		if err != nil {
			log.Error("stopping", "err", err)
		}
	}
	shutdown, cancelShutdown := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancelShutdown()
	_ = httpSrv.Shutdown(shutdown)
	cancel()
	return err
}

func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func printURLs(w io.Writer, addr string, inst *installation) {
	host, port, _ := net.SplitHostPort(addr)
	if host == "" || host == "::" || host == "0.0.0.0" {
		host = "localhost"
	}
	base := "http://" + net.JoinHostPort(host, port)
	first := inst.offices[0].ID
	fmt.Fprintf(w, "Lotse hub on %s\n", base)
	fmt.Fprintf(w, "  counter workplace: %s/counter/\n", base)
	fmt.Fprintf(w, "  web display:       %s/display?office=%s&token=…\n", base, first)
	if inst.demo != nil {
		fmt.Fprintf(w, "  demo page:         %s/demo\n", base)
		fmt.Fprintf(w, "  demo credentials:  clerk demo / demo, device token demo\n")
		fmt.Fprintf(w, "  web display:       %s/display?office=%s&token=demo\n", base, first)
	}
	fmt.Fprintf(w, "  health, metrics:   %s/healthz, %s/metrics\n", base, base)
}

type publisherFunc func(string, []queue.Event, []queue.ServiceWait)

func (f publisherFunc) Publish(office string, events []queue.Event, waiting []queue.ServiceWait) {
	f(office, events, waiting)
}

// installation is what the configuration (or the demo) yields.
type installation struct {
	file    *config.File
	offices []queue.Office
	backend booking.Backend
	demo    *demo.Backend
	clerks  []server.Clerk
	devices []server.Device
	notices map[string]string
}

func (i *installation) notice(office string) string { return i.notices[office] }

func install(path, backendName string) (*installation, error) {
	if path == "" {
		return demoInstallation(backendName)
	}
	f, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	inst := &installation{file: f, notices: map[string]string{}}
	for _, o := range f.Offices {
		qo, err := o.QueueOffice()
		if err != nil {
			return nil, err
		}
		inst.offices = append(inst.offices, qo)
		inst.notices[o.ID] = o.Notice
		typ := o.Backend.Type
		if typ == "" {
			typ = backendName
		}
		if typ != "demo" {
			return nil, fmt.Errorf("office %s: unknown backend type %q (available: demo)", o.ID, typ)
		}
	}
	inst.demo = demo.NewForOffices(inst.offices, time.Now)
	inst.backend = inst.demo
	for _, c := range f.Clerks {
		inst.clerks = append(inst.clerks, server.Clerk{User: c.User, PasswordHash: c.PasswordHash, Offices: c.Offices})
	}
	for _, d := range f.Devices {
		tok, err := d.ResolveToken()
		if err != nil {
			return nil, err
		}
		inst.devices = append(inst.devices, server.Device{Name: d.Name, Token: tok, Office: d.Office})
	}
	return inst, nil
}

// demoInstallation is the embedded default with its fixed credentials.
func demoInstallation(backendName string) (*installation, error) {
	if backendName != "demo" {
		return nil, fmt.Errorf("backend %q needs a configuration file (-config)", backendName)
	}
	hash, err := server.HashPassword("demo")
	if err != nil {
		return nil, err
	}
	b := demo.New(time.Now)
	inst := &installation{
		offices: demo.Offices(), backend: b, demo: b,
		clerks:  []server.Clerk{{User: "demo", PasswordHash: hash}},
		devices: []server.Device{{Name: "demo", Token: "demo"}},
		notices: map[string]string{},
	}
	for _, o := range inst.offices {
		inst.notices[o.ID] = "Demo-Betrieb: Termine und Namen sind erfunden."
	}
	return inst, nil
}

// health joins sync and outbox state for /healthz and /metrics.
type health struct {
	syncer    *booking.Syncer
	outbox    *booking.Outbox
	warnAfter time.Duration
}

func (h *health) OfficeHealth(id string) server.OfficeHealthInfo {
	st := h.syncer.Status(id)
	ob := h.outbox.Status()
	info := server.OfficeHealthInfo{LastSync: st.LastSuccess, SyncError: st.LastError, OutboxDepth: ob.Depth}
	now := time.Now()
	switch {
	case !ob.FailingSince.IsZero() && now.Sub(ob.FailingSince) > h.warnAfter:
		info.Warning = fmt.Sprintf("booking backend has not accepted reports since %s", ob.FailingSince.Format("15:04"))
	case st.LastError != "" && !st.LastSuccess.IsZero() && now.Sub(st.LastSuccess) > h.warnAfter:
		info.Warning = fmt.Sprintf("no successful sync since %s", st.LastSuccess.Format("15:04"))
	case st.LastError != "" && st.LastSuccess.IsZero() && !st.LastAttempt.IsZero():
		info.Warning = "no successful sync yet"
	}
	return info
}
