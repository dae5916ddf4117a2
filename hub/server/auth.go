package server

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"lotse/hub/queue"
	"lotse/hub/store"
)

// Roles of clerk accounts (DESIGN.md): clerk works at a counter, desk at
// the information desk (finds appointments, checks people in, hands out
// tickets), supervisor and admin may do both.
const (
	RoleClerk      = "clerk"
	RoleDesk       = "desk"
	RoleSupervisor = "supervisor"
	RoleAdmin      = "admin"
)

// AllRoles are every role of a clerk account; the demo account holds them.
var AllRoles = []string{RoleClerk, RoleDesk, RoleSupervisor, RoleAdmin}

// Device roles: a kiosk checks people in and draws tickets, a display only
// reads (its token sits in a TV's URL).
const (
	RoleKiosk   = "kiosk"
	RoleDisplay = "display"
)

// Clerk is an account of the counter workplace.
type Clerk struct {
	User         string
	PasswordHash string   // bcrypt
	Offices      []string // empty: every office
	// Roles the account holds; nil: every role. The configuration always
	// names them; nil serves programs that build a hub in code.
	Roles []string
	// Counters the account may work at; empty: every counter of its
	// offices.
	Counters []string
	// via is how an account without a [[clerk]] entry logged in (ldap,
	// oidc; external.go); "" for a local account.
	via string
}

// Device is a kiosk or display with its token.
type Device struct {
	Name   string
	Token  string
	Office string // empty: every office
	Role   string // RoleKiosk or RoleDisplay; "": kiosk
}

// Auth holds the accounts and tokens and checks credentials.
type Auth struct {
	clerks  map[string]Clerk
	devices []Device
	key     []byte // keys the session ids
	ttl     time.Duration
	dummy   []byte // bcrypt hash compared for unknown accounts

	mu       sync.Mutex
	verified map[string][32]byte // user → sha256 of the last password bcrypt accepted
}

// dummyDefault is a bcrypt hash (default cost) of a random password that
// was thrown away: unknown account names are compared against it, so they
// cost what a known one costs, without hashing at start.
const dummyDefault = "$2a$10$NdgodgIe//PvLSFzMicI1.7fM1NqRVW2LnycYVVtO4H3MvyTcPQta"

// NewAuth builds the checker. key keys the session ids; sessions last ttl.
func NewAuth(clerks []Clerk, devices []Device, key []byte, ttl time.Duration) *Auth {
	a := &Auth{clerks: map[string]Clerk{}, devices: devices, key: key, ttl: ttl, verified: map[string][32]byte{}}
	cost := 0
	for _, c := range clerks {
		a.clerks[c.User] = c
		if n, err := bcrypt.Cost([]byte(c.PasswordHash)); err == nil && n > cost {
			cost = n
		}
	}
	// An unknown name must take as long as a known one: the dummy has the
	// cost of the configured hashes, which may differ from the default.
	a.dummy = []byte(dummyDefault)
	if cost != 0 && cost != bcrypt.DefaultCost {
		if h, err := bcrypt.GenerateFromPassword([]byte(randomToken()), cost); err == nil {
			a.dummy = h
		}
	}
	if a.ttl <= 0 {
		a.ttl = 10 * time.Hour
	}
	return a
}

// HashPassword returns the bcrypt hash of a password, for configuration.
func HashPassword(password string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	return string(h), err
}

// checkPassword verifies with bcrypt once, then with a cached digest:
// clerks press "next" hundreds of times a day with Basic auth, and bcrypt
// is deliberately slow. It says nothing about offices or roles, so that a
// wrong office cannot be told from a wrong password by its time.
func (a *Auth) checkPassword(user, password string) (Clerk, bool) {
	c, ok := a.clerks[user]
	if !ok {
		_ = bcrypt.CompareHashAndPassword(a.dummy, []byte(password))
		return Clerk{}, false
	}
	digest := sha256.Sum256([]byte(password))
	a.mu.Lock()
	cached, ok := a.verified[user]
	a.mu.Unlock()
	if ok && subtle.ConstantTimeCompare(cached[:], digest[:]) == 1 {
		return c, true
	}
	if bcrypt.CompareHashAndPassword([]byte(c.PasswordHash), []byte(password)) != nil {
		return Clerk{}, false
	}
	a.mu.Lock()
	a.verified[user] = digest
	a.mu.Unlock()
	return c, true
}

// credential fingerprints a password hash: a session remembers the one it
// was opened with, and a changed hash ends it.
func credential(hash string) string {
	sum := sha256.Sum256([]byte(hash))
	return hex.EncodeToString(sum[:16])
}

// device finds the device of a token, for the office ("" when the route
// has none).
func (a *Auth) device(token, office string) (Device, bool) {
	for _, d := range a.devices {
		if subtle.ConstantTimeCompare([]byte(d.Token), []byte(token)) == 1 && (d.Office == "" || office == "" || d.Office == office) {
			return d, true
		}
	}
	return Device{}, false
}

// principal is who made a request.
type principal struct {
	clerk      string // clerk account, if a clerk
	account    Clerk
	counter    string // the counter a session was opened for
	device     string // device name, if a device
	deviceRole string
	key        string // identifies the caller for rate limits
	csrf       string // session's CSRF token (cookie sessions only)
	cookie     bool
	session    store.Session // the cookie's session

	// deviceOffice is the device's office; "" for a token of every office.
	deviceOffice string
}

func (p principal) isClerk() bool  { return p.clerk != "" }
func (p principal) isDevice() bool { return p.device != "" }

// hasRole reports whether a clerk holds one of roles.
func (p principal) hasRole(roles ...string) bool {
	if !p.isClerk() {
		return false
	}
	if p.account.Roles == nil {
		return true
	}
	for _, r := range roles {
		if slices.Contains(p.account.Roles, r) {
			return true
		}
	}
	return false
}

// atCounter reports whether a clerk may work at counter: the account's
// counters allow it, and a session opened for a counter stays there.
func (p principal) atCounter(counter string) error {
	if !p.hasRole(RoleClerk, RoleSupervisor, RoleAdmin) {
		return queue.Errorf(codeForbidden, "the account %s has no clerk role", p.clerk)
	}
	if len(p.account.Counters) > 0 && !slices.Contains(p.account.Counters, counter) {
		return queue.Errorf(codeForbidden, "the account %s may not work at counter %s", p.clerk, counter)
	}
	if p.cookie && p.counter != counter {
		// One session per counter: a session without a counter, or of
		// another counter, could close the calls of the clerk there.
		return queue.Errorf(codeUnauthorized, "logged in at another counter")
	}
	return nil
}

// officeAllowed reports whether the account may work in the office.
func (c Clerk) officeAllowed(office string) bool {
	return office == "" || len(c.Offices) == 0 || slices.Contains(c.Offices, office)
}

// canIssue reports whether the caller may check people in and draw
// tickets: kiosks and the information desk, never a display.
func (p principal) canIssue() error {
	switch {
	case p.isDevice() && p.deviceRole != RoleDisplay:
		return nil
	case p.isDevice():
		return queue.Errorf(codeForbidden, "the device %s is a display and may only read", p.device)
	case p.hasRole(RoleDesk, RoleSupervisor, RoleAdmin):
		return nil
	}
	return queue.Errorf(codeForbidden, "the account %s has no desk role", p.clerk)
}

// Error codes of access control beside the domain's; errors.go maps them.
const (
	codeForbidden    queue.Code = "forbidden"          // 403: known caller, not allowed here
	codeCounterInUse queue.Code = "counter_in_use"     // 409: another session works at the counter
	codeTakenOver    queue.Code = "session_taken_over" // 401: another login took the counter
	codeEnded        queue.Code = "session_ended"      // 401: password changed, account removed
)

// Routes a display reads with ?token= in the URL (DESIGN.md: the web
// board's WebSocket cannot set a header). Only GET routes: never a write.
const (
	routeQueue  = "GET /api/v1/offices/{office}/queue"
	routeStream = "GET /api/v1/offices/{office}/stream"
	routeEvents = "GET /api/v1/offices/{office}/events"
)

var queryTokenRoutes = map[string]bool{routeQueue: true, routeStream: true, routeEvents: true}

// identify reads the credentials of a request for the office ("" when the
// route has none). Wrong passwords are rate limited like the login form.
func (s *Server) identify(r *http.Request, office string) (principal, error) {
	if user, pass, ok := r.BasicAuth(); ok {
		c, err := s.password(r, user, pass)
		if err != nil {
			return principal{}, err
		}
		if !c.officeAllowed(office) {
			return principal{}, queue.Errorf(codeForbidden, "the account %s may not work in office %s", user, office)
		}
		return principal{clerk: user, account: c, key: "clerk:" + user}, nil
	}
	token := ""
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		token = strings.TrimSpace(h[len("Bearer "):])
	} else if t := r.URL.Query().Get("token"); t != "" {
		// A token in a URL ends up in browser histories and proxy logs,
		// and a link can carry it into a write; it is taken only where a
		// TV's browser cannot send a header: reading the board.
		if !queryTokenRoutes[r.Pattern] {
			return principal{}, queue.Errorf(codeUnauthorized, "a token in the URL is accepted only to read the stream, the queue and the events; send it as Authorization: Bearer")
		}
		token = t
	}
	if token != "" {
		d, ok := s.auth.device(token, office)
		if !ok {
			return principal{}, queue.Errorf(codeUnauthorized, "unknown device token")
		}
		role := d.Role
		if role == "" {
			role = RoleKiosk
		}
		// Keyed to the device, not its address: a kiosk gets no fresh
		// budget from another source address.
		return principal{device: d.Name, deviceRole: role, deviceOffice: d.Office, key: "device:" + d.Name}, nil
	}
	if c, err := r.Cookie(sessionCookie); err == nil {
		sess, clerk, err := s.sessions.lookup(r.Context(), c.Value)
		if err != nil {
			return principal{}, err
		}
		// A supervisor logged in at one office reads the others of the
		// account too (the manager's city overview opens each of them).
		if office != "" && sess.Office != office && (r.Method != http.MethodGet || !supervises(clerk, office)) {
			return principal{}, queue.Errorf(codeUnauthorized, "logged in at another office")
		}
		return principal{clerk: sess.User, account: clerk, counter: sess.Counter, key: "clerk:" + sess.User, csrf: sess.CSRF, cookie: true, session: sess}, nil
	}
	return principal{}, queue.Errorf(codeUnauthorized, "missing credentials")
}

// password checks a clerk's password for the login form and HTTP Basic
// alike, within the limits per account and per source address. A token
// is taken before bcrypt runs, so parallel guesses cannot slip past the
// limit, and given back when the password was right.
func (s *Server) password(r *http.Request, user, pass string) (Clerk, error) {
	slots := []slot{{s.limits.loginAccount, "account:" + user}, {s.limits.loginSource, "source:" + clientIP(r)}}
	if wait, ok := takeAll(slots...); !ok {
		return Clerk{}, rateLimitError{queue.Errorf(codeRateLimited, "too many wrong passwords; please wait"), wait}
	}
	c, ok := s.auth.checkPassword(user, pass)
	if !ok {
		return Clerk{}, queue.Errorf(codeUnauthorized, "wrong user name or password")
	}
	giveAll(slots...)
	return c, nil
}

func clientIP(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i > 0 {
		host = host[:i]
	}
	return host
}

// sameOrigin rejects cross-site requests that change state: a browser
// sends Origin on them, and cookie sessions must also carry the CSRF token.
func sameOrigin(r *http.Request, p principal) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return false
		}
	}
	if p.cookie {
		return p.csrf != "" && subtle.ConstantTimeCompare([]byte(r.Header.Get("X-CSRF-Token")), []byte(p.csrf)) == 1
	}
	return true
}

func randomToken() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
