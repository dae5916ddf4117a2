package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// officeWithout is an installation file of one office without a backend.
const officeWithout = `
[[office]]
id = "rathaus-nord"
name = "Rathaus Nord"
timezone = "Europe/Berlin"
[[office.service]]
id = "s"
name = "S"
prefix = "A"
[[office.counter]]
id = "c1"
name = "C1"
services = ["s"]
`

// TestRealConfigurationNeverFallsBackToTheDemo: an office without
// [office.backend] stops the start with its name; the operator may name a
// backend for all with -backend; an office on a demo trial gets invented
// appointments but no /demo page and no demo credentials in the banner.
func TestRealConfigurationNeverFallsBackToTheDemo(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "lotse.toml")
	if err := os.WriteFile(cfg, []byte(officeWithout), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := install(cfg, "")
	if err == nil || !strings.Contains(err.Error(), "rathaus-nord") || !strings.Contains(err.Error(), "[office.backend]") {
		t.Fatalf("install without a backend: %v; want an error naming the office and [office.backend]", err)
	}
	for _, backend := range []string{"demo"} {
		inst, err := install(cfg, backend)
		if err != nil {
			t.Fatalf("-backend %s: %v", backend, err)
		}
		if inst.demoSource() != nil {
			t.Errorf("-backend %s with an installation file has the /demo page", backend)
		}
		var banner strings.Builder
		printURLs(&banner, "http://hub:8080", inst)
		if strings.Contains(banner.String(), "/demo") || strings.Contains(banner.String(), "demo-display") || strings.Contains(banner.String(), "demo / demo") {
			t.Errorf("banner of an installation file names the demo:\n%s", banner.String())
		}
	}
	// The embedded demo keeps its page and its credentials, and the
	// banner names each address once.
	inst, err := install("", "")
	if err != nil || inst.demoSource() == nil {
		t.Fatalf("embedded demo: %v, page %v", err, inst.demoSource() != nil)
	}
	var banner strings.Builder
	printURLs(&banner, "http://hub:8080", inst)
	seen := map[string]bool{}
	for _, f := range strings.Fields(banner.String()) {
		if strings.HasPrefix(f, "http://") {
			if seen[f] {
				t.Errorf("the banner names %s twice:\n%s", f, banner.String())
			}
			seen[f] = true
		}
	}
	for _, want := range []string{"/counter/desk.html", "/demo/codes", "token=demo-display", "/manage/"} {
		if !strings.Contains(banner.String(), want) {
			t.Errorf("the banner lacks %s:\n%s", want, banner.String())
		}
	}
}
