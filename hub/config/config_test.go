package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"
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
	if o.Policy.CheckInBefore != 30*time.Minute || o.Policy.MaxRecalls != 2 || !o.Policy.BirthDateCheckIn {
		t.Fatalf("policy = %+v", o.Policy)
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
}
