package server

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"lotse/hub/api"
	"lotse/hub/queue"
)

// Clerk is an account of the counter workplace.
type Clerk struct {
	User         string
	PasswordHash string   // bcrypt
	Offices      []string // empty: every office
}

// Device is a kiosk or display with its token.
type Device struct {
	Name   string
	Token  string
	Office string // empty: every office
}

// Auth holds the accounts and tokens and checks requests.
type Auth struct {
	clerks  map[string]Clerk
	devices []Device
	key     []byte // signs session cookies
	ttl     time.Duration

	mu       sync.Mutex
	verified map[string][32]byte // user → sha256 of the last password bcrypt accepted
}

// NewAuth builds the checker. key signs session cookies; sessions last ttl.
func NewAuth(clerks []Clerk, devices []Device, key []byte, ttl time.Duration) *Auth {
	a := &Auth{clerks: map[string]Clerk{}, devices: devices, key: key, ttl: ttl, verified: map[string][32]byte{}}
	for _, c := range clerks {
		a.clerks[c.User] = c
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
// is deliberately slow.
func (a *Auth) checkPassword(user, password, office string) bool {
	c, ok := a.clerks[user]
	if !ok {
		// Same cost as a real check, so that user names cannot be probed.
		_ = bcrypt.CompareHashAndPassword(dummyHash(), []byte(password))
		return false
	}
	if office != "" && len(c.Offices) > 0 && !contains(c.Offices, office) {
		return false
	}
	digest := sha256.Sum256([]byte(password))
	a.mu.Lock()
	cached, ok := a.verified[user]
	a.mu.Unlock()
	if ok && subtle.ConstantTimeCompare(cached[:], digest[:]) == 1 {
		return true
	}
	if bcrypt.CompareHashAndPassword([]byte(c.PasswordHash), []byte(password)) != nil {
		return false
	}
	a.mu.Lock()
	a.verified[user] = digest
	a.mu.Unlock()
	return true
}

var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte(randomToken()), bcrypt.DefaultCost)
	return h
})

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// principal is who made a request.
type principal struct {
	clerk   string // clerk account, if a clerk
	counter string // the counter a session was opened for
	device  string // device name, if a device
	key     string // identifies the caller for rate limits
	csrf    string // session's CSRF token (cookie sessions only)
	cookie  bool
}

func (p principal) isClerk() bool  { return p.clerk != "" }
func (p principal) isDevice() bool { return p.device != "" }

const sessionCookie = "lotse_session"

type session struct {
	User    string `json:"u"`
	Office  string `json:"o"`
	Counter string `json:"c,omitempty"`
	Expires int64  `json:"e"`
	CSRF    string `json:"x"`
}

func (a *Auth) sign(s session) string {
	body, _ := json.Marshal(s)
	mac := hmac.New(sha256.New, a.key)
	mac.Write(body)
	return base64.RawURLEncoding.EncodeToString(body) + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func (a *Auth) verify(value string, now time.Time) (session, bool) {
	var s session
	body64, sig64, ok := strings.Cut(value, ".")
	if !ok {
		return s, false
	}
	body, err1 := base64.RawURLEncoding.DecodeString(body64)
	sig, err2 := base64.RawURLEncoding.DecodeString(sig64)
	if err1 != nil || err2 != nil {
		return s, false
	}
	mac := hmac.New(sha256.New, a.key)
	mac.Write(body)
	if !hmac.Equal(sig, mac.Sum(nil)) || json.Unmarshal(body, &s) != nil || now.Unix() > s.Expires {
		return s, false
	}
	if _, ok := a.clerks[s.User]; !ok {
		return s, false
	}
	return s, true
}

// identify reads the credentials of a request for the office ("" when the
// route has none). It does not decide what the caller may do.
func (a *Auth) identify(r *http.Request, office string, now time.Time) (principal, bool) {
	if user, pass, ok := r.BasicAuth(); ok {
		if a.checkPassword(user, pass, office) {
			return principal{clerk: user, key: "clerk:" + user}, true
		}
		return principal{}, false
	}
	token := ""
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		token = strings.TrimSpace(h[len("Bearer "):])
	} else if t := r.URL.Query().Get("token"); t != "" {
		token = t
	}
	if token != "" {
		for _, d := range a.devices {
			if subtle.ConstantTimeCompare([]byte(d.Token), []byte(token)) == 1 && (d.Office == "" || office == "" || d.Office == office) {
				return principal{device: d.Name, key: "device:" + d.Name + "@" + clientIP(r)}, true
			}
		}
		return principal{}, false
	}
	if c, err := r.Cookie(sessionCookie); err == nil {
		if s, ok := a.verify(c.Value, now); ok && (office == "" || s.Office == office) {
			return principal{clerk: s.User, counter: s.Counter, key: "clerk:" + s.User, csrf: s.CSRF, cookie: true}, true
		}
	}
	return principal{}, false
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

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var req api.LoginRequest
	if err := decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	o, ok := s.offices[req.Office]
	if !ok {
		s.writeError(w, r, queue.Errorf(queue.NotFound, "unknown office %q", req.Office))
		return
	}
	if req.Counter != "" {
		if _, ok := o.office.Counter(req.Counter); !ok {
			s.writeError(w, r, queue.Errorf(queue.NotFound, "unknown counter %q", req.Counter))
			return
		}
	}
	if wait, ok := s.limiter.blocked("login:"+clientIP(r), s.now()); ok {
		s.writeError(w, r, rateLimitError{queue.Errorf(queue.RateLimited, "too many failed logins"), wait})
		return
	}
	if !s.auth.checkPassword(req.User, req.Password, req.Office) {
		s.limiter.fail("login:"+clientIP(r), s.now())
		s.writeError(w, r, queue.Errorf(queue.Unauthorized, "wrong user name or password"))
		return
	}
	sess := session{User: req.User, Office: req.Office, Counter: req.Counter, Expires: s.now().Add(s.auth.ttl).Unix(), CSRF: randomToken()}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: s.auth.sign(sess), Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: r.TLS != nil, MaxAge: int(s.auth.ttl.Seconds()),
	})
	writeJSON(w, http.StatusOK, api.Session{User: sess.User, Office: sess.Office, Counter: sess.Counter, CSRF: sess.CSRF})
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	s.pauseAtLogout(r)
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: -1})
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) whoami(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		s.writeError(w, r, queue.Errorf(queue.Unauthorized, "not logged in"))
		return
	}
	sess, ok := s.auth.verify(c.Value, s.now())
	if !ok {
		s.writeError(w, r, queue.Errorf(queue.Unauthorized, "session expired"))
		return
	}
	writeJSON(w, http.StatusOK, api.Session{User: sess.User, Office: sess.Office, Counter: sess.Counter, CSRF: sess.CSRF})
}

// limiter counts failures per caller in a sliding window: birth-date
// guessing and password guessing are slowed down, honest typos are not.
type limiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	fails  map[string][]time.Time
}

func newLimiter(max int, window time.Duration) *limiter {
	return &limiter{max: max, window: window, fails: map[string][]time.Time{}}
}

func (l *limiter) prune(key string, now time.Time) []time.Time {
	list := l.fails[key]
	i := 0
	for i < len(list) && now.Sub(list[i]) >= l.window {
		i++
	}
	list = list[i:]
	if len(list) == 0 {
		delete(l.fails, key)
	} else {
		l.fails[key] = list
	}
	return list
}

// blocked reports whether key is over the limit and how long it must wait.
func (l *limiter) blocked(key string, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	list := l.prune(key, now)
	if len(list) < l.max {
		return 0, false
	}
	return l.window - now.Sub(list[0]), true
}

func (l *limiter) fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.fails[key] = append(l.prune(key, now), now)
	if len(l.fails) > 10000 {
		// Bounded memory under a flood of distinct callers.
		for k := range l.fails {
			l.prune(k, now)
		}
	}
}
