package server

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"lotse/hub/queue"
)

// The city's own login: accounts of its directory (LDAP, Active
// Directory) log in with the normal form, accounts of its identity
// provider (OpenID Connect, e.g. Keycloak) through the provider's page.
// Neither has a [[clerk]] entry: the groups the directory names grant
// roles and offices (GroupRule), and the session keeps them, so that a
// clerk who is logged in goes on working while the directory is down.

// Directory checks a password against the city's directory (hub/ldap).
type Directory interface {
	// Authenticate returns ok false for a wrong name or password and an
	// error only when the directory could not answer.
	Authenticate(ctx context.Context, user, password string) (groups []string, ok bool, err error)
}

// OIDCProvider is the city's OpenID Connect provider (hub/oidc).
type OIDCProvider interface {
	// AuthURL is the provider's login page for a login with state, nonce
	// and the PKCE verifier; an error means the provider is unreachable.
	AuthURL(ctx context.Context, state, nonce, verifier string) (string, error)
	// Exchange redeems the code and verifies the ID token; unavailable
	// tells an unreachable provider from a refusal.
	Exchange(ctx context.Context, code, nonce, verifier string) (user string, groups []string, unavailable bool, err error)
	// LogoutURL is the provider's logout page leading back to
	// postLogout, or "" when it has none.
	LogoutURL(postLogout string) string
}

// GroupRule grants roles to the members of a directory group, in the
// offices it names (none: every office).
type GroupRule struct {
	// Group is the group's DN (LDAP), its common name, or the name or
	// path the ID token lists ("lotse-clerks", "/lotse/clerks").
	Group   string
	Roles   []string
	Offices []string
}

// External configures the city's login; a nil Directory or OIDC is off.
type External struct {
	Directory      Directory
	DirectoryRules []GroupRule
	OIDC           OIDCProvider
	OIDCRules      []GroupRule
	// OIDCLoggedOut is where the provider's logout page leads back to,
	// the workplace's address, e.g. "https://hub.stadt.de/counter/".
	OIDCLoggedOut string
}

// codeDirectoryDown says that the city's directory or identity provider
// cannot be reached: local accounts and running sessions still work.
const codeDirectoryDown queue.Code = "directory_unavailable" // 503

// Ways an account logged in, kept in the session's account.
const (
	viaLDAP = "ldap"
	viaOIDC = "oidc"
)

// externalAccount is what a session keeps of a directory's account.
type externalAccount struct {
	Via     string   `json:"via"`
	Roles   []string `json:"roles"`
	Offices []string `json:"offices,omitempty"`
}

// account encodes a directory's account for its session; "" for a
// local account.
func (c Clerk) account() string {
	if c.via == "" {
		return ""
	}
	roles := c.Roles
	if roles == nil {
		roles = []string{} // nil would mean every role
	}
	b, _ := json.Marshal(externalAccount{Via: c.via, Roles: roles, Offices: c.Offices})
	return string(b)
}

// clerkOfAccount decodes a session's account.
func clerkOfAccount(user, account string) (Clerk, error) {
	var a externalAccount
	if err := json.Unmarshal([]byte(account), &a); err != nil {
		return Clerk{}, fmt.Errorf("session of %s: account: %w", user, err)
	}
	if a.Roles == nil {
		a.Roles = []string{}
	}
	return Clerk{User: user, Roles: a.Roles, Offices: a.Offices, via: a.Via}, nil
}

// clerkFor builds the account of a directory's user from its groups for
// a login at office: the roles of the rules for that office, and every
// office some rule names (a supervisor reads the others of the city).
// No matching rule: no role, and the login is refused.
func clerkFor(rules []GroupRule, via, user string, groups []string, office string) Clerk {
	c := Clerk{User: user, Roles: []string{}, via: via}
	every := false
	for _, r := range rules {
		if !slices.ContainsFunc(groups, func(g string) bool { return sameGroup(r.Group, g) }) {
			continue
		}
		if len(r.Offices) == 0 {
			every = true
		}
		c.Offices = append(c.Offices, r.Offices...)
		if len(r.Offices) == 0 || slices.Contains(r.Offices, office) {
			c.Roles = append(c.Roles, r.Roles...)
		}
	}
	slices.Sort(c.Roles)
	c.Roles = slices.Compact(c.Roles)
	slices.Sort(c.Offices)
	c.Offices = slices.Compact(c.Offices)
	if every {
		c.Offices = nil
	}
	return c
}

// sameGroup compares a rule's group with one the directory named: the
// whole DN, its first value ("cn=Lotse Clerks,ou=…" is "Lotse Clerks"),
// or a provider's group path with or without the leading slash. Group
// names in directories are case-insensitive.
func sameGroup(rule, g string) bool {
	if strings.EqualFold(rule, g) || strings.EqualFold(strings.TrimPrefix(rule, "/"), strings.TrimPrefix(g, "/")) {
		return true
	}
	if i := strings.IndexByte(g, '='); i > 0 {
		first := g[i+1:]
		if j := strings.IndexByte(first, ','); j >= 0 {
			first = first[:j]
		}
		return strings.EqualFold(rule, first)
	}
	return false
}

// checkLogin checks the login form's name and password: a local account
// first, else the city's directory, within the same limits per account
// and per source address.
func (s *Server) checkLogin(r *http.Request, user, pass, office string) (Clerk, error) {
	d := s.external.Directory
	if d == nil {
		return s.password(r, user, pass)
	}
	if _, local := s.auth.clerks[user]; local {
		return s.password(r, user, pass)
	}
	slots := []slot{{s.limits.loginAccount, "account:" + user}, {s.limits.loginSource, "source:" + clientIP(r)}}
	if wait, ok := takeAll(slots...); !ok {
		return Clerk{}, rateLimitError{queue.Errorf(codeRateLimited, "too many wrong passwords; please wait"), wait}
	}
	groups, ok, err := d.Authenticate(r.Context(), user, pass)
	if err != nil {
		// Not a wrong guess: the try is given back.
		giveAll(slots...)
		s.log.Warn("the directory cannot be reached", "err", err)
		return Clerk{}, queue.Errorf(codeDirectoryDown, "the city's directory cannot be reached; please try again later (clerks who are logged in go on working)")
	}
	if !ok {
		return Clerk{}, queue.Errorf(codeUnauthorized, "wrong user name or password")
	}
	giveAll(slots...)
	return clerkFor(s.external.DirectoryRules, viaLDAP, user, groups, office), nil
}

// oidcLogin is a login on its way through the provider's page.
type oidcLogin struct {
	nonce, verifier           string
	office, counter, returnTo string
	takeOver                  bool
	expires                   time.Time
	// prev is the session token the browser held at the start: the
	// provider's redirect back is cross-site and brings no Strict cookie,
	// yet the login must replace that session as the form's does.
	prev string
}

// oidcLogins holds the logins under way by state. They live in memory
// only: a hub restart in the minute a clerk spends at the provider's page
// costs one more click.
type oidcLogins struct {
	mu sync.Mutex
	m  map[string]oidcLogin
}

const (
	oidcCookie     = "lotse_oidc"
	oidcLoginTTL   = 10 * time.Minute
	oidcMaxPending = 10000 // unauthenticated starts must not fill the memory
)

func (l *oidcLogins) put(state string, x oidcLogin, now time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = map[string]oidcLogin{}
	}
	for k, v := range l.m {
		if !now.Before(v.expires) {
			delete(l.m, k)
		}
	}
	if len(l.m) >= oidcMaxPending {
		return queue.Errorf(codeRateLimited, "too many logins under way; please try again in a few minutes")
	}
	l.m[state] = x
	return nil
}

func (l *oidcLogins) take(state string, now time.Time) (oidcLogin, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	x, ok := l.m[state]
	delete(l.m, state) // a state is good for one callback
	return x, ok && now.Before(x.expires)
}

func (s *Server) externalRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /api/v1/session/options", s.loginOptions)
	m.HandleFunc("GET /api/v1/session/oidc/start", s.oidcStart)
	m.HandleFunc("GET /api/v1/session/oidc/callback", s.oidcCallback)
}

// loginOptions tells the login page which ways to log in there are.
func (s *Server) loginOptions(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]bool{"oidc": s.external.OIDC != nil, "directory": s.external.Directory != nil})
}

// localReturn accepts a path of this hub to return to after the login,
// never another site (an open redirect would lend the hub's name to a
// phishing page).
func localReturn(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n") {
		return "/counter/"
	}
	return p
}

// backWithError sends the browser back to its page with an error code for
// the login dialog.
func backWithError(w http.ResponseWriter, r *http.Request, returnTo string, code queue.Code) {
	u, err := url.Parse(returnTo)
	if err != nil {
		u = &url.URL{Path: "/counter/"}
	}
	q := u.Query()
	q.Set("login_error", string(code))
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// oidcStart begins the authorization code flow: a random state (bound
// to this browser by a cookie), a nonce and a PKCE verifier, kept on the
// hub, and off to the provider.
func (s *Server) oidcStart(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	returnTo := localReturn(q.Get("return"))
	if s.external.OIDC == nil {
		s.writeError(w, r, queue.Errorf(queue.NotFound, "no OpenID Connect provider is configured"))
		return
	}
	if _, ok := s.offices[q.Get("office")]; !ok {
		backWithError(w, r, returnTo, queue.NotFound)
		return
	}
	x := oidcLogin{nonce: randomToken(), verifier: pkceVerifier(), office: q.Get("office"), counter: q.Get("counter"),
		returnTo: returnTo, takeOver: q.Get("takeOver") == "1", expires: s.now().Add(oidcLoginTTL)}
	if ck, err := r.Cookie(sessionCookie); err == nil {
		x.prev = ck.Value
	}
	state := randomToken()
	to, err := s.external.OIDC.AuthURL(r.Context(), state, x.nonce, x.verifier)
	if err != nil {
		s.log.Warn("the identity provider cannot be reached", "err", err)
		backWithError(w, r, returnTo, codeDirectoryDown)
		return
	}
	if err := s.oidcLogins.put(state, x, s.now()); err != nil {
		backWithError(w, r, returnTo, queue.ErrorCode(err))
		return
	}
	// Lax, not Strict: the provider's redirect back is a cross-site
	// navigation, on which a Strict cookie would not come along.
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: state, Path: "/api/v1/session/oidc/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.secure(r), MaxAge: int(oidcLoginTTL.Seconds())})
	http.Redirect(w, r, to, http.StatusFound)
}

// pkceVerifier is a code verifier of RFC 7636: 32 random bytes, 43
// characters.
func pkceVerifier() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// oidcCallback finishes the flow: the state must be this browser's, the
// code is redeemed with the verifier, the ID token's groups grant the
// roles, and the session opens as after the login form.
func (s *Server) oidcCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: "", Path: "/api/v1/session/oidc/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.secure(r), MaxAge: -1})
	ck, err := r.Cookie(oidcCookie)
	state := q.Get("state")
	if s.external.OIDC == nil || err != nil || state == "" || ck.Value != state {
		// A callback this browser did not start: a forged link must not
		// log the clerk into someone else's account.
		backWithError(w, r, "/counter/", codeUnauthorized)
		return
	}
	x, ok := s.oidcLogins.take(state, s.now())
	if !ok {
		backWithError(w, r, "/counter/", codeUnauthorized)
		return
	}
	if q.Get("error") != "" || q.Get("code") == "" {
		// The clerk cancelled, or the provider refused.
		backWithError(w, r, x.returnTo, codeUnauthorized)
		return
	}
	user, groups, unavailable, err := s.external.OIDC.Exchange(r.Context(), q.Get("code"), x.nonce, x.verifier)
	if err != nil {
		s.log.Warn("OpenID Connect login failed", "err", err)
		code := codeUnauthorized
		if unavailable {
			code = codeDirectoryDown
		}
		backWithError(w, r, x.returnTo, code)
		return
	}
	c := clerkFor(s.external.OIDCRules, viaOIDC, user, groups, x.office)
	if _, err := s.openSession(w, r, c, x.office, x.counter, x.takeOver, x.prev); err != nil {
		backWithError(w, r, x.returnTo, queue.ErrorCode(err))
		return
	}
	http.Redirect(w, r, x.returnTo, http.StatusFound)
}

// oidcLogout is the provider's logout page for a session that logged in
// through it, so that the counter PC's next clerk does not find the
// previous one still logged in at the provider; "" otherwise.
func (s *Server) oidcLogout(ctx context.Context, token string) string {
	if s.external.OIDC == nil {
		return ""
	}
	sess, ok, err := s.sessions.get(ctx, s.sessions.id(token))
	if err != nil || !ok || sess.Account == "" {
		return ""
	}
	if c, err := clerkOfAccount(sess.User, sess.Account); err != nil || c.via != viaOIDC {
		return ""
	}
	return s.external.OIDC.LogoutURL(s.external.OIDCLoggedOut)
}

// writeLoggedOut is the logout's answer when the browser has a
// provider's logout page to visit.
func writeLoggedOut(w http.ResponseWriter, logoutURL string) {
	writeJSON(w, http.StatusOK, struct {
		LogoutURL string `json:"logoutUrl"`
	}{logoutURL})
}
