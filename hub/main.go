// Command hub is Lotse's server for one office or a city: it keeps the
// day's appointments in sync with the booking backend, owns the queue,
// serves the API, the stream and the web pages.
//
// With no flags it starts the embedded demo: two offices, a generated day
// of appointments around the current time, SQLite under ./data, HTTP on
// :8080, clerk demo/demo, kiosk token demo and display token demo-display.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"lotse/hub/booking"
	"lotse/hub/booking/demo"
	"lotse/hub/booking/rest"
	"lotse/hub/booking/zms"
	"lotse/hub/config"
	"lotse/hub/gcpacer"
	"lotse/hub/instance"
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

// stdin is where the tools read from (hub passwd); tests replace it.
var stdin io.Reader = os.Stdin

func run(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) > 0 {
		if tool, ok := tools[args[0]]; ok {
			return tool(ctx, args[1:], stdin, stdout)
		}
	}
	fs := flag.NewFlagSet("hub", flag.ContinueOnError)
	showVersion := fs.Bool("version", false, "print the version and exit (tools: hub passwd, hub check-config FILE, hub backup FILE, hub restore FILE)")
	addr := fs.String("addr", ":8080", "HTTP listen address")
	dbPath := fs.String("db", "data/lotse.db", "SQLite database file")
	keysPath := fs.String("keys", "", "installation key file (default: next to the database, e.g. data/lotse.keys; keys in LOTSE_BIRTH_KEY and LOTSE_SESSION_KEY win)")
	configPath := fs.String("config", "", "TOML configuration file (default: the embedded demo)")
	backendName := fs.String("backend", "", "booking backend of offices whose configuration names none: rest or zms, or demo for a trial (default: such an office is an error; without -config: demo)")
	tlsCert := fs.String("tls-cert", "", "PEM certificate (chain): serve HTTPS instead of HTTP (needs -tls-key)")
	tlsKey := fs.String("tls-key", "", "PEM private key of -tls-cert")
	syncEvery := fs.Duration("sync", time.Minute, "how often to pull the day's appointments")
	liftLimits := fs.Bool("lift-limits", false, "lift every rate limit and connection cap, for the load instruments on loopback only (refused on any other address)")
	pprofAddr := fs.String("pprof-addr", "", "serve CPU, block and mutex profiles on this loopback address, for measurements (default: off)")
	publicAddr := fs.String("public-addr", "", "second listen address serving only the status pages /t/… and the public waiting times /public/… (default: none; [hub] public_addr)")
	connsPerSource := fs.Int("conns-per-source", 0, "open connections of one client address (0: a quarter of the connection limit, at least 16; -1: no cap, e.g. behind a reverse proxy)")
	logFormat := fs.String("log-format", logText, "log format: text (stderr), json (stdout) or journal (json on stdout with syslog priorities, for systemd)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *showVersion {
		return printVersion(stdout)
	}
	log, err := newLogger(*logFormat, stdout, os.Stderr)
	if err != nil {
		return err
	}

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
		if inst.file.Hub.PublicAddr != "" && !flagSet(fs, "public-addr") {
			*publicAddr = inst.file.Hub.PublicAddr
		}
	}

	var limits server.Limits
	if *liftLimits {
		// A measurement, never an installation: the limits guard the
		// hub against guessing and floods from the network.
		for _, a := range []string{*addr, *publicAddr} {
			if a != "" && !loopback(a) {
				return fmt.Errorf("-lift-limits is for measurements on a loopback address, not %q", a)
			}
		}
		limits = server.NoLimits()
		*connsPerSource = -1
		log.Warn("rate limits and connection caps lifted for a measurement")
	}
	if *pprofAddr != "" {
		stopPprof, err := servePprof(*pprofAddr, log)
		if err != nil {
			return err
		}
		defer stopPprof()
	}
	// The collector's pace is the process's; the hub is all this
	// process runs (the load test paces its own in-process hubs alike).
	defer gcpacer.Start(gcpacer.Floor)()
	warnAfter, dayTurnHold := time.Duration(0), time.Duration(0)
	var daily instance.DailyBackup
	if inst.file != nil {
		if b := inst.file.Backup; b.Dir != "" {
			at, _ := b.Daily() // checked by config.Load
			daily = instance.DailyBackup{Dir: b.Dir, Keep: b.Kept(), At: at}
		}
		warnAfter = inst.file.Hub.BackendDownWarning.Duration
		dayTurnHold = inst.file.Hub.DayTurnHold.Duration
		if inst.syncEvery > 0 && !flagSet(fs, "sync") {
			*syncEvery = inst.syncEvery
		}
	}
	h, err := instance.Start(ctx, instance.Options{
		Addr: *addr, PublicAddr: *publicAddr, PublicURL: publicURL(inst), DeskPrinters: inst.deskPrinters, DBPath: *dbPath, Offices: inst.offices, Backend: inst.backend, Demo: inst.demoSource(),
		Clerks: inst.clerks, Devices: inst.devices, Notices: inst.notices, SyncEvery: *syncEvery, WarnAfter: warnAfter, Log: log,
		WebhookSecrets: inst.webhookSecrets, DayTurnHold: dayTurnHold, Store: []store.Option{store.WithKeyFile(*keysPath)},
		TLSCert: *tlsCert, TLSKey: *tlsKey, HTTP: instance.HTTPLimits{MaxConnsPerSource: *connsPerSource},
		BehindTLSProxy: inst.file != nil && inst.file.Hub.BehindTLSProxy, Limits: limits,
		Manage: server.ManageConfig{WaitAlert: inst.waitAlerts(), AuditDays: inst.auditDays()}, External: inst.external, Backup: daily,
	})
	if err != nil {
		return err
	}
	defer h.Stop()
	defer notifySystemd(ctx, h, log)()
	printURLs(stdout, h.URL, inst)
	if h.PublicURL != "" {
		fmt.Fprintf(stdout, "  public listener:   %s (status pages and waiting times only)\n", h.PublicURL)
		if publicURL(inst) == "" {
			log.Warn("a public listener without [hub] public_url: the links on tickets name the address the kiosk reached the hub at, which phones outside the office network cannot open", "public_addr", *publicAddr)
		}
	}
	select {
	case <-ctx.Done():
		return nil
	case err := <-h.Err():
		return err
	}
}

// publicURL is the configured base of the status links, if any.
func publicURL(inst *installation) string {
	if inst.file == nil {
		return ""
	}
	return inst.file.Hub.PublicURL
}

// loopback reports whether addr (host:port) listens on this machine only.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func printURLs(w io.Writer, base string, inst *installation) {
	first := inst.offices[0].ID
	display := base + "/display?office=" + first + "&token=…"
	if inst.demoSource() != nil {
		display = base + "/display?office=" + first + "&token=demo-display"
	}
	fmt.Fprintf(w, "Lotse hub on %s\n", base)
	fmt.Fprintf(w, "  counter workplace: %s/counter/\n", base)
	fmt.Fprintf(w, "  information desk:  %s/counter/desk.html\n", base)
	fmt.Fprintf(w, "  manager's view:    %s/manage/\n", base)
	fmt.Fprintf(w, "  web display:       %s\n", display)
	fmt.Fprintf(w, "  public waiting:    %s/public/\n", base)
	if inst.demoSource() != nil {
		fmt.Fprintf(w, "  demo page:         %s/demo (codes open now: %s/demo/codes)\n", base, base)
		fmt.Fprintf(w, "  demo credentials:  clerk demo / demo, kiosk token demo, display token demo-display\n")
	}
	fmt.Fprintf(w, "  health, metrics:   %s/healthz, %s/metrics\n", base, base)
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
	// webhookSecrets are the offices' booking webhook secrets.
	webhookSecrets map[string][]byte
	// deskPrinters are the offices' desk printer specs.
	deskPrinters map[string]string
	// syncEvery is the shortest sync interval the offices configure.
	syncEvery time.Duration
	// external is the city's login ([auth]; external.go).
	external server.External
}

// demoSource returns the demo backend for the /demo page, or nil: a nil
// *demo.Backend must not become a non-nil interface. Only the embedded
// demo has the page: an installation file may name the demo backend for
// an office on trial, but its clerks and devices are its own, and the
// page would name invented people on a real hub's address.
func (i *installation) demoSource() server.DemoSource {
	if i.demo == nil || i.file != nil {
		return nil
	}
	return i.demo
}

func install(path, backendName string) (*installation, error) {
	if path == "" {
		return demoInstallation(backendName)
	}
	f, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	inst := &installation{file: f, notices: map[string]string{}, webhookSecrets: map[string][]byte{}, deskPrinters: map[string]string{}}
	mux := booking.Mux{}
	var demoOffices []queue.Office
	for _, o := range f.Offices {
		if o.Backend.Type == "" {
			// A real installation never falls back to invented
			// appointments: the office names its backend, or the
			// operator names one for all with -backend.
			if backendName == "" {
				return nil, fmt.Errorf("office %s has no [office.backend]: set its type to \"rest\" or \"zms\" (or \"demo\" for a trial), or start the hub with -backend", o.ID)
			}
			o.Backend.Type = backendName
		}
		if err := o.Backend.Check(o.ID); err != nil {
			return nil, err
		}
		qo, err := o.QueueOffice()
		if err != nil {
			return nil, err
		}
		inst.offices = append(inst.offices, qo)
		inst.notices[o.ID] = o.Notice
		inst.deskPrinters[o.ID] = o.DeskPrinter
		if iv := o.Backend.Interval.Duration; iv > 0 && (inst.syncEvery == 0 || iv < inst.syncEvery) {
			inst.syncEvery = iv
		}
		if o.Backend.Type == config.BackendDemo {
			demoOffices = append(demoOffices, qo)
			continue
		}
		b, err := backendOf(o)
		if err != nil {
			return nil, err
		}
		mux[o.ID] = b
		secret, err := o.Backend.WebhookSecret()
		if err != nil {
			return nil, fmt.Errorf("office %s: %w", o.ID, err)
		}
		if secret != "" {
			inst.webhookSecrets[o.ID] = []byte(secret)
		}
	}
	if len(demoOffices) > 0 {
		inst.demo = demo.NewForOffices(demoOffices, time.Now)
		for _, o := range demoOffices {
			mux[o.ID] = inst.demo
		}
	}
	inst.backend = mux
	if len(demoOffices) == len(inst.offices) {
		inst.backend = inst.demo // all demo: exactly as before
	}
	for _, c := range f.Clerks {
		inst.clerks = append(inst.clerks, server.Clerk{User: c.User, PasswordHash: c.PasswordHash, Offices: c.Offices, Roles: c.Roles, Counters: c.Counters})
	}
	for _, d := range f.Devices {
		tok, err := d.ResolveToken()
		if err != nil {
			return nil, err
		}
		inst.devices = append(inst.devices, server.Device{Name: d.Name, Token: tok, Office: d.Office, Role: d.Role})
	}
	if inst.external, err = externalLogin(f.Auth); err != nil {
		return nil, err
	}
	return inst, nil
}

// backendOf builds the booking adapter an office configures.
func backendOf(o config.Office) (booking.Backend, error) {
	b := o.Backend
	key, err := b.AuthKey()
	if err != nil {
		return nil, fmt.Errorf("office %s: %w", o.ID, err)
	}
	switch b.Type {
	case config.BackendREST:
		return &rest.Client{BaseURL: b.URL, Token: key, RemoteOffice: b.Office, Services: b.Services, Timeout: b.Timeout.Duration}, nil
	case config.BackendZMS:
		return &zms.Client{BaseURL: b.URL, AuthKey: key, Scope: b.Scope, Services: b.Services, Timeout: b.Timeout.Duration}, nil
	}
	return nil, fmt.Errorf("office %s: unknown backend type %q (available: demo, rest, zms)", o.ID, b.Type)
}

// demoInstallation is the embedded default with its fixed credentials.
func demoInstallation(backendName string) (*installation, error) {
	if backendName != "" && backendName != "demo" {
		return nil, fmt.Errorf("backend %q needs a configuration file (-config)", backendName)
	}
	hash, err := server.HashPassword("demo")
	if err != nil {
		return nil, err
	}
	b := demo.New(time.Now)
	inst := &installation{
		offices: demo.Offices(), backend: b, demo: b,
		clerks:  []server.Clerk{{User: "demo", PasswordHash: hash, Roles: server.AllRoles}},
		devices: []server.Device{{Name: "demo", Token: "demo", Role: server.RoleKiosk}, {Name: "demo-display", Token: "demo-display", Role: server.RoleDisplay}},
		notices: map[string]string{},
	}
	for _, o := range inst.offices {
		inst.notices[o.ID] = "Demo-Betrieb: Termine und Namen sind erfunden."
	}
	return inst, nil
}
