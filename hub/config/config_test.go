package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"lotse/internal/tomlcheck"
)

func TestExampleLoads(t *testing.T) {
	f, err := Load(filepath.Join("..", "..", "docs", "lotse.example.toml"))
	if err != nil {
		t.Fatal(err)
	}
	o, err := f.Offices[0].QueueOffice()
	if err != nil {
		t.Fatal(err)
	}
	if o.Name != "Bürgerbüro Mitte" || len(o.Services) != 2 || len(o.Counters) != 2 || o.Location.String() != "Europe/Berlin" {
		t.Fatalf("office = %+v", o)
	}
	if len(o.Outcomes) != 2 || o.Outcomes[1].ID != "documents_missing" || o.Outcomes[1].Names["en"] != "documents missing" {
		t.Fatalf("outcomes = %+v", o.Outcomes)
	}
	if nord, _ := f.Offices[1].QueueOffice(); len(nord.OutcomeList()) != 4 {
		t.Fatalf("an office without outcomes gets %+v, want the four defaults", nord.OutcomeList())
	}
	if o.Services[0].Names["tr"] != "İkamet adresi kaydı" {
		t.Fatalf("service names = %v", o.Services[0].Names)
	}
	if o.Policy.CheckInBefore != 30*time.Minute || o.Policy.MaxRecalls != 2 || !o.Policy.BirthDateCheckIn {
		t.Fatalf("policy = %+v", o.Policy)
	}
	b := f.Offices[0].Backend
	if b.Type != BackendREST || b.URL == "" || b.Interval.Duration != time.Minute || b.Services["AN-01"] != "anmeldung" {
		t.Fatalf("rest backend = %+v", b)
	}
	t.Setenv("LOTSE_BOOKING_TOKEN", "b-token")
	t.Setenv("LOTSE_BOOKING_WEBHOOK_SECRET", "w-secret")
	if k, err := b.AuthKey(); err != nil || k != "b-token" {
		t.Fatalf("auth key = %q, %v", k, err)
	}
	if s, err := b.WebhookSecret(); err != nil || s != "w-secret" {
		t.Fatalf("webhook secret = %q, %v", s, err)
	}
	nord, err := f.Offices[1].QueueOffice()
	if err != nil {
		t.Fatal(err)
	}
	if z := f.Offices[1].Backend; z.Type != BackendZMS || z.Scope != 141 || z.Services["120686"] != "anmeldung" || nord.Policy.BirthDateCheckIn {
		t.Fatalf("zms office = %+v, policy %+v: want scope 141 and no birth-date check-in", z, nord.Policy)
	}
	t.Setenv("LOTSE_TOKEN_KIOSK_FOYER", "k-token")
	if tok, err := f.Devices[0].ResolveToken(); err != nil || tok != "k-token" {
		t.Fatalf("token = %q, %v", tok, err)
	}
}

func TestBadFiles(t *testing.T) {
	tests := []struct{ name, text string }{
		{"unknown key", "[[office]]\nid='a'\nname='A'\ncolour='red'\n"},
		{"no office", "[hub]\naddr=':1'\n"},
		{"bad duration", "[[office]]\nid='a'\ncheck_in_before='soon'\n"},
		{"unknown backend", "[[office]]\nid='a'\n[office.backend]\ntype='magic'\n"},
		{"rest without url", "[[office]]\nid='a'\n[office.backend]\ntype='rest'\n"},
		{"zms without scope", "[[office]]\nid='a'\n[office.backend]\ntype='zms'\nurl='http://z'\nauth_key_env='K'\n"},
		{"zms without credential", "[[office]]\nid='a'\n[office.backend]\ntype='zms'\nurl='http://z'\nscope=1\n"},
		{"public_url with a path", "[hub]\npublic_url='https://stadt.de/lotse/'\n[[office]]\nid='a'\n[office.backend]\ntype='demo'\n"},
		{"public_url without a host", "[hub]\npublic_url='termine.stadt.de'\n[[office]]\nid='a'\n[office.backend]\ntype='demo'\n"},
		{"public_url ftp", "[hub]\npublic_url='ftp://termine.stadt.de'\n[[office]]\nid='a'\n[office.backend]\ntype='demo'\n"},
		{"negative audit_days", "[hub]\naudit_days=-1\n[[office]]\nid='a'\n[office.backend]\ntype='demo'\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "c.toml")
			if err := os.WriteFile(p, []byte(tt.text), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := Load(p); err == nil {
				t.Fatal("loaded a bad file")
			}
		})
	}
	bad := Office{ID: "a", Services: []Service{{ID: "s", Prefix: "A"}}, Counters: []Counter{{ID: "c", Services: []string{"x"}}}}
	if _, err := bad.QueueOffice(); err == nil {
		t.Fatal("a counter serving an unknown service was accepted")
	}
	for _, outcomes := range [][]Outcome{{{ID: "done", Name: "erledigt"}, {ID: "done", Name: "fertig"}}, {{ID: "", Name: "x"}}, {{ID: "x", Name: " "}}, {{ID: "x", Name: "x", Names: map[string]string{"English": "x"}}}} {
		bad := Office{ID: "a", Services: []Service{{ID: "s", Prefix: "A"}}, Outcomes: outcomes}
		if _, err := bad.QueueOffice(); err == nil {
			t.Errorf("outcomes %+v were accepted", outcomes)
		}
	}
	for _, names := range []map[string]string{{"English": "Registration"}, {"en": " "}, {"EN": "Registration"}} {
		bad := Office{ID: "a", Services: []Service{{ID: "s", Prefix: "A", Names: names}}}
		if _, err := bad.QueueOffice(); err == nil {
			t.Errorf("service names %q were accepted", names)
		}
	}
}

func TestBackendSecrets(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "key")
	if err := os.WriteFile(file, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("LOTSE_TEST_KEY", "from-env")
	t.Setenv("LOTSE_TEST_EMPTY", "")
	tests := []struct {
		name    string
		b       Backend
		want    string
		wantErr bool
	}{
		{"env", Backend{AuthKeyEnv: "LOTSE_TEST_KEY"}, "from-env", false},
		{"file", Backend{AuthKeyFile: file}, "from-file", false},
		{"none", Backend{}, "", false},
		{"empty env", Backend{AuthKeyEnv: "LOTSE_TEST_EMPTY"}, "", true},
		{"empty file", Backend{AuthKeyFile: empty}, "", true},
		{"missing file", Backend{AuthKeyFile: filepath.Join(dir, "nope")}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.b.AuthKey()
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Fatalf("AuthKey = %q, %v", got, err)
			}
			if err != nil && (strings.Contains(err.Error(), "from-")) {
				t.Fatalf("the error shows the secret: %v", err)
			}
		})
	}
	yes := true
	zmsOffice := Office{ID: "z", BirthDateCheckIn: &yes, Backend: Backend{Type: BackendZMS}}
	if _, err := zmsOffice.QueueOffice(); err == nil {
		t.Fatal("a ZMS office with birth-date check-in was accepted")
	}
}

// typos is an installation file with one misspelt key in a table of each
// program; each program must name its own, with the line, and no other.
const typos = `[hub]
adr = ":1"
[[office]]
id = "a"
name = "A"
[kiosk]
scaner = "/dev/ttyACM0"
[display]
layot = "list"
`

func TestStrictAboutOwnTablesOnly(t *testing.T) {
	p := filepath.Join(t.TempDir(), "lotse.toml")
	if err := os.WriteFile(p, []byte(typos), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(p)
	if err == nil || !strings.Contains(err.Error(), "hub.adr (line 2)") {
		t.Fatalf("error = %v, want hub.adr named with line 2", err)
	}
	if strings.Contains(err.Error(), "scaner") || strings.Contains(err.Error(), "layot") {
		t.Fatalf("the hub judged another program's table: %v", err)
	}
	fixed := strings.Replace(typos, "adr", "addr", 1)
	if err := os.WriteFile(p, []byte(fixed), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(p); err != nil {
		t.Fatalf("the kiosk's and display's tables stopped the hub: %v", err)
	}
	if err := os.WriteFile(p, []byte(fixed+"[[office.counter]]\nid = 'c'\nservice = ['x']\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(p); err == nil || !strings.Contains(err.Error(), "office.counter.service (line 12)") {
		t.Fatalf("error = %v, want office.counter.service named with line 12", err)
	}
}

func TestNormalizesTextToNFC(t *testing.T) {
	// "ü" written as u + U+0308, as some editors and pastes produce it.
	const u = "u\u0308"
	text := `[[office]]
id = "mitte"
name = "B` + u + `rgerb` + u + `ro"
notice = "Gr` + u + `ße"
  [office.backend]
  services = { "T` + u + `V" = "f` + u + `hrung" }
  [[office.service]]
  id = "f` + u + `hrung"
  name = "F` + u + `hrungszeugnis"
  prefix = "F"
  names = { en = "F` + u + `hrung" }
  [[office.counter]]
  id = "t` + u + `r-1"
  name = "T` + u + `r 1"
  services = ["f` + u + `hrung"]
[[clerk]]
user = "m` + u + `ller"
offices = ["mitte"]
roles = ["clerk"]
`
	p := filepath.Join(t.TempDir(), "lotse.toml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	o := f.Offices[0]
	for _, got := range []struct{ got, want string }{
		{o.Name, "Bürgerbüro"},
		{o.Notice, "Grüße"},
		{o.Backend.Services["TüV"], "führung"},
		{o.Services[0].ID, "führung"},
		{o.Services[0].Name, "Führungszeugnis"},
		{o.Services[0].Names["en"], "Führung"},
		{o.Counters[0].ID, "tür-1"},
		{o.Counters[0].Name, "Tür 1"},
		{o.Counters[0].Services[0], "führung"},
		{f.Clerks[0].User, "müller"},
	} {
		if got.got != got.want {
			t.Errorf("%q (% x), want %q (NFC)", got.got, got.got, got.want)
		}
	}
}

// TestCleansVisibleText: names, prefixes and notices are what a person
// sees and the printer prints; invisible and bidi characters in them
// would print as '?' or show text reversed, so the file's text is cleaned
// by the hub's one rule. Ids keep their characters (they are compared).
func TestCleansVisibleText(t *testing.T) {
	text := `[[office]]
id = "mitte"
name = "\u202eB\u00fcrgerb\u00fcro\u202c"
notice = "Bitte\u00a0 Nummer\nbeachten\ufeff"
  [[office.service]]
  id = "pass"
  name = "Pass\u00adantrag\u200d"
  prefix = "\u200bP"
  names = { en = "Pass\u2066port\u2069" }
  [[office.counter]]
  id = "schalter-2"
  name = "Sch\u00e4lter\u200b 2"
  services = ["pass"]
`
	p := filepath.Join(t.TempDir(), "lotse.toml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	o := f.Offices[0]
	for _, got := range []struct{ what, got, want string }{
		{"office name", o.Name, "Bürgerbüro"},
		{"notice", o.Notice, "Bitte Nummer beachten"},
		{"service name", o.Services[0].Name, "Passantrag"},
		{"prefix", o.Services[0].Prefix, "P"},
		{"translated service name", o.Services[0].Names["en"], "Passport"},
		{"counter name", o.Counters[0].Name, "Schälter 2"},
	} {
		if got.got != got.want {
			t.Errorf("%s = %q, want %q", got.what, got.got, got.want)
		}
	}
}

// TestTablesRegistered: the kiosk and the display reject top-level tables
// no program owns, so every table of the hub's File must be registered as
// the hub's in tomlcheck.Tables.
func TestTablesRegistered(t *testing.T) {
	ft := reflect.TypeFor[File]()
	for i := range ft.NumField() {
		name, _, _ := strings.Cut(ft.Field(i).Tag.Get("toml"), ",")
		if owner := tomlcheck.Tables[name]; owner != "hub" {
			t.Errorf("table [%s] is the hub's but tomlcheck.Tables says %q: kiosks and displays would reject the file", name, owner)
		}
	}
}
