package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"lotse/hub/api"
	"lotse/hub/booking/demo"
	"lotse/hub/ldap"
	"lotse/hub/ldap/ldaptest"
	"lotse/hub/oidc"
)

// cityDirectory is a city's directory: anna works at the counters of
// Mitte, carl at the information desk of every office, dora belongs to
// no group of Lotse's.
const cityDirectory = `
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
memberOf: cn=Lotse Mitte Schalter,ou=groups,dc=stadt,dc=test

dn: uid=carl,ou=people,dc=stadt,dc=test
objectClass: inetOrgPerson
uid: carl
cn: Carl Cramer
sn: Cramer
userPassword: carl-pw
memberOf: cn=Lotse Info,ou=groups,dc=stadt,dc=test

dn: uid=dora,ou=people,dc=stadt,dc=test
objectClass: inetOrgPerson
uid: dora
cn: Dora Dahl
sn: Dahl
userPassword: dora-pw
memberOf: cn=Kantine,ou=groups,dc=stadt,dc=test
`

// cityRules map the directory's groups to roles and offices.
var cityRules = []GroupRule{
	{Group: "Lotse Mitte Schalter", Roles: []string{RoleClerk}, Offices: []string{demo.Mitte}},
	{Group: "cn=Lotse Info,ou=groups,dc=stadt,dc=test", Roles: []string{RoleDesk}},
}

// cityClient is a browser's HTTP side: a cookie jar, redirects followed.
type cityClient struct {
	t    *testing.T
	base string
	http *http.Client
	csrf string
}

func newCityClient(t *testing.T, base string) *cityClient {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &cityClient{t: t, base: base, http: &http.Client{Jar: jar}}
}

// do sends a JSON request and returns the status and the error code.
func (c *cityClient) do(method, path string, body any) (int, string, []byte) {
	c.t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(res.Body)
	var e api.ErrorBody
	_ = json.Unmarshal(buf.Bytes(), &e)
	if method == http.MethodPost && path == "/api/v1/session" && res.StatusCode == http.StatusOK {
		var s api.Session
		_ = json.Unmarshal(buf.Bytes(), &s)
		c.csrf = s.CSRF
	}
	return res.StatusCode, e.Error.Code, buf.Bytes()
}

func (c *cityClient) session() (api.Session, int) {
	c.t.Helper()
	status, _, body := c.do(http.MethodGet, "/api/v1/session", nil)
	var s api.Session
	_ = json.Unmarshal(body, &s)
	if status == http.StatusOK {
		c.csrf = s.CSRF
	}
	return s, status
}

// TestDirectoryLoginThroughSlapd logs in through a real OpenLDAP server:
// the directory's groups grant roles and offices, a wrong password is
// refused, and when the directory goes down the login says so while a
// clerk who is logged in goes on working (issue 15.5).
func TestDirectoryLoginThroughSlapd(t *testing.T) {
	dir := ldaptest.Start(t, cityDirectory)
	d, err := ldap.New(ldap.Config{URL: dir.URL, UserDN: "uid=%s,ou=people,dc=stadt,dc=test"})
	if err != nil {
		t.Fatal(err)
	}
	h := newTestHub(t, func(c *Config) { c.External = External{Directory: d, DirectoryRules: cityRules} })

	for _, tc := range []struct {
		name            string
		user, pass      string
		office, counter string
		status          int
		code            string
	}{
		{"clerk at a counter of her office", "anna", "anna-pw", demo.Mitte, "schalter-1", http.StatusOK, ""},
		{"clerk in another office", "anna", "anna-pw", demo.Nord, "", http.StatusForbidden, "forbidden"},
		{"wrong password", "anna", "wrong", demo.Mitte, "schalter-1", http.StatusUnauthorized, "unauthorized"},
		{"unknown account", "zoe", "x", demo.Mitte, "schalter-1", http.StatusUnauthorized, "unauthorized"},
		{"desk in every office, at the desk", "carl", "carl-pw", demo.Nord, "", http.StatusOK, ""},
		{"desk, not at a counter", "carl", "carl-pw", demo.Mitte, "schalter-2", http.StatusForbidden, "forbidden"},
		{"no group of Lotse", "dora", "dora-pw", demo.Mitte, "", http.StatusForbidden, "forbidden"},
		{"a local account beside the directory", "demo", "demo", demo.Mitte, "schalter-3", http.StatusOK, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCityClient(t, h.URL)
			status, code, body := c.do(http.MethodPost, "/api/v1/session", login(tc.office, tc.counter, tc.user, tc.pass, false))
			if status != tc.status || code != tc.code {
				t.Fatalf("login: %d %q, want %d %q: %s", status, code, tc.status, tc.code, body)
			}
			if status != http.StatusOK {
				return
			}
			s, st := c.session()
			if st != http.StatusOK || s.User != tc.user || s.Office != tc.office || s.Counter != tc.counter {
				t.Fatalf("session %d %+v", st, s)
			}
		})
	}

	// anna works at Schalter 4; then the directory goes down.
	h.WalkIn(t, demo.Mitte, demo.Personalausweis)
	h.WalkIn(t, demo.Mitte, demo.Personalausweis)
	anna := newCityClient(t, h.URL)
	if status, code, body := anna.do(http.MethodPost, "/api/v1/session", login(demo.Mitte, "schalter-4", "anna", "anna-pw", false)); status != http.StatusOK {
		t.Fatalf("login: %d %s %s", status, code, body)
	}
	next := "/api/v1/offices/" + demo.Mitte + "/counters/schalter-4/next"
	if status, code, body := anna.do(http.MethodPost, next, nil); status != http.StatusOK {
		t.Fatalf("next while the directory is up: %d %s %s", status, code, body)
	}
	dir.Stop()

	t.Run("directory down: the login says so", func(t *testing.T) {
		c := newCityClient(t, h.URL)
		status, code, body := c.do(http.MethodPost, "/api/v1/session", login(demo.Mitte, "schalter-5", "anna", "anna-pw", false))
		if status != http.StatusServiceUnavailable || code != string(codeDirectoryDown) {
			t.Fatalf("login: %d %q %s, want 503 %s", status, code, body, codeDirectoryDown)
		}
	})
	t.Run("directory down: local accounts still log in", func(t *testing.T) {
		c := newCityClient(t, h.URL)
		if status, code, body := c.do(http.MethodPost, "/api/v1/session", login(demo.Mitte, "schalter-5", "demo", "demo", false)); status != http.StatusOK {
			t.Fatalf("login: %d %q %s", status, code, body)
		}
	})
	t.Run("directory down: the logged-in clerk goes on working", func(t *testing.T) {
		if status, code, body := anna.do(http.MethodPost, "/api/v1/offices/"+demo.Mitte+"/counters/schalter-4/finish", nil); status != http.StatusOK {
			t.Fatalf("finish: %d %s %s", status, code, body)
		}
		// As after a restart: the session is read back from the database,
		// with the roles the directory granted at login.
		h.Server.sessions.mu.Lock()
		clear(h.Server.sessions.cache)
		h.Server.sessions.mu.Unlock()
		if status, code, body := anna.do(http.MethodPost, next, nil); status != http.StatusOK {
			t.Fatalf("next after the cache was dropped: %d %s %s", status, code, body)
		}
		// The roles stay those of the login: the desk's search is not hers.
		if status, _, _ := anna.do(http.MethodGet, "/api/v1/offices/"+demo.Mitte+"/appointments?q=x", nil); status != http.StatusForbidden {
			t.Fatalf("a clerk searched appointments: %d, want 403", status)
		}
	})
}

// lazyOIDC lets the test build the provider's client once the hub's
// address, which the redirect URL names, is known.
type lazyOIDC struct {
	mu sync.Mutex
	p  *oidc.Provider
}

func (l *lazyOIDC) get() *oidc.Provider {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.p
}

func (l *lazyOIDC) AuthURL(ctx context.Context, state, nonce, verifier string) (string, error) {
	return l.get().AuthURL(ctx, state, nonce, verifier)
}

func (l *lazyOIDC) Exchange(ctx context.Context, code, nonce, verifier string) (string, []string, bool, error) {
	return l.get().Exchange(ctx, code, nonce, verifier)
}

func (l *lazyOIDC) LogoutURL(postLogout string) string { return l.get().LogoutURL(postLogout) }

// oidcHub starts a hub whose city login is an OpenID Connect provider
// running in the test (mockoidc: discovery, authorization with PKCE,
// token, keys — over real HTTP).
func oidcHub(t *testing.T) (*testHub, *mockoidc.MockOIDC) {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	// mockoidc has no logout page; its discovery names one, as Keycloak's
	// does, so that the hub's logout leads there.
	if err := m.AddMiddleware(withEndSession); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	lazy := &lazyOIDC{}
	h := newTestHub(t, func(c *Config) {
		c.External = External{OIDC: lazy, OIDCRules: []GroupRule{
			{Group: "/lotse/schalter", Roles: []string{RoleClerk}, Offices: []string{demo.Mitte}},
			{Group: "lotse-leitung", Roles: []string{RoleSupervisor}},
		}}
	})
	cfg := m.Config()
	p, err := oidc.New(oidc.Config{Issuer: cfg.Issuer, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		RedirectURL: h.URL + "/api/v1/session/oidc/callback", Scopes: []string{"profile", "email", "groups"}})
	if err != nil {
		t.Fatal(err)
	}
	lazy.mu.Lock()
	lazy.p = p
	lazy.mu.Unlock()
	h.Server.external.OIDCLoggedOut = h.URL + "/counter/" // no request has run yet
	return h, m
}

// withEndSession adds an end_session_endpoint to the provider's discovery.
func withEndSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/.well-known/openid-configuration") {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		var doc map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		doc["end_session_endpoint"] = fmt.Sprint(doc["issuer"]) + "/logout"
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(doc)
	})
}

// startOIDC follows the whole redirect dance from the workplace's button
// and returns where the browser ended up.
func (c *cityClient) startOIDC(office, counter string) *url.URL {
	c.t.Helper()
	q := url.Values{"office": {office}, "counter": {counter}, "return": {"/counter/"}}
	res, err := c.http.Get(c.base + "/api/v1/session/oidc/start?" + q.Encode())
	if err != nil {
		c.t.Fatal(err)
	}
	res.Body.Close()
	return res.Request.URL
}

// TestOIDCLoginThroughProvider logs in through an OpenID Connect provider
// with the authorization code flow, PKCE and state: the ID token's groups
// grant roles and offices, a forged callback logs nobody in, a provider
// that is down is named, and logout ends the session (issue 15.5).
func TestOIDCLoginThroughProvider(t *testing.T) {
	h, m := oidcHub(t)
	for _, tc := range []struct {
		name       string
		user       *mockoidc.MockUser
		counter    string
		loginError string
		wantUser   string
	}{
		{"clerk of Mitte at a counter", &mockoidc.MockUser{Subject: "s1", PreferredUsername: "berta", Groups: []string{"lotse/schalter"}}, "schalter-1", "", "berta"},
		{"supervisor of every office", &mockoidc.MockUser{Subject: "s2", PreferredUsername: "lena", Groups: []string{"lotse-leitung", "x"}}, "schalter-2", "", "lena"},
		{"no group of Lotse", &mockoidc.MockUser{Subject: "s3", PreferredUsername: "kurt", Groups: []string{"kantine"}}, "schalter-3", "forbidden", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m.QueueUser(tc.user)
			c := newCityClient(t, h.URL)
			end := c.startOIDC(demo.Mitte, tc.counter)
			if end.Path != "/counter/" || end.Query().Get("login_error") != tc.loginError {
				t.Fatalf("ended at %s, want /counter/ with login_error %q", end, tc.loginError)
			}
			s, status := c.session()
			if tc.wantUser == "" {
				if status != http.StatusUnauthorized {
					t.Fatalf("session %d %+v, want none", status, s)
				}
				return
			}
			if status != http.StatusOK || s.User != tc.wantUser || s.Office != demo.Mitte || s.Counter != tc.counter {
				t.Fatalf("session %d %+v", status, s)
			}
			h.WalkIn(t, demo.Mitte, demo.Anmeldung)
			if status, code, body := c.do(http.MethodPost, "/api/v1/offices/"+demo.Mitte+"/counters/"+tc.counter+"/next", nil); status != http.StatusOK {
				t.Fatalf("next: %d %s %s", status, code, body)
			}
			// Logout ends the session on the hub and sends the browser to
			// the provider's logout page, which leads back to the workplace.
			status, _, body := c.do(http.MethodDelete, "/api/v1/session", nil)
			var out struct {
				LogoutURL string `json:"logoutUrl"`
			}
			_ = json.Unmarshal(body, &out)
			u, err := url.Parse(out.LogoutURL)
			if status != http.StatusOK || err != nil || !strings.HasSuffix(u.Path, "/logout") ||
				u.Query().Get("post_logout_redirect_uri") != h.URL+"/counter/" || u.Query().Get("client_id") != m.ClientID {
				t.Fatalf("logout: %d %s", status, body)
			}
			if _, status := c.session(); status != http.StatusUnauthorized {
				t.Fatalf("after logout: %d, want 401", status)
			}
		})
	}

	t.Run("a callback this browser did not start", func(t *testing.T) {
		// Another browser starts a login; its callback URL, carried to
		// this browser, must not log this one in.
		m.QueueUser(&mockoidc.MockUser{Subject: "s1", PreferredUsername: "berta", Groups: []string{"/lotse/schalter"}})
		attacker := newCityClient(t, h.URL)
		attacker.http.CheckRedirect = func(req *http.Request, via []*http.Request) error {
			if strings.HasSuffix(req.URL.Path, "/oidc/callback") {
				return http.ErrUseLastResponse
			}
			return nil
		}
		q := url.Values{"office": {demo.Mitte}, "counter": {"schalter-1"}}
		res, err := attacker.http.Get(h.URL + "/api/v1/session/oidc/start?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		callback := res.Header.Get("Location")
		if !strings.Contains(callback, "/api/v1/session/oidc/callback?") {
			t.Fatalf("provider sent the browser to %q", callback)
		}
		victim := newCityClient(t, h.URL)
		res, err = victim.http.Get(callback)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if got := res.Request.URL.Query().Get("login_error"); got != "unauthorized" {
			t.Fatalf("forged callback ended at %s, want login_error=unauthorized", res.Request.URL)
		}
		if _, status := victim.session(); status != http.StatusUnauthorized {
			t.Fatalf("a forged callback opened a session: %d", status)
		}
	})

	t.Run("provider down", func(t *testing.T) {
		if err := m.Shutdown(); err != nil {
			t.Fatal(err)
		}
		// A fresh client of the provider, as after a hub restart: the one
		// above keeps the discovered endpoints.
		h2, m2 := oidcHub(t)
		if err := m2.Shutdown(); err != nil {
			t.Fatal(err)
		}
		c := newCityClient(t, h2.URL)
		end := c.startOIDC(demo.Mitte, "schalter-1")
		if end.Path != "/counter/" || end.Query().Get("login_error") != string(codeDirectoryDown) {
			t.Fatalf("ended at %s, want /counter/?login_error=%s", end, codeDirectoryDown)
		}
	})
}

// TestGroupRules maps directory groups to roles and offices.
func TestGroupRules(t *testing.T) {
	rules := []GroupRule{
		{Group: "Lotse Mitte", Roles: []string{RoleClerk}, Offices: []string{"mitte"}},
		{Group: "lotse-nord-leitung", Roles: []string{RoleSupervisor, RoleClerk}, Offices: []string{"nord"}},
		{Group: "/lotse/info", Roles: []string{RoleDesk}},
	}
	for _, tc := range []struct {
		name    string
		groups  []string
		office  string
		roles   []string
		offices []string
	}{
		{"DN's common name", []string{"CN=Lotse Mitte,OU=Gruppen,DC=stadt,DC=local"}, "mitte", []string{RoleClerk}, []string{"mitte"}},
		{"case-insensitive", []string{"lotse mitte"}, "mitte", []string{RoleClerk}, []string{"mitte"}},
		{"roles only in their office", []string{"Lotse Mitte", "lotse-nord-leitung"}, "mitte", []string{RoleClerk}, []string{"mitte", "nord"}},
		{"supervisor in nord", []string{"Lotse Mitte", "lotse-nord-leitung"}, "nord", []string{RoleClerk, RoleSupervisor}, []string{"mitte", "nord"}},
		{"a rule of every office", []string{"lotse/info", "Lotse Mitte"}, "nord", []string{RoleDesk}, nil},
		{"no group", []string{"kantine"}, "mitte", []string{}, nil},
		{"a group's name inside another DN's value is no match", []string{"cn=Lotse Mitte Alt,dc=x"}, "mitte", []string{}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := clerkFor(rules, viaLDAP, "x", tc.groups, tc.office)
			if !slices.Equal(c.Roles, tc.roles) || !slices.Equal(c.Offices, tc.offices) || c.Roles == nil {
				t.Fatalf("roles %q offices %q, want %q %q", c.Roles, c.Offices, tc.roles, tc.offices)
			}
			// What the session keeps comes back the same, and "no role"
			// never turns into "every role".
			back, err := clerkOfAccount("x", c.account())
			if err != nil || !slices.Equal(back.Roles, c.Roles) || back.Roles == nil || !slices.Equal(back.Offices, c.Offices) {
				t.Fatalf("account round trip: %+v %v", back, err)
			}
		})
	}
}

// TestOIDCReturnStaysOnTheHub: the page to return to after the
// provider's login is a path of the hub, never another site.
func TestOIDCReturnStaysOnTheHub(t *testing.T) {
	h, _ := oidcHub(t)
	for _, tc := range []struct{ ret, want string }{
		{"/counter/desk.html", "/counter/desk.html"},
		{"https://evil.example/", "/counter/"},
		{"//evil.example/", "/counter/"},
		{"/\\evil.example/", "/counter/"},
		{"/%zz", "/counter/"},
	} {
		t.Run(tc.ret, func(t *testing.T) {
			c := newCityClient(t, h.URL)
			c.http.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			// An unknown office sends the browser straight back.
			q := url.Values{"office": {"nowhere"}, "return": {tc.ret}}
			res, err := c.http.Get(h.URL + "/api/v1/session/oidc/start?" + q.Encode())
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			u, err := url.Parse(res.Header.Get("Location"))
			if err != nil || u.Host != "" || u.Path != tc.want || u.Query().Get("login_error") != "not_found" {
				t.Fatalf("sent to %q, want %s?login_error=not_found", res.Header.Get("Location"), tc.want)
			}
		})
	}
}
