package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestCityLogin reads [auth.ldap] and [auth.oidc] with their group
// rules; a misspelt key, a rule without roles or with an unknown office,
// or a provider without its client is an error naming it.
func TestCityLogin(t *testing.T) {
	const office = "[[office]]\nid = \"mitte\"\nname = \"Mitte\"\n"
	const ldap = `
[auth.ldap]
url = "ldaps://dc.stadt.local:636"
bind_dn = "CN=lotse,OU=Dienste,DC=stadt,DC=local"
bind_password_env = "LOTSE_TEST_LDAP_PW"
base_dn = "DC=stadt,DC=local"
user_filter = "(sAMAccountName=%s)"
timeout = "3s"
[[auth.ldap.group]]
group = "CN=Lotse-Schalter,OU=Gruppen,DC=stadt,DC=local"
roles = ["clerk"]
offices = ["mitte"]
`
	const oidc = `
[auth.oidc]
issuer = "https://login.stadt.de/realms/stadt"
client_id = "lotse"
client_secret_env = "LOTSE_TEST_OIDC_SECRET"
redirect_url = "https://lotse.stadt.de/api/v1/session/oidc/callback"
groups_claim = "realm_access.roles"
[[auth.oidc.group]]
group = "lotse-leitung"
roles = ["supervisor"]
`
	tests := []struct {
		name, toml, wantErr string
	}{
		{"both", ldap + oidc, ""},
		{"misspelt key", strings.Replace(ldap, "base_dn", "basedn", 1), "basedn"},
		{"rule without roles", strings.Replace(ldap, `roles = ["clerk"]`, "", 1), "roles missing"},
		{"unknown role", strings.Replace(ldap, `roles = ["clerk"]`, `roles = ["boss"]`, 1), "unknown role"},
		{"unknown office", strings.Replace(ldap, `offices = ["mitte"]`, `offices = ["nord"]`, 1), `unknown office "nord"`},
		{"no rules", "[auth.ldap]\nurl = \"ldap://x\"\n", "no [[auth.ldap.group]]"},
		{"provider without client", strings.Replace(oidc, `client_id = "lotse"`, "", 1), "client_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "lotse.toml")
			if err := os.WriteFile(path, []byte(office+tt.toml), 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := Load(path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			l, o := f.Auth.LDAP, f.Auth.OIDC
			if l == nil || o == nil || l.UserFilter != "(sAMAccountName=%s)" || l.Timeout.Seconds() != 3 ||
				!slices.Equal(l.Groups[0].Offices, []string{"mitte"}) || o.GroupsClaim != "realm_access.roles" || o.Groups[0].Roles[0] != "supervisor" {
				t.Fatalf("read %+v %+v", l, o)
			}
			t.Setenv("LOTSE_TEST_LDAP_PW", "geheim")
			if pw, err := l.BindPassword(); err != nil || pw != "geheim" {
				t.Fatalf("bind password %q %v", pw, err)
			}
			if _, err := o.ClientSecret(); err == nil {
				t.Fatal("an empty secret variable was accepted")
			}
		})
	}
}
