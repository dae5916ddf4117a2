package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"lotse/hub/api"
	"lotse/hub/queue"
	"lotse/hub/store"
)

const sessionCookie = "lotse_session"

// Why a session ended; the page of an ended session tells the clerk.
const (
	endLogout          = "logout"
	endTakenOver       = "taken_over"
	endReplaced        = "replaced" // a new login in the same browser
	endPasswordChanged = "password_changed"
	endAccountRemoved  = "account_removed"
)

// sessions keeps clerk sessions on the hub: the cookie carries only a
// random token, the database its session, so that the hub can end a
// session (logout, password change, removed account, takeover), also
// across a restart.
type sessions struct {
	db   SessionStore
	auth *Auth
	now  func() time.Time

	login sync.Mutex // one login at a time decides who holds a counter

	mu    sync.Mutex
	cache map[string]store.Session // by id; the database is the truth
	// staffed: the live sessions whose counter the office loop was told
	// of in this run (a restarted hub is told again by their next request).
	staffed map[string]bool
	// present tells the office loop that a session at a counter is live
	// or ended, so that a counter nobody works at holds no tickets.
	present func(ctx context.Context, s store.Session, live bool)
	// lease tells the office loop until when a session's counter counts
	// as staffed; streams counts each session's open workplace streams.
	lease   func(ctx context.Context, s store.Session, until time.Time)
	streams map[string]int
	// atCounter holds, per office and counter, the sessions that have not
	// ended, read from the database once and then kept by open and end,
	// the only ways a session starts or ends. HTTP Basic asks it on every
	// action ("is the counter held by another login?"), and a database
	// read there cost a fifth of a call's time. gen counts the changes,
	// so that a read racing a change is not kept.
	atCounter map[counterKey][]store.Session
	gen       uint64
}

type counterKey struct{ office, counter string }

func newSessions(db SessionStore, auth *Auth, now func() time.Time) *sessions {
	return &sessions{db: db, auth: auth, now: now, cache: map[string]store.Session{}, staffed: map[string]bool{}, streams: map[string]int{},
		atCounter: map[counterKey][]store.Session{}}
}

// tell tells the office loop of a session at a counter, once per run
// while it lives.
func (m *sessions) tell(ctx context.Context, s store.Session, live bool) {
	if s.Counter == "" || m.present == nil {
		return
	}
	m.mu.Lock()
	told := m.staffed[s.ID]
	if live {
		m.staffed[s.ID] = true
	} else {
		delete(m.staffed, s.ID)
	}
	m.mu.Unlock()
	if live != told {
		m.present(ctx, s, live)
	}
}

// streamGrace is how long a counter stays staffed after the last
// workplace stream of its session closed: a reload or a network blip
// reconnects within seconds (the pages' backoff tops out at 10 s), a
// closed browser frees the counter within minutes instead of at the
// session's expiry hours later.
const streamGrace = 2 * time.Minute

// watching counts the open workplace streams of a session at a counter.
// The first staffs the counter until the session expires (again, after a
// closed browser's lease ran out); when the last closes, the lease
// shrinks to streamGrace, and the loop's sweep unstaffs the counter if
// no stream returns.
func (m *sessions) watching(ctx context.Context, s store.Session, delta int) {
	if s.Counter == "" || m.lease == nil {
		return
	}
	m.mu.Lock()
	m.streams[s.ID] += delta
	n := m.streams[s.ID]
	if n <= 0 {
		delete(m.streams, s.ID)
	}
	if delta > 0 {
		m.staffed[s.ID] = true
	}
	m.mu.Unlock()
	switch {
	case delta > 0 && n == 1:
		m.lease(ctx, s, s.Expires)
	case delta < 0 && n <= 0:
		m.lease(ctx, s, m.now().Add(streamGrace))
	}
}

// leaseCounter is sessions.lease for the server's office loops.
func (s *Server) leaseCounter(ctx context.Context, sess store.Session, until time.Time) {
	o, ok := s.offices[sess.Office]
	if !ok || ctx.Err() != nil {
		// A stream that ends because the hub stops leases nothing.
		return
	}
	if err := o.loop.Staff(ctx, sess.ID, sess.Counter, until); err != nil {
		// The stream's end or start stands; the session's expiry, a
		// logout or the next stream still tell the loop.
		s.log.Warn("could not tell the office who works at a counter", "office", sess.Office, "counter", sess.Counter, "err", err)
	}
}

// present is sessions.present for the server's office loops.
func (s *Server) present(ctx context.Context, sess store.Session, live bool) {
	o, ok := s.offices[sess.Office]
	if !ok {
		return
	}
	var err error
	if live {
		err = o.loop.Staff(ctx, sess.ID, sess.Counter, sess.Expires)
	} else {
		err = o.loop.Unstaff(ctx, sess.ID)
	}
	if err != nil {
		// The session stands; the next request (or the expiry) tells
		// the loop again.
		s.log.Warn("could not tell the office who works at a counter", "office", sess.Office, "counter", sess.Counter, "err", err)
	}
}

// id is the keyed hash under which a token's session is stored.
func (m *sessions) id(token string) string {
	mac := hmac.New(sha256.New, m.auth.key)
	mac.Write([]byte(token))
	return hex.EncodeToString(mac.Sum(nil))
}

func (m *sessions) get(ctx context.Context, id string) (store.Session, bool, error) {
	m.mu.Lock()
	s, ok := m.cache[id]
	m.mu.Unlock()
	if ok {
		return s, true, nil
	}
	s, ok, err := m.db.Session(ctx, id)
	if err != nil || !ok {
		return s, ok, err
	}
	m.mu.Lock()
	m.cache[id] = s
	m.mu.Unlock()
	return s, true, nil
}

func (m *sessions) end(ctx context.Context, id, reason string) error {
	if err := m.db.EndSession(ctx, id, reason); err != nil {
		return err
	}
	m.mu.Lock()
	s, ok := m.cache[id]
	if ok && s.Ended == "" {
		s.Ended = reason
		m.cache[id] = s
	}
	told := m.staffed[id]
	m.gen++
	for k, list := range m.atCounter {
		// A new slice: a reader may still range over the old one.
		if i := slices.IndexFunc(list, func(x store.Session) bool { return x.ID == id }); i >= 0 {
			m.atCounter[k] = slices.Delete(slices.Clone(list), i, i+1)
		}
	}
	m.mu.Unlock()
	if told {
		m.tell(ctx, s, false)
	}
	return nil
}

// lookup returns the live session of a cookie's token and its account, or
// an error that says why there is none.
func (m *sessions) lookup(ctx context.Context, token string) (store.Session, Clerk, error) {
	s, ok, err := m.get(ctx, m.id(token))
	if err != nil {
		return s, Clerk{}, err
	}
	if !ok {
		return s, Clerk{}, queue.Errorf(codeUnauthorized, "not logged in")
	}
	if s.Account != "" && s.Ended == "" {
		// The directory granted the roles at login (external.go); it is
		// not asked again, so a clerk goes on working while it is down.
		if !m.now().Before(s.Expires) {
			return s, Clerk{}, queue.Errorf(codeUnauthorized, "session expired")
		}
		c, err := clerkOfAccount(s.User, s.Account)
		if err != nil {
			return s, Clerk{}, err
		}
		m.tell(ctx, s, true)
		return s, c, nil
	}
	if s.Ended == "" {
		c, known := m.auth.clerks[s.User]
		switch {
		case !known:
			s.Ended = endAccountRemoved
		case credential(c.PasswordHash) != s.Credential:
			s.Ended = endPasswordChanged
		}
		if s.Ended != "" {
			if err := m.end(ctx, s.ID, s.Ended); err != nil {
				return s, Clerk{}, err
			}
		}
	}
	switch s.Ended {
	case "":
	case endTakenOver:
		return s, Clerk{}, queue.Errorf(codeTakenOver, "another login took over counter %s", s.Counter)
	case endPasswordChanged:
		return s, Clerk{}, queue.Errorf(codeEnded, "the password of %s was changed", s.User)
	case endAccountRemoved:
		return s, Clerk{}, queue.Errorf(codeEnded, "the account %s no longer exists", s.User)
	default:
		return s, Clerk{}, queue.Errorf(codeUnauthorized, "logged out")
	}
	if !m.now().Before(s.Expires) {
		return s, Clerk{}, queue.Errorf(codeUnauthorized, "session expired")
	}
	m.tell(ctx, s, true)
	return s, m.auth.clerks[s.User], nil
}

// open starts a session for a clerk whose password was right. A counter
// holds one live session: another one is refused, naming the counter,
// unless takeOver; then it ends and its page says so. prev is the token
// the browser still holds, if any: its session ends, since the browser
// keeps one cookie.
func (m *sessions) open(ctx context.Context, c Clerk, office, counter, counterName string, takeOver bool, prev string) (string, store.Session, error) {
	m.login.Lock()
	defer m.login.Unlock()
	now := m.now()
	var prevSess store.Session
	if prev != "" {
		if s, ok, err := m.get(ctx, m.id(prev)); err != nil {
			return "", s, err
		} else if ok && s.Ended == "" && now.Before(s.Expires) {
			prevSess = s
		}
	}
	if counter == "" && prevSess.User == c.User && prevSess.Office == office {
		// The desk tab of a browser whose workplace tab works at a
		// counter: both share the one cookie, so the counter stays.
		counter = prevSess.Counter
	}
	if counter != "" {
		live, err := m.live(ctx, office, counter, now)
		if err != nil {
			return "", store.Session{}, err
		}
		var others []store.Session
		for _, l := range live {
			if l.ID != prevSess.ID {
				others = append(others, l)
			}
		}
		if len(others) > 0 && !takeOver {
			e := queue.Errorf(codeCounterInUse, "%s is in use by %s since %s", counterName, others[0].User, others[0].Created.Format(time.RFC3339))
			return "", store.Session{}, e
		}
		for _, l := range others {
			if err := m.end(ctx, l.ID, endTakenOver); err != nil {
				return "", store.Session{}, err
			}
		}
	}
	if prevSess.ID != "" {
		if err := m.end(ctx, prevSess.ID, endReplaced); err != nil {
			return "", store.Session{}, err
		}
	}
	token := randomToken()
	s := store.Session{ID: m.id(token), User: c.User, Office: office, Counter: counter, CSRF: randomToken(),
		Credential: credential(c.PasswordHash), Created: now, Expires: now.Add(m.auth.ttl), Account: c.account()}
	if err := m.db.CreateSession(ctx, s, now); err != nil {
		return "", s, err
	}
	m.mu.Lock()
	for id, x := range m.cache {
		if !now.Before(x.Expires) {
			delete(m.cache, id)
			delete(m.staffed, id) // the loop's tick ended it
		}
	}
	m.cache[s.ID] = s
	m.gen++
	if k := (counterKey{office, counter}); counter != "" {
		if list, ok := m.atCounter[k]; ok {
			m.atCounter[k] = append(list, s)
		}
	}
	m.mu.Unlock()
	m.tell(ctx, s, true)
	return token, s, nil
}

// live returns the sessions at a counter that have neither ended nor
// expired by now, as the database's LiveSessions would.
func (m *sessions) live(ctx context.Context, office, counter string, now time.Time) ([]store.Session, error) {
	k := counterKey{office, counter}
	m.mu.Lock()
	list, ok := m.atCounter[k]
	gen := m.gen
	m.mu.Unlock()
	if !ok {
		// The database lists what has not ended (and not expired: a
		// session expires by the clock, so the filter below is the
		// same whenever it runs).
		var err error
		if list, err = m.db.LiveSessions(ctx, office, counter, now); err != nil {
			return nil, err
		}
		m.mu.Lock()
		if _, loaded := m.atCounter[k]; !loaded && m.gen == gen {
			m.atCounter[k] = slices.Clone(list)
		}
		m.mu.Unlock()
	}
	var out []store.Session
	for _, s := range list {
		if now.Before(s.Expires) {
			out = append(out, s)
		}
	}
	return out, nil
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
	c, err := s.checkLogin(r, req.User, req.Password, req.Office) // external.go
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	prev := ""
	if ck, err := r.Cookie(sessionCookie); err == nil {
		prev = ck.Value
	}
	sess, err := s.openSession(w, r, c, req.Office, req.Counter, req.TakeOver, prev)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, api.Session{User: sess.User, Office: sess.Office, Counter: sess.Counter, CSRF: sess.CSRF})
}

// openSession opens the session of an account whose credentials were
// right and sets its cookie: the login form and the identity provider's
// callback end here. prev is the session token the browser held before.
func (s *Server) openSession(w http.ResponseWriter, r *http.Request, c Clerk, office, counter string, takeOver bool, prev string) (store.Session, error) {
	o, ok := s.offices[office]
	if !ok {
		return store.Session{}, queue.Errorf(queue.NotFound, "unknown office %q", office)
	}
	counterName := ""
	if counter != "" {
		ct, ok := o.office.Counter(counter)
		if !ok {
			return store.Session{}, queue.Errorf(queue.NotFound, "unknown counter %q", counter)
		}
		counterName = ct.Name
	}
	p := principal{clerk: c.User, account: c}
	var err error
	switch {
	case !c.officeAllowed(office):
		err = queue.Errorf(codeForbidden, "the account %s may not work in %s", c.User, o.office.Name)
	case counter != "":
		err = p.atCounter(counter)
	case !p.hasRole(AllRoles...):
		err = queue.Errorf(codeForbidden, "the account %s has no role", c.User)
	}
	if err != nil {
		return store.Session{}, err
	}
	token, sess, err := s.sessions.open(r.Context(), c, office, counter, counterName, takeOver, prev)
	if err != nil {
		return sess, fmt.Errorf("login: %w", err)
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: s.secure(r), MaxAge: int(s.auth.ttl.Seconds()),
	})
	return sess, nil
}

// logout ends the session on the hub, not only in the browser: a copied
// cookie must stop working too.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	s.pauseAtLogout(r)
	providerLogout := ""
	if c, err := r.Cookie(sessionCookie); err == nil {
		providerLogout = s.oidcLogout(r.Context(), c.Value) // external.go
		if err := s.sessions.end(r.Context(), s.sessions.id(c.Value), endLogout); err != nil {
			s.writeError(w, r, fmt.Errorf("logout: %w", err))
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.secure(r), MaxAge: -1})
	if providerLogout != "" {
		writeLoggedOut(w, providerLogout)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) whoami(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		s.writeError(w, r, queue.Errorf(codeUnauthorized, "not logged in"))
		return
	}
	sess, _, err := s.sessions.lookup(r.Context(), c.Value)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, api.Session{User: sess.User, Office: sess.Office, Counter: sess.Counter, CSRF: sess.CSRF})
}

// heldByOther refuses a caller without a session of this counter (HTTP
// Basic) where another account's live session works: one clerk per
// counter holds for every way of logging in, or a script with Basic
// could close the calls of the clerk at the counter. The same account's
// Basic requests pass: a clerk may drive the workplace both ways.
func (s *Server) heldByOther(ctx context.Context, o *officeHandle, counter string, p principal) error {
	if p.cookie {
		return nil // atCounter already holds the session to its counter
	}
	live, err := s.sessions.live(ctx, o.office.ID, counter, s.now())
	if err != nil {
		return fmt.Errorf("counter %s: %w", counter, err)
	}
	for _, l := range live {
		// A session whose account was removed or whose password changed
		// is over, even if no request has ended it in the database yet;
		// Basic has no takeover to get past it.
		if c, ok := s.auth.clerks[l.User]; l.Account == "" && (!ok || credential(c.PasswordHash) != l.Credential) {
			continue
		}
		if l.User != p.clerk {
			name := counter
			if c, ok := o.office.Counter(counter); ok {
				name = c.Name
			}
			return queue.Errorf(codeCounterInUse, "%s is in use by %s since %s", name, l.User, l.Created.Format(time.RFC3339))
		}
	}
	return nil
}
