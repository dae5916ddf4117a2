// Package config reads an installation's TOML file: the hub's settings,
// the offices with services, counters, policy and booking backend, the
// clerk accounts and the device tokens. Secrets are never written in the
// file itself in production: they come from the environment or a file.
package config

import (
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"lotse/hub/queue"
	"lotse/internal/plaintext"
	"lotse/internal/tomlcheck"
)

// File is the TOML file.
type File struct {
	Hub     Hub      `toml:"hub"`
	Offices []Office `toml:"office"`
	Clerks  []Clerk  `toml:"clerk"`
	Devices []Device `toml:"device"`
	Backup  Backup   `toml:"backup"`
}

// Backup configures the hub's daily backup: a consistent copy of the
// database written into Dir each day at At (the hub's local time), of
// which the newest Keep stay. Without a Dir the hub makes none.
type Backup struct {
	Dir  string `toml:"dir"`
	Keep int    `toml:"keep"` // default 7
	At   string `toml:"at"`   // "HH:MM", default "02:30"
}

// Daily returns the backup time of day as the offset from midnight.
func (b Backup) Daily() (time.Duration, error) {
	at := b.At
	if at == "" {
		at = "02:30"
	}
	t, err := time.Parse("15:04", at)
	if err != nil {
		return 0, fmt.Errorf("backup.at %q: want HH:MM, e.g. \"02:30\"", b.At)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// Kept returns how many daily backups stay.
func (b Backup) Kept() int {
	if b.Keep <= 0 {
		return 7
	}
	return b.Keep
}

// Hub holds the hub's own settings; flags override them.
type Hub struct {
	Addr string `toml:"addr"`
	DB   string `toml:"db"`
	// BackendDownWarning is how long the booking backend may be unreachable
	// before /healthz and the counter workplace warn; default 15m.
	BackendDownWarning Duration `toml:"backend_down_warning"`
	// DayTurnHold is how long a new date must hold before a running hub
	// turns the day; default (unset or 0) 5m.
	DayTurnHold Duration `toml:"day_turn_hold"`
	// BehindTLSProxy says that browsers reach the hub only over HTTPS
	// through a reverse proxy that ends TLS: the session cookie is then
	// marked Secure and the hub sends Strict-Transport-Security, as it
	// does when it speaks TLS itself.
	BehindTLSProxy bool `toml:"behind_tls_proxy"`
	// PublicAddr is a second listen address that serves only the tickets'
	// status pages (/t/…) and the public waiting times (/public/…), for
	// the office's reverse proxy on the internet; empty: none.
	PublicAddr string `toml:"public_addr"`
	// PublicURL is where citizens' phones reach the status pages, e.g.
	// "https://termine.stadt.de": the link on tickets and in their QR
	// codes. Empty: the address the kiosk reached the hub at, which only
	// phones in the office's own network can open.
	PublicURL string `toml:"public_url"`
}

// Office is one office.
type Office struct {
	ID               string `toml:"id"`
	Name             string `toml:"name"`
	Timezone         string `toml:"timezone"`
	WalkIns          *bool  `toml:"walk_ins"`
	BirthDateCheckIn *bool  `toml:"birth_date_checkin"`
	LateAsWalkIn     bool   `toml:"late_as_walk_in"`
	// MissedToDesk sends a person whose ticket was missed, and who checks
	// in again, to the information desk; default: back into the line.
	MissedToDesk bool `toml:"missed_to_desk"`
	// DeskPrinter is the receipt printer of the information desk, as the
	// kiosk's printer setting: tcp://host:9100, /dev/usb/lp0 or file:PATH.
	// Without one the desk prints from the browser.
	DeskPrinter   string    `toml:"desk_printer"`
	CheckInBefore Duration  `toml:"check_in_before"`
	CheckInAfter  Duration  `toml:"check_in_after"`
	NoShowGrace   Duration  `toml:"no_show_grace"`
	MaxRecalls    *int      `toml:"max_recalls"`
	MaxWalkInWait Duration  `toml:"max_walk_in_wait"`
	Notice        string    `toml:"notice"`
	Backend       Backend   `toml:"backend"`
	Services      []Service `toml:"service"`
	Counters      []Counter `toml:"counter"`

	// WaitAlertMinutes: the manager's view raises an alert when someone
	// waits longer; 0: the hub's default (30).
	WaitAlertMinutes int `toml:"wait_alert_minutes"`
}

// Backend selects and configures the booking backend of an office.
// Credentials never stand in the file: they come from the environment
// (…_env) or a file (…_file).
type Backend struct {
	Type     string   `toml:"type"` // "demo", "rest" or "zms"
	URL      string   `toml:"url"`
	Interval Duration `toml:"interval"` // how often to pull the day
	Timeout  Duration `toml:"timeout"`  // bound on one call; default 15s
	// Office is the booking system's id of the office (rest); default the
	// office's own id.
	Office string `toml:"office"`
	// Scope is the ZMS scope ("Standort") id of the office (zms).
	Scope int `toml:"scope"`
	// AuthKeyEnv or AuthKeyFile hold the credential: the bearer token of
	// the Lotse booking protocol, the X-Authkey of a ZMS workstation login.
	AuthKeyEnv  string `toml:"auth_key_env"`
	AuthKeyFile string `toml:"auth_key_file"`
	// WebhookSecretEnv or WebhookSecretFile hold the shared secret of the
	// signed webhook; without one the hub accepts no webhook for the office.
	WebhookSecretEnv  string `toml:"webhook_secret_env"`
	WebhookSecretFile string `toml:"webhook_secret_file"`
	// Services maps the booking system's service ids to the office's
	// service ids; the key "*" catches every unlisted id.
	Services map[string]string `toml:"services"`
}

// Backend types.
const (
	BackendDemo = "demo"
	BackendREST = "rest"
	BackendZMS  = "zms"
)

// AuthKey returns the backend's credential from the environment or a
// file, or "" when none is configured.
func (b Backend) AuthKey() (string, error) {
	return secret("auth key", b.AuthKeyEnv, b.AuthKeyFile)
}

// WebhookSecret returns the webhook secret, or "" when none is configured.
func (b Backend) WebhookSecret() (string, error) {
	return secret("webhook secret", b.WebhookSecretEnv, b.WebhookSecretFile)
}

// secret reads a credential from the variable env or the file path. The
// error names where it looked, never the value.
func secret(what, env, path string) (string, error) {
	switch {
	case env != "":
		v := strings.TrimSpace(os.Getenv(env))
		if v == "" {
			return "", fmt.Errorf("%s: environment variable %s is empty", what, env)
		}
		return v, nil
	case path != "":
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("%s: %w", what, err)
		}
		v := strings.TrimSpace(string(b))
		if v == "" {
			return "", fmt.Errorf("%s: file %s is empty", what, path)
		}
		return v, nil
	}
	return "", nil
}

// Check reports configuration mistakes of an office's backend that would
// otherwise only show at the first sync.
func (b Backend) Check(office string) error {
	switch b.Type {
	case "", BackendDemo:
	case BackendREST:
		if b.URL == "" {
			return fmt.Errorf("office %s: backend rest needs a url", office)
		}
	case BackendZMS:
		if b.URL == "" || b.Scope <= 0 {
			return fmt.Errorf("office %s: backend zms needs a url and a scope", office)
		}
		if b.AuthKeyEnv == "" && b.AuthKeyFile == "" {
			return fmt.Errorf("office %s: backend zms needs auth_key_env or auth_key_file", office)
		}
	default:
		return fmt.Errorf("office %s: unknown backend type %q (available: demo, rest, zms)", office, b.Type)
	}
	return nil
}

// Service is a service of an office.
type Service struct {
	ID      string `toml:"id"`
	Name    string `toml:"name"`
	Prefix  string `toml:"prefix"`
	Minutes int    `toml:"minutes"`
	// Names are the name in the kiosk's further languages, e.g.
	// names = { en = "Registering an address", tr = "İkamet adresi kaydı" }.
	Names map[string]string `toml:"names"`
}

// Counter is a counter of an office.
type Counter struct {
	ID       string   `toml:"id"`
	Name     string   `toml:"name"`
	Services []string `toml:"services"`
}

// Clerk is a clerk account. The password is stored as a bcrypt hash.
type Clerk struct {
	User         string   `toml:"user"`
	PasswordHash string   `toml:"password_hash"`
	Offices      []string `toml:"offices"`
	// Roles: "clerk" (works at a counter), "desk" (information desk),
	// "supervisor", "admin". Required.
	Roles []string `toml:"roles"`
	// Counters the account may work at; empty: every counter.
	Counters []string `toml:"counters"`
}

// Device is a kiosk or display. Its token comes from TokenEnv (an
// environment variable) or TokenFile; Token in the file is for tests.
type Device struct {
	Name      string `toml:"name"`
	Office    string `toml:"office"`
	Token     string `toml:"token"`
	TokenEnv  string `toml:"token_env"`
	TokenFile string `toml:"token_file"`
	// Role is "kiosk" (checks in, draws tickets) or "display" (only
	// reads). Required: a display's token sits in a TV's URL.
	Role string `toml:"role"`
}

// Duration is a time.Duration written as "30m" in TOML.
type Duration struct{ time.Duration }

// UnmarshalText parses a Go duration.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("duration %q: %w", b, err)
	}
	d.Duration = v
	return nil
}

// Load reads and checks a file. The hub is strict about its own tables
// ([hub], [[office]], [[clerk]], [[device]]): an unknown key is an error
// naming the key and its line. The kiosk's and the display's tables in the
// same file are theirs to check.
func Load(path string) (*File, error) {
	var f File
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if err := tomlcheck.Decode(src, &f, "hub"); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	f.normalize()
	if len(f.Offices) == 0 {
		return nil, fmt.Errorf("config %s: no [[office]]", path)
	}
	if f.Hub.DayTurnHold.Duration < 0 {
		return nil, fmt.Errorf("config %s: hub.day_turn_hold %s: must not be negative", path, f.Hub.DayTurnHold.Duration)
	}
	if err := checkPublicURL(f.Hub.PublicURL); err != nil {
		return nil, fmt.Errorf("config %s: hub.public_url: %w", path, err)
	}
	if _, err := f.Backup.Daily(); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	if f.Backup.Keep < 0 {
		return nil, fmt.Errorf("config %s: backup.keep %d: must not be negative", path, f.Backup.Keep)
	}
	for _, o := range f.Offices {
		if err := o.Backend.Check(o.ID); err != nil {
			return nil, fmt.Errorf("config %s: %w", path, err)
		}
	}
	if err := f.checkAccess(); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return &f, nil
}

// checkPublicURL accepts an empty public_url or the base of the status
// links: http or https, a host, and nothing after the path, since every
// printed ticket's QR code carries it.
func checkPublicURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	// A path would have to be kept by every link of the page, the
	// redirect after giving a ticket up and the proxy alike: the status
	// pages live at the root of their host name.
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil ||
		strings.Trim(u.Path, "/") != "" {
		return fmt.Errorf("%q: want the base of the status links, a host name without a path, e.g. \"https://termine.stadt.de\"", s)
	}
	return nil
}

// normalize brings the file's text to Unicode NFC: names of offices,
// services and counters, notices, and the ids and user names that are
// compared with what browsers and booking systems send. A name typed on
// one system and pasted into the file from another may hold "u" + U+0308
// instead of "ü": it would print as two characters or "?" on the ticket
// printer and be a different string in every comparison. What a person
// sees or a printer prints (names, prefixes, notices) is cleaned by the
// hub's one rule (plaintext.Clean): no invisible or bidi characters, one
// line. Paths, URLs and secrets are left as written.
func (f *File) normalize() {
	nfc := func(s *string) { *s = norm.NFC.String(*s) }
	visible := func(s *string) { *s = plaintext.Clean(*s) }
	nfcAll := func(l []string) {
		for i := range l {
			nfc(&l[i])
		}
	}
	for i := range f.Offices {
		o := &f.Offices[i]
		nfc(&o.ID)
		visible(&o.Name)
		visible(&o.Notice)
		nfc(&o.Backend.Office)
		if m := o.Backend.Services; m != nil {
			o.Backend.Services = make(map[string]string, len(m))
			for k, v := range m {
				o.Backend.Services[norm.NFC.String(k)] = norm.NFC.String(v)
			}
		}
		for j := range o.Services {
			sv := &o.Services[j]
			nfc(&sv.ID)
			visible(&sv.Name)
			visible(&sv.Prefix)
			for lang, name := range sv.Names {
				sv.Names[lang] = plaintext.Clean(name)
			}
		}
		for j := range o.Counters {
			c := &o.Counters[j]
			nfc(&c.ID)
			visible(&c.Name)
			nfcAll(c.Services)
		}
	}
	for i := range f.Clerks {
		nfc(&f.Clerks[i].User)
		nfcAll(f.Clerks[i].Offices)
	}
	for i := range f.Devices {
		nfc(&f.Devices[i].Name)
		nfc(&f.Devices[i].Office)
	}
}

// QueueOffice turns the office's settings into the domain's office, with
// the policy defaults of the design where the file is silent.
func (o Office) QueueOffice() (queue.Office, error) {
	q := queue.Office{ID: o.ID, Name: o.Name, Policy: queue.DefaultPolicy()}
	if o.Timezone != "" {
		loc, err := time.LoadLocation(o.Timezone)
		if err != nil {
			return q, fmt.Errorf("office %s: timezone: %w", o.ID, err)
		}
		q.Location = loc
	}
	p := &q.Policy
	if o.WalkIns != nil {
		p.WalkIns = *o.WalkIns
	}
	if o.BirthDateCheckIn != nil {
		p.BirthDateCheckIn = *o.BirthDateCheckIn
	}
	if o.Backend.Type == BackendZMS {
		// ZMS keeps no birth dates: a kiosk offering birth-date check-in
		// would only ever answer "not found".
		if o.BirthDateCheckIn != nil && *o.BirthDateCheckIn {
			return q, fmt.Errorf("office %s: birth_date_checkin needs birth dates, which ZMS does not have", o.ID)
		}
		p.BirthDateCheckIn = false
	}
	p.LateAsWalkIn = o.LateAsWalkIn
	p.MissedToDesk = o.MissedToDesk
	for _, d := range []struct {
		src Duration
		dst *time.Duration
	}{{o.CheckInBefore, &p.CheckInBefore}, {o.CheckInAfter, &p.CheckInAfter}, {o.NoShowGrace, &p.NoShowGrace}, {o.MaxWalkInWait, &p.MaxWalkInWait}} {
		if d.src.Duration > 0 {
			*d.dst = d.src.Duration
		}
	}
	if o.MaxRecalls != nil {
		p.MaxRecalls = *o.MaxRecalls
	}
	if o.WaitAlertMinutes < 0 {
		return q, fmt.Errorf("office %s: wait_alert_minutes must not be negative", o.ID)
	}
	for _, s := range o.Services {
		q.Services = append(q.Services, queue.Service{ID: s.ID, Name: s.Name, Prefix: s.Prefix, Duration: time.Duration(s.Minutes) * time.Minute, Names: s.Names})
	}
	for _, c := range o.Counters {
		q.Counters = append(q.Counters, queue.Counter{ID: c.ID, Name: c.Name, Services: c.Services})
	}
	return q, q.Validate()
}

// ResolveToken returns the device's token from the environment or a file.
func (d Device) ResolveToken() (string, error) {
	switch {
	case d.TokenEnv != "":
		t := os.Getenv(d.TokenEnv)
		if t == "" {
			return "", fmt.Errorf("device %s: environment variable %s is empty", d.Name, d.TokenEnv)
		}
		return t, nil
	case d.TokenFile != "":
		b, err := os.ReadFile(d.TokenFile)
		if err != nil {
			return "", fmt.Errorf("device %s: token file: %w", d.Name, err)
		}
		return strings.TrimSpace(string(b)), nil
	case d.Token != "":
		return d.Token, nil
	}
	return "", fmt.Errorf("device %s: no token, token_env or token_file", d.Name)
}

// checkAccess demands a role for every device and account: a missing one
// would either lock people out or let a display's token draw tickets.
func (f *File) checkAccess() error {
	for _, d := range f.Devices {
		if d.Role != "kiosk" && d.Role != "display" {
			return fmt.Errorf("device %s: role must be \"kiosk\" or \"display\", not %q", d.Name, d.Role)
		}
	}
	for _, c := range f.Clerks {
		if len(c.Roles) == 0 {
			return fmt.Errorf("clerk %s: roles missing (any of clerk, desk, supervisor, admin)", c.User)
		}
		for _, r := range c.Roles {
			switch r {
			case "clerk", "desk", "supervisor", "admin":
			default:
				return fmt.Errorf("clerk %s: unknown role %q (available: clerk, desk, supervisor, admin)", c.User, r)
			}
		}
	}
	return nil
}
