package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"lotse/hub/ldap/ldaptest"
)

// TestCityLoginSettings: [auth.ldap] and [auth.oidc] of the installation
// file reach the server: a directory account logs in through a real
// slapd with the roles its group grants, and the login page learns that
// a provider's button is to be shown.
func TestCityLoginSettings(t *testing.T) {
	dir := ldaptest.Start(t, `
dn: ou=people,dc=stadt,dc=test
objectClass: organizationalUnit
ou: people

dn: uid=lotse,ou=people,dc=stadt,dc=test
objectClass: inetOrgPerson
uid: lotse
cn: Lotse
sn: Dienst
userPassword: dienst-pw

dn: uid=anna,ou=people,dc=stadt,dc=test
objectClass: inetOrgPerson
uid: anna
cn: Anna
sn: Amsel
userPassword: anna-pw
memberOf: cn=Lotse Schalter,ou=groups,dc=stadt,dc=test
`)
	tmp := t.TempDir()
	pwFile := filepath.Join(tmp, "ldap-pw")
	if err := os.WriteFile(pwFile, []byte("dienst-pw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(tmp, "lotse.toml")
	text := `
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

[auth.ldap]
url = "` + dir.URL + `"
bind_dn = "uid=lotse,ou=people,dc=stadt,dc=test"
bind_password_file = "` + pwFile + `"
base_dn = "dc=stadt,dc=test"
user_filter = "(uid=%s)"
[[auth.ldap.group]]
group = "Lotse Schalter"
roles = ["clerk"]
offices = ["a"]

[auth.oidc]
issuer = "http://127.0.0.1:1/realms/stadt"
client_id = "lotse"
redirect_url = "http://lotse.test/api/v1/session/oidc/callback"
[[auth.oidc.group]]
group = "lotse"
roles = ["clerk"]
`
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-config", cfg, "-addr", addr, "-db", filepath.Join(tmp, "lotse.db"), "-keys", filepath.Join(tmp, "keys")}, io.Discard)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("hub: %v", err)
		}
	})
	base := "http://" + addr
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("hub did not come up: %v", err)
		}
		time.Sleep(50 * time.Millisecond) // waiting for the hub to listen, not for time to pass
	}

	resp, err := http.Get(base + "/api/v1/session/options")
	if err != nil {
		t.Fatal(err)
	}
	var opts map[string]bool
	_ = json.NewDecoder(resp.Body).Decode(&opts)
	resp.Body.Close()
	if !opts["oidc"] || !opts["directory"] {
		t.Fatalf("login options %v, want the provider and the directory", opts)
	}

	for _, tc := range []struct {
		pass   string
		status int
	}{{"wrong", http.StatusUnauthorized}, {"anna-pw", http.StatusOK}} {
		body, _ := json.Marshal(map[string]string{"user": "anna", "password": tc.pass, "office": "a", "counter": "c1"})
		resp, err := http.Post(base+"/api/v1/session", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Fatalf("login with %q: %d %s, want %d", tc.pass, resp.StatusCode, b, tc.status)
		}
	}
}
