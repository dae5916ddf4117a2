package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestBehindTLSProxySetting: [hub] behind_tls_proxy in the installation
// file reaches the server, so that a hub behind the documented TLS proxy
// sends Strict-Transport-Security (and a Secure session cookie, which
// hub/server tests); without it, plain HTTP stays plain.
func TestBehindTLSProxySetting(t *testing.T) {
	for _, tt := range []struct {
		setting string
		hsts    bool
	}{
		{"", false},
		{"behind_tls_proxy = true", true},
	} {
		t.Run(tt.setting, func(t *testing.T) {
			dir := t.TempDir()
			cfg := filepath.Join(dir, "lotse.toml")
			text := "[hub]\n" + tt.setting + `
[[office]]
id = "a"
name = "A"
timezone = "Europe/Berlin"
[office.backend]
type = "demo"
[[office.service]]
id = "s"
name = "S"
prefix = "A"
[[office.counter]]
id = "c1"
name = "C1"
services = ["s"]
`
			if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			addr := freeAddr(t)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				done <- run(ctx, []string{"-config", cfg, "-addr", addr, "-db", filepath.Join(dir, "lotse.db"), "-keys", filepath.Join(dir, "keys")}, io.Discard)
			}()
			t.Cleanup(func() {
				cancel()
				if err := <-done; err != nil {
					t.Errorf("hub: %v", err)
				}
			})
			var resp *http.Response
			deadline := time.Now().Add(60 * time.Second)
			for {
				var err error
				resp, err = http.Get("http://" + addr + "/healthz")
				if err == nil {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("hub did not come up: %v", err)
				}
				time.Sleep(50 * time.Millisecond) // waiting for the hub to listen, not for time to pass
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if got := resp.Header.Get("Strict-Transport-Security") != ""; got != tt.hsts {
				t.Fatalf("Strict-Transport-Security %q, want sent %v", resp.Header.Get("Strict-Transport-Security"), tt.hsts)
			}
		})
	}
}
