package ldap_test

import (
	"context"
	"slices"
	"testing"

	"lotse/hub/ldap"
	"lotse/hub/ldap/ldaptest"
)

// directory is a city's tree: people, a service account, and groups that
// list their members (memberOf is kept by the overlay, as in AD).
const directory = `
dn: ou=people,dc=stadt,dc=test
objectClass: organizationalUnit
ou: people

dn: ou=groups,dc=stadt,dc=test
objectClass: organizationalUnit
ou: groups

dn: uid=anna,ou=people,dc=stadt,dc=test
objectClass: inetOrgPerson
uid: anna
cn: Anna Amsel
sn: Amsel
userPassword: anna-pw
memberOf: cn=lotse-clerks,ou=groups,dc=stadt,dc=test

dn: uid=lotse-svc,ou=people,dc=stadt,dc=test
objectClass: inetOrgPerson
uid: lotse-svc
cn: Lotse
sn: Service
userPassword: svc-pw

dn: cn=lotse-clerks,ou=groups,dc=stadt,dc=test
objectClass: groupOfNames
cn: lotse-clerks
member: uid=anna,ou=people,dc=stadt,dc=test
`

const clerks = "cn=lotse-clerks,ou=groups,dc=stadt,dc=test"

func TestAuthenticateAgainstSlapd(t *testing.T) {
	srv := ldaptest.Start(t, directory)
	template := ldap.Config{URL: srv.URL, UserDN: "uid=%s,ou=people,dc=stadt,dc=test"}
	search := ldap.Config{URL: srv.URL, BindDN: "uid=lotse-svc,ou=people,dc=stadt,dc=test", BindPassword: "svc-pw",
		BaseDN: "ou=people,dc=stadt,dc=test", UserFilter: "(uid=%s)"}
	groupSearch := template
	groupSearch.GroupBaseDN = "ou=groups,dc=stadt,dc=test"
	wrongService := search
	wrongService.BindPassword = "nope"

	for _, tc := range []struct {
		name       string
		cfg        ldap.Config
		user, pass string
		ok         bool
		groups     []string
		err        bool
	}{
		{"bind by template, groups from memberOf", template, "anna", "anna-pw", true, []string{clerks}, false},
		{"search with a service account", search, "anna", "anna-pw", true, []string{clerks}, false},
		{"groups searched by member", groupSearch, "anna", "anna-pw", true, []string{clerks}, false},
		{"wrong password", template, "anna", "wrong", false, nil, false},
		{"wrong password after search", search, "anna", "wrong", false, nil, false},
		{"unknown user by template", template, "nobody", "x", false, nil, false},
		{"unknown user by search", search, "nobody", "x", false, nil, false},
		// An empty password is an anonymous bind to slapd: never a login.
		{"empty password", template, "anna", "", false, nil, false},
		// A name that would step into another branch of the tree.
		{"DN injection", template, "anna,ou=people", "anna-pw", false, nil, false},
		{"filter injection", search, "*", "anna-pw", false, nil, false},
		{"service account refused", wrongService, "anna", "anna-pw", false, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := ldap.New(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			groups, ok, err := d.Authenticate(context.Background(), tc.user, tc.pass)
			if (err != nil) != tc.err {
				t.Fatalf("err = %v, want error %v", err, tc.err)
			}
			if ok != tc.ok || !slices.Equal(groups, tc.groups) {
				t.Fatalf("ok %v groups %q, want %v %q", ok, groups, tc.ok, tc.groups)
			}
		})
	}
}

// A directory that is down is an error, not a wrong password: the login
// page must say so.
func TestDirectoryDown(t *testing.T) {
	srv := ldaptest.Start(t, directory)
	d, err := ldap.New(ldap.Config{URL: srv.URL, UserDN: "uid=%s,ou=people,dc=stadt,dc=test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := d.Authenticate(context.Background(), "anna", "anna-pw"); err != nil || !ok {
		t.Fatalf("up: ok %v err %v", ok, err)
	}
	srv.Stop()
	_, ok, err := d.Authenticate(context.Background(), "anna", "anna-pw")
	if err == nil || ok {
		t.Fatalf("down: ok %v err %v, want an error", ok, err)
	}
}

func TestNewChecksConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  ldap.Config
		ok   bool
	}{
		{"no url", ldap.Config{UserDN: "uid=%s"}, false},
		{"neither template nor search", ldap.Config{URL: "ldap://x"}, false},
		{"search without base", ldap.Config{URL: "ldap://x", BindDN: "cn=a"}, false},
		{"template without %s", ldap.Config{URL: "ldap://x", UserDN: "uid=a"}, false},
		{"template", ldap.Config{URL: "ldap://x", UserDN: "uid=%s,dc=x"}, true},
		{"search", ldap.Config{URL: "ldap://x", BindDN: "cn=a", BaseDN: "dc=x"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ldap.New(tc.cfg); (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok %v", err, tc.ok)
			}
		})
	}
}
