// Package config reads an installation's TOML file: the hub's settings,
// the offices with services, counters, policy and booking backend, the
// clerk accounts and the device tokens. Secrets are never written in the
// file itself in production: they come from the environment or a file.
package config

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"lotse/hub/queue"
)

// File is the TOML file.
type File struct {
	Hub     Hub      `toml:"hub"`
	Offices []Office `toml:"office"`
	Clerks  []Clerk  `toml:"clerk"`
	Devices []Device `toml:"device"`
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
}

// Office is one office.
type Office struct {
	ID               string    `toml:"id"`
	Name             string    `toml:"name"`
	Timezone         string    `toml:"timezone"`
	WalkIns          *bool     `toml:"walk_ins"`
	BirthDateCheckIn *bool     `toml:"birth_date_checkin"`
	LateAsWalkIn     bool      `toml:"late_as_walk_in"`
	CheckInBefore    Duration  `toml:"check_in_before"`
	CheckInAfter     Duration  `toml:"check_in_after"`
	NoShowGrace      Duration  `toml:"no_show_grace"`
	MaxRecalls       *int      `toml:"max_recalls"`
	MaxWalkInWait    Duration  `toml:"max_walk_in_wait"`
	Notice           string    `toml:"notice"`
	Backend          Backend   `toml:"backend"`
	Services         []Service `toml:"service"`
	Counters         []Counter `toml:"counter"`
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
}

// Device is a kiosk or display. Its token comes from TokenEnv (an
// environment variable) or TokenFile; Token in the file is for tests.
type Device struct {
	Name      string `toml:"name"`
	Office    string `toml:"office"`
	Token     string `toml:"token"`
	TokenEnv  string `toml:"token_env"`
	TokenFile string `toml:"token_file"`
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

// Load reads and checks a file.
func Load(path string) (*File, error) {
	var f File
	md, err := toml.DecodeFile(path, &f)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	if un := md.Undecoded(); len(un) > 0 {
		keys := make([]string, len(un))
		for i, k := range un {
			keys[i] = k.String()
		}
		return nil, fmt.Errorf("config %s: unknown keys: %s", path, strings.Join(keys, ", "))
	}
	if len(f.Offices) == 0 {
		return nil, fmt.Errorf("config %s: no [[office]]", path)
	}
	if f.Hub.DayTurnHold.Duration < 0 {
		return nil, fmt.Errorf("config %s: hub.day_turn_hold %s: must not be negative", path, f.Hub.DayTurnHold.Duration)
	}
	for _, o := range f.Offices {
		if err := o.Backend.Check(o.ID); err != nil {
			return nil, fmt.Errorf("config %s: %w", path, err)
		}
	}
	return &f, nil
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
