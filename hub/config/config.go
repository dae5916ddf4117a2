// Package config reads an installation's TOML file: the hub's settings,
// the offices with services, counters, policy and booking backend, the
// clerk accounts and the device tokens. Secrets are never written in the
// file itself in production: they come from the environment or a file.
package config

import (
	"errors"
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
	Auth    Auth     `toml:"auth"` // the city's login: [auth.ldap], [auth.oidc]
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
	// AuditDays is how many days the audit trail (who did what at which
	// counter) is kept; 0: 90.
	AuditDays int `toml:"audit_days"`
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

	// Outcomes are what a clerk picks at finish ([[office.outcome]]);
	// none: erledigt, Unterlagen fehlen, weiterverwiesen, wird fortgesetzt.
	Outcomes []Outcome `toml:"outcome"`
	// PriorityLevels are the reasons for priority the desk chooses from,
	// e.g. { id = "schwangerschaft", name = "Schwangerschaft" }.
	PriorityLevels []PriorityLevel `toml:"priority_level"`
	// PriorityRun: at most this many priority tickets in a row at a
	// counter while a normal ticket waited PriorityYieldAfter; 0 turns the
	// alternation off; unset: 2 and 20m.
	PriorityRun        *int     `toml:"priority_run"`
	PriorityYieldAfter Duration `toml:"priority_yield_after"`
	// Closing ("18:00") stops walk-ins and, before it, admits them only
	// while the counters can serve them by then; empty: no limit.
	Closing string `toml:"closing"`
	// ExpectedNoShow is the share of booked persons expected to stay away
	// before the day has measured its own; unset: 0.1.
	ExpectedNoShow *float64 `toml:"expected_no_show"`
	// BookingURL is the online booking the kiosk points to when walk-ins
	// are full.
	BookingURL string `toml:"booking_url"`
}

// PriorityLevel is a reason for priority the desk can choose.
type PriorityLevel struct {
	ID   string `toml:"id"`
	Name string `toml:"name"`
}

// Outcome is one way a visit can end, e.g.
// { id = "referred", name = "weiterverwiesen", names = { en = "referred elsewhere" } }.
type Outcome struct {
	ID    string            `toml:"id"`
	Name  string            `toml:"name"`
	Names map[string]string `toml:"names"`
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
	// WalkInQuota caps the day's walk-in tickets of the service; 0: none.
	WalkInQuota int `toml:"walk_in_quota"`
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
	if f.Hub.AuditDays < 0 {
		return nil, fmt.Errorf("config %s: hub.audit_days %d: must not be negative", path, f.Hub.AuditDays)
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
	if err := f.checkAuth(); err != nil {
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
		for j := range o.PriorityLevels {
			nfc(&o.PriorityLevels[j].ID)
			visible(&o.PriorityLevels[j].Name)
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
	if err := o.walkInPolicy(&q); err != nil {
		return q, err
	}
	for _, s := range o.Services {
		if s.WalkInQuota < 0 {
			return q, fmt.Errorf("office %s: service %s: walk_in_quota must not be negative", o.ID, s.ID)
		}
		q.Services = append(q.Services, queue.Service{ID: s.ID, Name: s.Name, Prefix: s.Prefix, Duration: time.Duration(s.Minutes) * time.Minute, Names: s.Names,
			WalkInQuota: s.WalkInQuota})
	}
	for _, c := range o.Counters {
		q.Counters = append(q.Counters, queue.Counter{ID: c.ID, Name: c.Name, Services: c.Services})
	}
	for _, x := range o.Outcomes {
		q.Outcomes = append(q.Outcomes, queue.Outcome{ID: x.ID, Name: x.Name, Names: x.Names})
	}
	return q, q.Validate()
}

// walkInPolicy sets priority levels, the alternation, the closing time and
// the online booking of the office.
func (o Office) walkInPolicy(q *queue.Office) error {
	p := &q.Policy
	for _, l := range o.PriorityLevels {
		q.PriorityLevels = append(q.PriorityLevels, queue.PriorityLevel{ID: l.ID, Name: l.Name})
	}
	if o.PriorityRun != nil {
		p.PriorityRun = *o.PriorityRun
	}
	if o.PriorityYieldAfter.Duration > 0 {
		p.PriorityYieldAfter = o.PriorityYieldAfter.Duration
	}
	if o.ExpectedNoShow != nil {
		p.ExpectedNoShow = *o.ExpectedNoShow
	}
	if o.Closing != "" {
		at, err := time.Parse("15:04", o.Closing)
		if err != nil {
			return fmt.Errorf("office %s: closing %q: want a time of day like \"18:00\"", o.ID, o.Closing)
		}
		p.Closing = time.Duration(at.Hour())*time.Hour + time.Duration(at.Minute())*time.Minute
		if p.Closing == 0 {
			return fmt.Errorf("office %s: closing %q: midnight is no closing time; leave it out for none", o.ID, o.Closing)
		}
	}
	if o.BookingURL != "" {
		// Shown on the kiosk for people to type: a web address, nothing else.
		if u, err := url.Parse(o.BookingURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("office %s: booking_url %q: want a web address, e.g. \"https://termine.stadt.de\"", o.ID, o.BookingURL)
		}
	}
	q.BookingURL = o.BookingURL
	return nil
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

// Auth is the city's own login beside the [[clerk]] accounts: its
// directory ([auth.ldap]) and its OpenID Connect provider ([auth.oidc]).
type Auth struct {
	LDAP *LDAP `toml:"ldap"`
	OIDC *OIDC `toml:"oidc"`
}

// LDAP is the city's directory, OpenLDAP or Active Directory. Accounts
// that are not [[clerk]] entries log in with its passwords; its groups
// grant roles and offices.
type LDAP struct {
	URL                string `toml:"url"` // ldap://host:389 or ldaps://host:636
	StartTLS           bool   `toml:"start_tls"`
	InsecureSkipVerify bool   `toml:"insecure_skip_verify"`
	// UserDN binds as the user directly: "uid=%s,ou=people,dc=stadt,dc=de".
	UserDN string `toml:"user_dn"`
	// BindDN (a service account, its password from BindPasswordEnv or
	// BindPasswordFile) searches the user below BaseDN with UserFilter,
	// e.g. "(sAMAccountName=%s)".
	BindDN           string `toml:"bind_dn"`
	BindPasswordEnv  string `toml:"bind_password_env"`
	BindPasswordFile string `toml:"bind_password_file"`
	BaseDN           string `toml:"base_dn"`
	UserFilter       string `toml:"user_filter"`
	// GroupAttr lists the user's groups (default memberOf); GroupBaseDN
	// with GroupFilter ("(member=%s)") searches them instead.
	GroupAttr   string   `toml:"group_attr"`
	GroupBaseDN string   `toml:"group_base_dn"`
	GroupFilter string   `toml:"group_filter"`
	Timeout     Duration `toml:"timeout"`
	// Groups grant roles in offices to their members.
	Groups []GroupRule `toml:"group"`
}

// BindPassword returns the service account's password, or "" when the
// directory is searched without one.
func (l LDAP) BindPassword() (string, error) {
	if l.BindPasswordEnv == "" && l.BindPasswordFile == "" {
		return "", nil
	}
	return secret("ldap bind password", l.BindPasswordEnv, l.BindPasswordFile)
}

// OIDC is the city's OpenID Connect provider, e.g. a Keycloak realm.
type OIDC struct {
	Issuer           string `toml:"issuer"`
	ClientID         string `toml:"client_id"`
	ClientSecretEnv  string `toml:"client_secret_env"`
	ClientSecretFile string `toml:"client_secret_file"`
	// RedirectURL is https://HUB/api/v1/session/oidc/callback as the
	// clerks' browsers reach the hub.
	RedirectURL string   `toml:"redirect_url"`
	Scopes      []string `toml:"scopes"`
	// GroupsClaim is the ID token's claim with the groups or roles, a
	// dotted path such as "realm_access.roles"; default "groups".
	GroupsClaim string `toml:"groups_claim"`
	// UserClaim names the account; default preferred_username.
	UserClaim string `toml:"user_claim"`
	// Groups grant roles in offices to the members of the claim's groups.
	Groups []GroupRule `toml:"group"`
}

// ClientSecret returns the client's secret, or "" for a public client.
func (o OIDC) ClientSecret() (string, error) {
	if o.ClientSecretEnv == "" && o.ClientSecretFile == "" {
		return "", nil
	}
	return secret("oidc client secret", o.ClientSecretEnv, o.ClientSecretFile)
}

// GroupRule grants roles in offices (none: every office) to the members
// of a group: an LDAP group's DN or common name, an ID token's group or
// role name.
type GroupRule struct {
	Group   string   `toml:"group"`
	Roles   []string `toml:"roles"`
	Offices []string `toml:"offices"`
}

// checkAuth checks the city's login: each group rule names a group and
// known roles, and its offices exist.
func (f *File) checkAuth() error {
	offices := map[string]bool{}
	for _, o := range f.Offices {
		offices[o.ID] = true
	}
	check := func(table string, rules []GroupRule) error {
		if len(rules) == 0 {
			return fmt.Errorf("%s: no [[%s.group]]: nobody could log in (each grants roles to a group)", table, table)
		}
		for _, g := range rules {
			if g.Group == "" {
				return fmt.Errorf("%s.group: group missing", table)
			}
			if len(g.Roles) == 0 {
				return fmt.Errorf("%s.group %s: roles missing (any of clerk, desk, supervisor, admin)", table, g.Group)
			}
			for _, r := range g.Roles {
				switch r {
				case "clerk", "desk", "supervisor", "admin":
				default:
					return fmt.Errorf("%s.group %s: unknown role %q (available: clerk, desk, supervisor, admin)", table, g.Group, r)
				}
			}
			for _, o := range g.Offices {
				if !offices[o] {
					return fmt.Errorf("%s.group %s: unknown office %q", table, g.Group, o)
				}
			}
		}
		return nil
	}
	if l := f.Auth.LDAP; l != nil {
		if l.URL == "" {
			return errors.New("auth.ldap: url missing")
		}
		if err := check("auth.ldap", l.Groups); err != nil {
			return err
		}
	}
	if o := f.Auth.OIDC; o != nil {
		if o.Issuer == "" || o.ClientID == "" || o.RedirectURL == "" {
			return errors.New("auth.oidc: issuer, client_id and redirect_url are needed")
		}
		if err := check("auth.oidc", o.Groups); err != nil {
			return err
		}
	}
	return nil
}
