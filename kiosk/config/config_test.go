package config

import (
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "office.toml")
	err := os.WriteFile(file, []byte(`
[hub]
addr = ":8080"

[kiosk]
hub = "http://hub.local:8080"
office = "nord"
token = "secret"
scanner = "/dev/ttyACM0"
staff_pin = "2468"
walk_ins = false
languages = ["de", "en"]
hub_timeout = "3s"
idle_timeout = "1m"
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.toml")
	if err := os.WriteFile(bad, []byte("[kiosk]\nstaff_pn = \"1\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	audio := filepath.Join(dir, "audio.toml")
	if err := os.WriteFile(audio, []byte("[kiosk]\nspeech = false\naudio_device = \"default\"\nkeypad_help = \"*\"\nkeypad_back = \"/\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	no := false
	tests := []struct {
		name    string
		args    []string
		want    Settings
		wantErr bool
	}{
		{name: "defaults", args: nil, want: Settings{Hub: DefaultHub}},
		{name: "make run", args: []string{"-hub", "http://localhost:8080", "-token", "demo", "-windowed"},
			want: Settings{Hub: "http://localhost:8080", Token: "demo", Windowed: true}},
		{name: "file", args: []string{"-config", file}, want: Settings{
			Hub: "http://hub.local:8080", Office: "nord", Token: "secret", Scanner: "/dev/ttyACM0",
			StaffPIN: "2468", WalkIns: &no, Languages: []string{"de", "en"},
			HubTimeout: 3 * time.Second, IdleTimeout: time.Minute,
		}},
		{name: "flags override file", args: []string{"-config", file, "-office", "sued", "-printer", "tcp://p:9100", "-windowed"},
			want: Settings{
				Hub: "http://hub.local:8080", Office: "sued", Token: "secret", Scanner: "/dev/ttyACM0",
				Printer: "tcp://p:9100", Windowed: true,
				StaffPIN: "2468", WalkIns: &no, Languages: []string{"de", "en"},
				HubTimeout: 3 * time.Second, IdleTimeout: time.Minute,
			}},
		{name: "audio device and keypad", args: []string{"-config", audio, "-audio-device", "plughw:CARD=Headphones,DEV=0"},
			want: Settings{Hub: DefaultHub, Speech: &no, AudioDevice: "plughw:CARD=Headphones,DEV=0", KeypadHelp: "*", KeypadBack: "/"}},
		{name: "primary and standby", args: []string{"-hub", "http://hub-a.local:8080, http://hub-b.local:8080"},
			want: Settings{Hub: "http://hub-a.local:8080, http://hub-b.local:8080"}},
		{name: "a list with a bad entry", args: []string{"-hub", "http://hub-a.local:8080,hub-b.local"}, wantErr: true},
		{name: "missing file", args: []string{"-config", filepath.Join(dir, "nope.toml")}, wantErr: true},
		{name: "misspelt setting", args: []string{"-config", bad}, wantErr: true},
		{name: "unknown flag", args: []string{"-fullscreen"}, wantErr: true},
		{name: "stray argument", args: []string{"now"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.args, io.Discard)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Parse(%q) error = %v, want error %v", tt.args, err, tt.wantErr)
			}
			if !tt.wantErr && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q)\n got %+v\nwant %+v", tt.args, got, tt.want)
			}
		})
	}
}

func TestParseExample(t *testing.T) {
	s, err := Parse([]string{"-config", filepath.Join("..", "..", "docs", "lotse.example.toml")}, io.Discard)
	if err != nil {
		t.Fatalf("the README's installation file does not load: %v", err)
	}
	if s.Hub != "http://hub.local:8080" || s.Office != "mitte" || s.StaffPIN == "" {
		t.Fatalf("settings = %+v", s)
	}
}

func TestParseStrictAboutKioskOnly(t *testing.T) {
	const typos = "[hub]\nadr = ':1'\n[display]\nlayot = 'list'\n[kiosk]\noffice = 'a'\nscaner = 'x'\n"
	p := filepath.Join(t.TempDir(), "lotse.toml")
	if err := os.WriteFile(p, []byte(typos), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Parse([]string{"-config", p}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "kiosk.scaner (line 7)") {
		t.Fatalf("error = %v, want kiosk.scaner named with line 7", err)
	}
	if strings.Contains(err.Error(), "adr") || strings.Contains(err.Error(), "layot") {
		t.Fatalf("the kiosk judged another program's table: %v", err)
	}
	if err := os.WriteFile(p, []byte(strings.Replace(typos, "scaner", "scanner", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := Parse([]string{"-config", p}, io.Discard); err != nil || s.Scanner != "x" {
		t.Fatalf("Parse = %+v, %v", s, err)
	}
}

// TestHelpListsEverySetting checks that -h names every flag and every key
// of the [kiosk] table, so that no setting is known only from the source.
func TestHelpListsEverySetting(t *testing.T) {
	var out strings.Builder
	if _, err := Parse([]string{"-h"}, &out); err != ErrHelp {
		t.Fatalf("Parse(-h) error = %v, want ErrHelp", err)
	}
	help := out.String()
	typ := reflect.TypeFor[Settings]()
	for i := range typ.NumField() {
		key := typ.Field(i).Tag.Get("toml")
		if !strings.Contains(help, "\n  "+key+"\n") {
			t.Errorf("-h does not list the file key %q:\n%s", key, help)
		}
	}
	for _, flag := range []string{"-config", "-hub", "-office", "-token", "-windowed", "-scanner", "-printer", "-camera"} {
		if !strings.Contains(help, "\n  "+flag) {
			t.Errorf("-h does not list the flag %s", flag)
		}
	}
}
