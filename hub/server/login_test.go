package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"lotse/hub/api"
)

func login(office, counter, user, pass string, takeOver bool) api.LoginRequest {
	return api.LoginRequest{User: user, Password: pass, Office: office, Counter: counter, TakeOver: takeOver}
}

// session logs in and returns the cookie and CSRF token.
func (h *accessHub) session(req api.LoginRequest) (string, string) {
	h.t.Helper()
	a := h.do("POST", "/api/v1/session", nil, req)
	if a.Status != http.StatusOK || a.Cookie == "" {
		h.t.Fatalf("login %+v: %d %s", req, a.Status, a.Body)
	}
	var s api.Session
	if err := json.Unmarshal(a.Body, &s); err != nil {
		h.t.Fatal(err)
	}
	return a.Cookie, s.CSRF
}

// TestPasswordGuessing covers guessing clerk passwords (issue 11.3): HTTP
// Basic is limited like the login form, per account and per source, and an
// unknown account costs what a known one costs.
func TestPasswordGuessing(t *testing.T) {
	limits := DefaultLimits()
	queuePath := "/api/v1/offices/" + accessMitte + "/counters/schalter-1/queue"
	tries := []struct {
		name string
		try  func(h *accessHub, user, pass string) answer
	}{
		{"HTTP Basic", func(h *accessHub, user, pass string) answer { return h.do("GET", queuePath, basic(user, pass), nil) }},
		{"login form", func(h *accessHub, user, pass string) answer {
			return h.do("POST", "/api/v1/session", nil, login(accessMitte, "", user, pass, false))
		}},
	}
	for _, tr := range tries {
		t.Run(tr.name+" per account", func(t *testing.T) {
			h := newAccessHub(t, []Clerk{{User: "demo", PasswordHash: accessHash()}}, nil, Limits{})
			for i := range limits.LoginPerAccount.Burst {
				if a := tr.try(h, "demo", "wrong"+strconv.Itoa(i)); a.Status != http.StatusUnauthorized {
					t.Fatalf("wrong password %d: %d %s", i, a.Status, a.Body)
				}
			}
			wait := wantLimited(t, tr.try(h, "demo", "wrong"), "wrong password after the burst")
			wantLimited(t, tr.try(h, "demo", "demo"), "even the right password while the account is limited")
			h.Clock.Advance(wait)
			if a := tr.try(h, "demo", "demo"); a.Status != http.StatusOK {
				t.Fatalf("right password after waiting: %d %s", a.Status, a.Body)
			}
		})
		t.Run(tr.name+" per source", func(t *testing.T) {
			h := newAccessHub(t, []Clerk{{User: "demo", PasswordHash: accessHash()}}, nil, Limits{})
			for i := range limits.LoginPerSource.Burst {
				if a := tr.try(h, "nobody"+strconv.Itoa(i), "x"); a.Status != http.StatusUnauthorized {
					t.Fatalf("unknown account %d: %d %s", i, a.Status, a.Body)
				}
			}
			wantLimited(t, tr.try(h, "nobody-else", "x"), "a new account name from the same source")
		})
	}

	t.Run("200 parallel Basic guesses", func(t *testing.T) {
		h := newAccessHub(t, []Clerk{{User: "demo", PasswordHash: accessHash()}}, nil, Limits{})
		var mu sync.Mutex
		passed := 0
		var wg sync.WaitGroup
		for i := range 200 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if a := h.do("GET", queuePath, basic("demo", "wrong"+strconv.Itoa(i)), nil); a.Status != http.StatusTooManyRequests {
					mu.Lock()
					passed++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if passed > limits.LoginPerAccount.Burst {
			t.Fatalf("%d of 200 parallel wrong passwords were checked, want at most %d", passed, limits.LoginPerAccount.Burst)
		}
	})

	t.Run("tries per hour", func(t *testing.T) {
		h := newAccessHub(t, []Clerk{{User: "demo", PasswordHash: accessHash()}}, nil, Limits{})
		want := limits.LoginPerAccount.PerHour()
		got := h.perHour(2*want, func(i int) answer { return h.do("GET", queuePath, basic("demo", "wrong"+strconv.Itoa(i)), nil) })
		if got < want-1 || got > want+1 {
			t.Fatalf("%d password tries per hour on one account, the documented figure is %d", got, want)
		}
		t.Logf("password tries per hour and account: %d", got)
	})

	t.Run("unknown accounts cost what known ones cost", func(t *testing.T) {
		// The configured hashes have their own cost; the dummy an unknown
		// name is compared with must have the same.
		for _, cost := range []int{bcrypt.MinCost, bcrypt.DefaultCost} {
			hash, err := bcrypt.GenerateFromPassword([]byte("secret"), cost)
			if err != nil {
				t.Fatal(err)
			}
			a := NewAuth([]Clerk{{User: "known", PasswordHash: string(hash)}}, nil, nil, 0)
			if got, err := bcrypt.Cost(a.dummy); err != nil || got != cost {
				t.Fatalf("configured cost %d: dummy hash cost %d (%v)", cost, got, err)
			}
		}
		// And the time: the median of several tries of each, far apart
		// before (a known name with a cheap hash took 1–2 ms, an unknown
		// one 80–190 ms).
		a := NewAuth([]Clerk{{User: "known", PasswordHash: accessHash()}}, nil, nil, 0)
		median := func(user string) time.Duration {
			var ds []time.Duration
			for range 9 {
				start := time.Now()
				a.checkPassword(user, "wrong")
				ds = append(ds, time.Since(start))
			}
			for i := range ds {
				for j := i + 1; j < len(ds); j++ {
					if ds[j] < ds[i] {
						ds[i], ds[j] = ds[j], ds[i]
					}
				}
			}
			return ds[len(ds)/2]
		}
		known, unknown := median("known"), median("unknown")
		if unknown > 10*known+5*time.Millisecond {
			t.Fatalf("an unknown account takes %v, a known one %v", unknown, known)
		}
	})
}

// TestSessionsEnd covers sessions that end on the hub (issue 11.4): after
// a logout a copied cookie is dead; a changed password or a removed
// account ends the session, also across a restart; an unchanged account
// keeps it across a restart.
func TestSessionsEnd(t *testing.T) {
	pauseAt := "/api/v1/offices/" + accessMitte + "/counters/schalter-1/queue"
	other, err := bcrypt.GenerateFromPassword([]byte("neu"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		end      func(h *accessHub, ck, csrf string)
		wantCode string
	}{
		{"logout", func(h *accessHub, ck, csrf string) {
			if a := h.do("DELETE", "/api/v1/session", cookie(ck, csrf), nil); a.Status != http.StatusNoContent {
				t.Fatalf("logout: %d %s", a.Status, a.Body)
			}
		}, api.CodeUnauthorized},
		{"password changed, restart", func(h *accessHub, _, _ string) {
			h.start([]Clerk{{User: "demo", PasswordHash: string(other)}}, nil)
		}, api.CodeSessionEnded},
		{"account removed, restart", func(h *accessHub, _, _ string) {
			h.start([]Clerk{{User: "someone-else", PasswordHash: accessHash()}}, nil)
		}, api.CodeSessionEnded},
		{"unchanged account, restart", func(h *accessHub, _, _ string) {
			h.start([]Clerk{{User: "demo", PasswordHash: accessHash()}}, nil)
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newAccessHub(t, []Clerk{{User: "demo", PasswordHash: accessHash()}}, nil, Limits{})
			ck, csrf := h.session(login(accessMitte, "schalter-1", "demo", "demo", false))
			if a := h.do("GET", pauseAt, cookie(ck, ""), nil); a.Status != http.StatusOK {
				t.Fatalf("with the session: %d %s", a.Status, a.Body)
			}
			tt.end(h, ck, csrf)
			a := h.do("GET", pauseAt, cookie(ck, ""), nil)
			w := h.do("GET", "/api/v1/session", cookie(ck, ""), nil)
			if tt.wantCode == "" {
				if a.Status != http.StatusOK || w.Status != http.StatusOK {
					t.Fatalf("session after %s: %d %s / %d %s, want it alive", tt.name, a.Status, a.Body, w.Status, w.Body)
				}
				return
			}
			if a.Status != http.StatusUnauthorized || a.Error.Code != tt.wantCode || w.Error.Code != tt.wantCode {
				t.Fatalf("session after %s: %d %s / %s, want 401 %s", tt.name, a.Status, a.Body, w.Body, tt.wantCode)
			}
		})
	}
}

// TestOneClerkPerCounter covers one clerk per counter (issue 10.7): a
// second login at a counter with a live session is refused, naming the
// counter, or takes over explicitly; the first session then ends and says
// why; two sessions never close each other's calls.
func TestOneClerkPerCounter(t *testing.T) {
	clerks := []Clerk{{User: "anna", PasswordHash: accessHash()}, {User: "ben", PasswordHash: accessHash()}}
	act := func(counter, action string) string {
		return "/api/v1/offices/" + accessMitte + "/counters/" + counter + "/" + action
	}

	t.Run("refused or taken over", func(t *testing.T) {
		h := newAccessHub(t, clerks, accessDevices("kiosk-", 1, RoleKiosk), Limits{})
		annaCk, annaCSRF := h.session(login(accessMitte, "schalter-1", "anna", "demo", false))
		for range 2 {
			h.do("POST", "/api/v1/offices/"+accessMitte+"/tickets", bearer("kiosk-0"), api.WalkInRequest{Service: "meldebescheinigung"})
		}
		called := h.do("POST", act("schalter-1", "next"), cookie(annaCk, annaCSRF), api.ActionRequest{})
		if called.Status != http.StatusOK {
			t.Fatalf("anna next: %d %s", called.Status, called.Body)
		}

		a := h.do("POST", "/api/v1/session", nil, login(accessMitte, "schalter-1", "ben", "demo", false))
		if a.Status != http.StatusConflict || a.Error.Code != api.CodeCounterInUse || !bytes.Contains(a.Body, []byte("Schalter 1")) {
			t.Fatalf("second login at a busy counter: %d %s, want 409 counter_in_use naming Schalter 1", a.Status, a.Body)
		}
		if a := h.do("POST", act("schalter-1", "finish"), cookie(annaCk, annaCSRF), api.ActionRequest{}); a.Status != http.StatusOK {
			t.Fatalf("anna after a refused login: %d %s, want her session alive", a.Status, a.Body)
		}
		if a := h.do("POST", act("schalter-1", "next"), cookie(annaCk, annaCSRF), api.ActionRequest{}); a.Status != http.StatusOK {
			t.Fatalf("anna calls again: %d %s", a.Status, a.Body)
		}

		benCk, benCSRF := h.session(login(accessMitte, "schalter-1", "ben", "demo", true))
		for _, path := range []string{act("schalter-1", "finish"), act("schalter-1", "noshow")} {
			if a := h.do("POST", path, cookie(annaCk, annaCSRF), api.ActionRequest{}); a.Status != http.StatusUnauthorized || a.Error.Code != api.CodeSessionTakenOver {
				t.Fatalf("anna after the takeover: %d %s, want 401 session_taken_over", a.Status, a.Body)
			}
		}
		if w := h.do("GET", "/api/v1/session", cookie(annaCk, ""), nil); w.Error.Code != api.CodeSessionTakenOver {
			t.Fatalf("anna's page asks who she is: %d %s", w.Status, w.Body)
		}
		if a := h.do("POST", act("schalter-1", "finish"), cookie(benCk, benCSRF), api.ActionRequest{}); a.Status != http.StatusOK {
			t.Fatalf("ben finishes the call he took over: %d %s", a.Status, a.Body)
		}
	})

	t.Run("HTTP Basic at a busy counter", func(t *testing.T) {
		// Another account's Basic request meets the counter's live
		// session like a second login does; the account of the session
		// itself may also send Basic requests there.
		h := newAccessHub(t, clerks, accessDevices("kiosk-", 1, RoleKiosk), Limits{})
		annaCk, annaCSRF := h.session(login(accessMitte, "schalter-1", "anna", "demo", false))
		for range 3 {
			h.do("POST", "/api/v1/offices/"+accessMitte+"/tickets", bearer("kiosk-0"), api.WalkInRequest{Service: "meldebescheinigung"})
		}
		if a := h.do("POST", act("schalter-1", "next"), cookie(annaCk, annaCSRF), api.ActionRequest{}); a.Status != http.StatusOK {
			t.Fatalf("anna next: %d %s", a.Status, a.Body)
		}
		tests := []struct {
			name, method, path string
			as                 who
			want               int
		}{
			{"ben finishes", "POST", act("schalter-1", "finish"), basic("ben", "demo"), http.StatusConflict},
			{"ben marks a no-show", "POST", act("schalter-1", "noshow"), basic("ben", "demo"), http.StatusConflict},
			{"ben recalls", "POST", act("schalter-1", "recall"), basic("ben", "demo"), http.StatusConflict},
			{"ben parks", "POST", act("schalter-1", "park"), basic("ben", "demo"), http.StatusConflict},
			{"ben pauses", "POST", act("schalter-1", "pause"), basic("ben", "demo"), http.StatusConflict},
			{"ben calls next", "POST", act("schalter-1", "next"), basic("ben", "demo"), http.StatusConflict},
			{"ben reads the counter's queue", "GET", act("schalter-1", "queue"), basic("ben", "demo"), http.StatusConflict},
			{"ben at a free counter", "GET", act("schalter-2", "queue"), basic("ben", "demo"), http.StatusOK},
			{"anna's own Basic request", "GET", act("schalter-1", "queue"), basic("anna", "demo"), http.StatusOK},
			{"anna starts by Basic", "POST", act("schalter-1", "start"), basic("anna", "demo"), http.StatusOK},
			{"anna finishes in her session", "POST", act("schalter-1", "finish"), cookie(annaCk, annaCSRF), http.StatusOK},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				var body any
				if tc.method == "POST" {
					body = api.ActionRequest{}
				}
				a := h.do(tc.method, tc.path, tc.as, body)
				if a.Status != tc.want {
					t.Fatalf("%d %s, want %d", a.Status, a.Body, tc.want)
				}
				if tc.want == http.StatusConflict && (a.Error.Code != api.CodeCounterInUse || !bytes.Contains(a.Body, []byte("Schalter 1"))) {
					t.Fatalf("%s, want counter_in_use naming Schalter 1", a.Body)
				}
			})
		}
	})

	t.Run("HTTP Basic follows logins and logouts at the counter", func(t *testing.T) {
		// Ben's first Basic request reads the counter's sessions; a
		// login and a logout after it must still count.
		h := newAccessHub(t, clerks, accessDevices("kiosk-", 1, RoleKiosk), Limits{})
		queue := act("schalter-3", "queue")
		if a := h.do("GET", queue, basic("ben", "demo"), nil); a.Status != http.StatusOK {
			t.Fatalf("ben at a free counter: %d %s", a.Status, a.Body)
		}
		annaCk, annaCSRF := h.session(login(accessMitte, "schalter-3", "anna", "demo", false))
		if a := h.do("GET", queue, basic("ben", "demo"), nil); a.Status != http.StatusConflict || a.Error.Code != api.CodeCounterInUse {
			t.Fatalf("ben after anna logged in there: %d %s, want 409 counter_in_use", a.Status, a.Body)
		}
		if a := h.do("DELETE", "/api/v1/session", cookie(annaCk, annaCSRF), nil); a.Status/100 != 2 {
			t.Fatalf("anna logs out: %d %s", a.Status, a.Body)
		}
		if a := h.do("GET", queue, basic("ben", "demo"), nil); a.Status != http.StatusOK {
			t.Fatalf("ben after anna logged out: %d %s", a.Status, a.Body)
		}
	})

	t.Run("HTTP Basic where the session's account is gone", func(t *testing.T) {
		// The hub restarts without anna, or with her password changed:
		// her session no longer holds the counter against Basic.
		tests := []struct {
			name   string
			clerks []Clerk
		}{
			{"account removed", clerks[1:]},
			{"password changed", []Clerk{{User: "anna", PasswordHash: "$2a$04$changedchangedchangedchangedchangedchangedchangedcha"}, clerks[1]}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				h := newAccessHub(t, clerks, nil, Limits{})
				h.session(login(accessMitte, "schalter-1", "anna", "demo", false))
				if a := h.do("GET", act("schalter-1", "queue"), basic("ben", "demo"), nil); a.Status != http.StatusConflict {
					t.Fatalf("ben while anna's session lives: %d %s, want 409", a.Status, a.Body)
				}
				h.start(tc.clerks, nil)
				if a := h.do("GET", act("schalter-1", "queue"), basic("ben", "demo"), nil); a.Status != http.StatusOK {
					t.Fatalf("ben after anna's session ended: %d %s, want 200", a.Status, a.Body)
				}
			})
		}
	})

	t.Run("same browser logs in again", func(t *testing.T) {
		h := newAccessHub(t, clerks, nil, Limits{})
		ck, _ := h.session(login(accessMitte, "schalter-2", "anna", "demo", false))
		a := h.do("POST", "/api/v1/session", cookie(ck, ""), login(accessMitte, "schalter-2", "anna", "demo", false))
		if a.Status != http.StatusOK {
			t.Fatalf("a new login in the browser that holds the session: %d %s", a.Status, a.Body)
		}
		if w := h.do("GET", "/api/v1/session", cookie(ck, ""), nil); w.Status != http.StatusUnauthorized {
			t.Fatalf("the replaced cookie: %d %s", w.Status, w.Body)
		}
	})

	t.Run("the desk tab keeps the workplace's counter", func(t *testing.T) {
		// Both tabs of one browser share one cookie: a desk login there
		// must not leave the workplace tab without its counter.
		h := newAccessHub(t, clerks, nil, Limits{})
		ck, _ := h.session(login(accessMitte, "schalter-5", "anna", "demo", false))
		a := h.do("POST", "/api/v1/session", cookie(ck, ""), login(accessMitte, "", "anna", "demo", false))
		var s api.Session
		if a.Status != http.StatusOK || json.Unmarshal(a.Body, &s) != nil || s.Counter != "schalter-5" {
			t.Fatalf("desk login in the workplace's browser: %d %s, want the session to keep schalter-5", a.Status, a.Body)
		}
		if a := h.do("POST", "/api/v1/session", nil, login(accessMitte, "schalter-5", "ben", "demo", false)); a.Status != http.StatusConflict {
			t.Fatalf("another clerk at schalter-5: %d %s, want 409", a.Status, a.Body)
		}
	})

	t.Run("a session without a counter does not act at one", func(t *testing.T) {
		h := newAccessHub(t, clerks, nil, Limits{})
		ck, csrf := h.session(login(accessMitte, "", "anna", "demo", false))
		if a := h.do("POST", act("schalter-3", "pause"), cookie(ck, csrf), nil); a.Status < 400 {
			t.Fatalf("desk session acting at a counter: %d %s", a.Status, a.Body)
		}
	})

	t.Run("parallel logins", func(t *testing.T) {
		h := newAccessHub(t, clerks, nil, Limits{})
		var mu sync.Mutex
		ok := 0
		var wg sync.WaitGroup
		for i := range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				user := []string{"anna", "ben"}[i%2]
				if a := h.do("POST", "/api/v1/session", nil, login(accessMitte, "schalter-4", user, "demo", false)); a.Status == http.StatusOK {
					mu.Lock()
					ok++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if ok != 1 {
			t.Fatalf("%d of 10 parallel logins at one counter succeeded, want 1", ok)
		}
	})
}
