package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"lotse/hub/api"
	"lotse/hub/booking"
	"lotse/hub/booking/demo"
	"lotse/hub/clocktest"
	"lotse/hub/office"
	"lotse/hub/queue"
	"lotse/hub/store"
)

// accessHub is a demo hub like testHub whose server takes its time from
// the fake clock (every limit and session runs on it), with the accounts
// and devices a test names, and which can be restarted on its database
// with other accounts.
type accessHub struct {
	t       *testing.T
	URL     string
	Clock   *clocktest.Clock
	Demo    *demo.Backend
	Server  *Server
	db      *store.DB
	loops   []*office.Loop
	limits  Limits
	clerks  []Clerk
	devices []Device
	outbox  *testOutbox
}

const accessMitte, accessNord = "buergerbuero-mitte", "buergerbuero-nord"

// accessHash is a bcrypt hash of "demo" at the lowest cost: these tests
// log in often.
var accessHash = sync.OnceValue(func() string {
	h, err := bcrypt.GenerateFromPassword([]byte("demo"), bcrypt.MinCost)
	if err != nil {
		panic(err)
	}
	return string(h)
})

func accessDevices(prefix string, n int, role string) []Device {
	var out []Device
	for i := range n {
		name := prefix + strconv.Itoa(i)
		out = append(out, Device{Name: name, Token: name, Role: role})
	}
	return out
}

func newAccessHub(t *testing.T, clerks []Clerk, devices []Device, limits Limits) *accessHub {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	clock := clocktest.New(testHubDay)
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "lotse.db"))
	if err != nil {
		cancel()
		t.Fatalf("open store: %v", err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { db.Close() })
	t.Cleanup(wg.Wait)
	t.Cleanup(cancel)
	h := &accessHub{t: t, Clock: clock, Demo: demo.New(clock.Now), db: db, limits: limits, outbox: &testOutbox{}}
	offices := demo.Offices()
	loops := office.Set{}
	for _, o := range offices {
		l := office.New(office.Config{Office: o, DB: db, Now: clock.Now, Log: log,
			Publish: testPublisher(func(id string, ev []queue.Event, w []queue.ServiceWait) {
				if s := h.Server; s != nil {
					s.Publish(id, ev, w)
				}
			})})
		if err := l.Load(ctx); err != nil {
			t.Fatalf("load office %s: %v", o.ID, err)
		}
		loops[o.ID] = l
		h.loops = append(h.loops, l)
	}
	for _, l := range h.loops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := l.Run(ctx); err != nil {
				t.Errorf("office loop: %v", err)
			}
		}()
	}
	h.start(clerks, devices)
	syncer := &booking.Syncer{Backend: h.Demo, Offices: offices, Apply: loops, Now: clock.Now, Log: log,
		Hash: func(date string) string { return queue.BirthHash([]byte("access birth key"), date) }}
	for _, o := range offices {
		if err := syncer.SyncOffice(ctx, o.ID); err != nil {
			t.Fatalf("sync %s: %v", o.ID, err)
		}
	}
	return h
}

// start serves a new server with these accounts on the hub's database and
// loops: a restart of the hub's HTTP side with another configuration.
func (h *accessHub) start(clerks []Clerk, devices []Device) {
	h.clerks, h.devices = clerks, devices
	srv := New(Config{Loops: h.loops, DB: h.db, Auth: NewAuth(clerks, devices, []byte("access session key"), 0),
		BirthKey: []byte("access birth key"), Now: h.Clock.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Demo: h.Demo, Limits: h.limits, Outbox: h.outbox})
	h.Server = srv
	ts := httptest.NewServer(srv)
	h.URL = ts.URL
	h.t.Cleanup(func() {
		ts.CloseClientConnections()
		ts.Close()
	})
}

// answer is an HTTP answer of the hub.
type answer struct {
	Status int
	Header http.Header
	Error  api.ErrorDetail
	Body   []byte
	Cookie string
}

// who sets a request's credentials.
type who func(*http.Request)

func bearer(token string) who {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
}

func basic(user, pass string) who {
	return func(r *http.Request) { r.SetBasicAuth(user, pass) }
}

// cookie sends a session cookie and its CSRF token.
func cookie(value, csrf string) who {
	return func(r *http.Request) {
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: value})
		if csrf != "" {
			r.Header.Set("X-CSRF-Token", csrf)
		}
	}
}

func (h *accessHub) do(method, path string, as who, body any) answer {
	h.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, h.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if as != nil {
		as(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	a := answer{Status: resp.StatusCode, Header: resp.Header}
	a.Body, _ = io.ReadAll(resp.Body)
	var eb api.ErrorBody
	if resp.StatusCode >= 400 && json.Unmarshal(a.Body, &eb) == nil {
		a.Error = eb.Error
	}
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			a.Cookie = c.Value
		}
	}
	return a
}

func checkinPath(office string) string { return "/api/v1/offices/" + office + "/checkins" }

// day returns the demo day's appointments of an office.
func (h *accessHub) day(officeID string) []booking.Appointment {
	h.t.Helper()
	_, list, err := h.Demo.Today(context.Background(), officeID)
	if err != nil {
		h.t.Fatal(err)
	}
	return list
}

// wantLimited checks a 429 that tells how long to wait, in the header and
// in the JSON error, so that the kiosk can say it.
func wantLimited(t *testing.T, a answer, what string) time.Duration {
	t.Helper()
	if a.Status != http.StatusTooManyRequests || a.Error.Code != api.CodeRateLimited {
		t.Fatalf("%s: %d %s, want 429 rate_limited", what, a.Status, a.Body)
	}
	ra, err := strconv.Atoi(a.Header.Get("Retry-After"))
	if err != nil || ra <= 0 || ra != a.Error.RetryAfter {
		t.Fatalf("%s: Retry-After %q, retryAfter %d: want the same positive seconds in both", what, a.Header.Get("Retry-After"), a.Error.RetryAfter)
	}
	return time.Duration(ra) * time.Second
}

// perHour counts how many tries of try pass (are not answered 429) in one
// hour of the fake clock, waiting each time as long as the hub says. It
// gives up after limit passed tries: without a limit, time never moves.
func (h *accessHub) perHour(limit int, try func(i int) answer) int {
	h.t.Helper()
	end := h.Clock.Now().Add(time.Hour)
	passed := 0
	for i := 0; h.Clock.Now().Before(end) && passed <= limit; i++ {
		a := try(i)
		if a.Status != http.StatusTooManyRequests {
			passed++
			continue
		}
		h.Clock.Advance(wantLimited(h.t, a, "hourly count"))
	}
	return passed
}

// parallel sends n tries at once while the office loop is held busy, so
// that every one is in flight before the first is answered: a limit that
// checks first and counts after lets them all through. It returns how
// many were not refused with 429.
func (h *accessHub) parallel(n, burst int, try func(i int) answer) int {
	h.t.Helper()
	release := make(chan struct{})
	busy := make(chan struct{})
	for _, l := range h.loops {
		if l.Office().ID == accessMitte {
			go office.Do(context.Background(), l, func(*queue.Queue, time.Time) (struct{}, []queue.Event, error) {
				close(busy)
				<-release
				return struct{}{}, nil, nil
			})
		}
	}
	<-busy
	limited := make(chan struct{}, n)
	var mu sync.Mutex
	passed := 0
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if try(i).Status == http.StatusTooManyRequests {
				limited <- struct{}{}
				return
			}
			mu.Lock()
			passed++
			mu.Unlock()
		}()
	}
	// A sound limit refuses all but the burst at once; a broken one gets
	// time to show itself, then the loop goes on.
	timeout := time.After(20 * time.Second)
wait:
	for range n - burst {
		select {
		case <-limited:
		case <-timeout:
			break wait
		}
	}
	close(release)
	wg.Wait()
	return passed
}

// wrongCode is a well-formed code of an appointment that does not exist.
func wrongCode(i int) string { return fmt.Sprintf("LOTSE:X-%d:%016d", i, i) }

// TestWrongCodesAreLimited covers guessing QR codes (issue 11.1): per
// device, per office, per appointment id, and that right codes cost
// nothing.
func TestWrongCodesAreLimited(t *testing.T) {
	limits := DefaultLimits()
	code := func(a booking.Appointment) string { return "LOTSE:" + a.ID + ":" + a.Secret }

	t.Run("per device", func(t *testing.T) {
		h := newAccessHub(t, nil, accessDevices("kiosk-", 2, RoleKiosk), Limits{})
		for i := range limits.CodePerDevice.Burst {
			if a := h.do("POST", checkinPath(accessMitte), bearer("kiosk-0"), api.CheckInRequest{Code: wrongCode(i)}); a.Status != http.StatusNotFound {
				t.Fatalf("wrong code %d: %d %s, want 404", i, a.Status, a.Body)
			}
		}
		wait := wantLimited(t, h.do("POST", checkinPath(accessMitte), bearer("kiosk-0"), api.CheckInRequest{Code: wrongCode(99)}), "wrong code over the burst")
		if a := h.do("POST", checkinPath(accessMitte), bearer("kiosk-1"), api.CheckInRequest{Code: wrongCode(100)}); a.Status != http.StatusNotFound {
			t.Fatalf("another kiosk: %d, want its own budget", a.Status)
		}
		h.Clock.Advance(wait)
		if a := h.do("POST", checkinPath(accessMitte), bearer("kiosk-0"), api.CheckInRequest{Code: wrongCode(101)}); a.Status != http.StatusNotFound {
			t.Fatalf("after waiting Retry-After: %d, want one more try", a.Status)
		}
	})

	t.Run("per office", func(t *testing.T) {
		h := newAccessHub(t, nil, accessDevices("kiosk-", 10, RoleKiosk), Limits{})
		passed := 0
		for i := range 100 {
			if h.do("POST", checkinPath(accessMitte), bearer("kiosk-"+strconv.Itoa(i%10)), api.CheckInRequest{Code: wrongCode(i)}).Status == http.StatusNotFound {
				passed++
			}
		}
		if passed != limits.CodePerOffice.Burst {
			t.Fatalf("ten kiosks of one office got %d wrong codes through, want the office's %d", passed, limits.CodePerOffice.Burst)
		}
		if a := h.do("POST", checkinPath(accessNord), bearer("kiosk-9"), api.CheckInRequest{Code: wrongCode(1000)}); a.Status != http.StatusNotFound {
			t.Fatalf("another office: %d %s, want its own budget", a.Status, a.Body)
		}
	})

	t.Run("per appointment, desk still checks in", func(t *testing.T) {
		h := newAccessHub(t, []Clerk{{User: "desk", PasswordHash: accessHash(), Roles: []string{RoleDesk}}}, accessDevices("kiosk-", 10, RoleKiosk), Limits{})
		var target booking.Appointment
		for _, a := range h.day(accessMitte) {
			if !a.Cancelled && !a.Start.Before(h.Clock.Now()) && a.Start.Before(h.Clock.Now().Add(20*time.Minute)) {
				target = a
				break
			}
		}
		if target.ID == "" {
			t.Fatal("no appointment inside the check-in window")
		}
		for i := range limits.CodePerAppointment.Burst {
			wrong := "LOTSE:" + target.ID + ":" + fmt.Sprintf("%016d", i)
			if a := h.do("POST", checkinPath(accessMitte), bearer("kiosk-"+strconv.Itoa(i)), api.CheckInRequest{Code: wrong}); a.Status != http.StatusNotFound {
				t.Fatalf("wrong secret %d: %d %s", i, a.Status, a.Body)
			}
		}
		a := h.do("POST", checkinPath(accessMitte), bearer("kiosk-9"), api.CheckInRequest{Code: code(target)})
		wait := wantLimited(t, a, "the right secret after wrong ones")
		if wait < time.Minute {
			t.Fatalf("code locked for %v only, want minutes", wait)
		}
		if a := h.do("POST", checkinPath(accessMitte), basic("desk", "demo"), api.CheckInRequest{Appointment: target.ID}); a.Status != http.StatusCreated {
			t.Fatalf("desk check-in of a locked code: %d %s", a.Status, a.Body)
		}
	})

	t.Run("per appointment, at every office", func(t *testing.T) {
		// The lock belongs to the appointment, not to the route: through
		// another office's kiosk route the code is neither guessable
		// afresh nor confirmed by "wrong office".
		h := newAccessHub(t, nil, accessDevices("kiosk-", 10, RoleKiosk), Limits{})
		var target booking.Appointment
		for _, a := range h.day(accessNord) {
			if !a.Cancelled && !a.Start.Before(h.Clock.Now()) && a.Start.Before(h.Clock.Now().Add(20*time.Minute)) {
				target = a
				break
			}
		}
		if target.ID == "" {
			t.Fatal("no appointment inside the check-in window")
		}
		// The wrong secrets are spread over both offices: together they
		// spend one budget.
		for i := range limits.CodePerAppointment.Burst {
			at := []string{accessNord, accessMitte}[i%2]
			wrong := "LOTSE:" + target.ID + ":" + fmt.Sprintf("%016d", i)
			if a := h.do("POST", checkinPath(at), bearer("kiosk-"+strconv.Itoa(i)), api.CheckInRequest{Code: wrong}); a.Status != http.StatusNotFound {
				t.Fatalf("wrong secret %d at %s: %d %s", i, at, a.Status, a.Body)
			}
		}
		tests := []struct {
			name, office, secret string
		}{
			{"another wrong secret at its office", accessNord, fmt.Sprintf("%016d", 98)},
			{"another wrong secret at another office", accessMitte, fmt.Sprintf("%016d", 99)},
			{"the right secret at its office", accessNord, target.Secret},
			{"the right secret at another office", accessMitte, target.Secret},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				a := h.do("POST", checkinPath(tc.office), bearer("kiosk-9"), api.CheckInRequest{Code: "LOTSE:" + target.ID + ":" + tc.secret})
				wantLimited(t, a, "the locked code")
			})
		}
	})

	t.Run("per appointment, in parallel", func(t *testing.T) {
		h := newAccessHub(t, nil, accessDevices("kiosk-", 10, RoleKiosk), Limits{})
		id := h.day(accessMitte)[0].ID
		passed := h.parallel(100, limits.CodePerAppointment.Burst, func(i int) answer {
			wrong := "LOTSE:" + id + ":" + fmt.Sprintf("%016d", i)
			return h.do("POST", checkinPath(accessMitte), bearer("kiosk-"+strconv.Itoa(i%10)), api.CheckInRequest{Code: wrong})
		})
		if passed > limits.CodePerAppointment.Burst {
			t.Fatalf("%d of 100 parallel wrong secrets for one appointment were tried, want at most %d", passed, limits.CodePerAppointment.Burst)
		}
	})

	t.Run("right codes cost nothing", func(t *testing.T) {
		h := newAccessHub(t, nil, accessDevices("kiosk-", 1, RoleKiosk), Limits{})
		n := 0
		for _, ap := range h.day(accessMitte) {
			if ap.Cancelled || ap.Start.Before(h.Clock.Now().Add(-10*time.Minute)) || ap.Start.After(h.Clock.Now().Add(25*time.Minute)) {
				continue
			}
			for range 3 { // a repeated scan answers the same ticket
				if a := h.do("POST", checkinPath(accessMitte), bearer("kiosk-0"), api.CheckInRequest{Code: code(ap)}); a.Status != http.StatusCreated {
					t.Fatalf("right code %d: %d %s", n, a.Status, a.Body)
				}
				n++
			}
		}
		if n <= limits.CodePerDevice.Burst+limits.CodePerOffice.Burst {
			t.Fatalf("only %d right scans tried; the test needs more than the bursts", n)
		}
	})

	t.Run("guesses per hour", func(t *testing.T) {
		h := newAccessHub(t, nil, accessDevices("kiosk-", 1, RoleKiosk), Limits{})
		want := limits.CodePerDevice.PerHour()
		got := h.perHour(2*want, func(i int) answer {
			return h.do("POST", checkinPath(accessMitte), bearer("kiosk-0"), api.CheckInRequest{Code: wrongCode(i)})
		})
		if got < want-1 || got > want+1 {
			t.Fatalf("a kiosk guessed %d codes in an hour, the documented figure is %d", got, want)
		}
		t.Logf("wrong QR codes per hour and kiosk: %d", got)
	})
}

// TestBirthDateGuessing covers guessing birth dates (issue 11.2): the
// limit holds under 200 parallel guesses, is keyed to the device and not
// its address, counts every answer that tells a birth date exists, and
// tells the kiosk how long to wait.
func TestBirthDateGuessing(t *testing.T) {
	limits := DefaultLimits()
	burst := limits.BirthPerDevice.Burst
	wrongDate := func(i int) string {
		return time.Date(1901, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i).Format(queue.DayFormat)
	}

	t.Run("200 parallel guesses", func(t *testing.T) {
		h := newAccessHub(t, nil, accessDevices("kiosk-", 1, RoleKiosk), Limits{})
		passed := h.parallel(200, burst, func(i int) answer {
			return h.do("POST", checkinPath(accessMitte), bearer("kiosk-0"), api.CheckInRequest{BirthDate: wrongDate(i)})
		})
		if passed > burst {
			t.Fatalf("%d of 200 parallel wrong birth dates got an answer, want at most %d", passed, burst)
		}
	})

	t.Run("keyed to the device, not the address", func(t *testing.T) {
		h := newAccessHub(t, nil, accessDevices("kiosk-", 1, RoleKiosk), Limits{})
		keys := map[string]bool{}
		for _, addr := range []string{"192.0.2.1:1000", "192.0.2.2:2000", "[2001:db8::1]:3000"} {
			r := httptest.NewRequest("POST", checkinPath(accessMitte), nil)
			r.RemoteAddr = addr
			r.Header.Set("Authorization", "Bearer kiosk-0")
			p, err := h.Server.identify(r, accessMitte)
			if err != nil {
				t.Fatal(err)
			}
			keys[p.key] = true
		}
		if len(keys) != 1 {
			t.Fatalf("one kiosk from three addresses has the limit keys %v, want one", keys)
		}
	})

	t.Run("answers that confirm a birth date count", func(t *testing.T) {
		h := newAccessHub(t, nil, append(accessDevices("probe-", 200, RoleKiosk), accessDevices("fresh-", 5, RoleKiosk)...), Limits{})
		// Find a birth date for every answer by asking once per probe
		// device, each with a full budget.
		found := map[string]api.CheckInRequest{}
		probe := 0
		ask := func(office string, req api.CheckInRequest) {
			if probe >= 200 {
				return
			}
			a := h.do("POST", checkinPath(office), bearer("probe-"+strconv.Itoa(probe)), req)
			probe++
			if a.Status != http.StatusCreated && found[a.Error.Code].BirthDate == "" {
				found[a.Error.Code] = req
			}
		}
		for _, ap := range h.day(accessMitte) {
			early, late := ap.Start.After(h.Clock.Now().Add(time.Hour)), ap.Start.Before(h.Clock.Now().Add(-time.Hour))
			if !ap.Cancelled && (early && found[api.CodeTooEarly].BirthDate == "" || late && found[api.CodeTooLate].BirthDate == "") {
				ask(accessMitte, api.CheckInRequest{BirthDate: ap.BirthDate})
			}
		}
		for _, ap := range h.day(accessNord) {
			if found[api.CodeWrongOffice].BirthDate == "" {
				ask(accessMitte, api.CheckInRequest{BirthDate: ap.BirthDate})
			}
		}
		births := map[string]int{}
		for _, ap := range h.day(accessMitte) {
			births[ap.BirthDate]++
			if births[ap.BirthDate] == 2 && found[api.CodeConflict].BirthDate == "" {
				ask(accessMitte, api.CheckInRequest{BirthDate: ap.BirthDate})
			}
		}
		tests := []string{api.CodeNotFound, api.CodeConflict, api.CodeTooEarly, api.CodeTooLate, api.CodeWrongOffice}
		for i, kind := range tests {
			t.Run(kind, func(t *testing.T) {
				req := found[kind]
				if kind == api.CodeNotFound {
					req = api.CheckInRequest{BirthDate: wrongDate(7)}
				}
				if req.BirthDate == "" {
					t.Fatalf("the demo day has no birth date that answers %s (found %v)", kind, found)
				}
				dev := "fresh-" + strconv.Itoa(i)
				for n := range burst {
					if a := h.do("POST", checkinPath(accessMitte), bearer(dev), req); a.Error.Code != kind {
						t.Fatalf("try %d: %d %s, want %s", n, a.Status, a.Body, kind)
					}
				}
				wantLimited(t, h.do("POST", checkinPath(accessMitte), bearer(dev), req), kind+" after the burst")
			})
		}
	})

	t.Run("one confused citizen does not block the next for long", func(t *testing.T) {
		h := newAccessHub(t, nil, accessDevices("kiosk-", 1, RoleKiosk), Limits{})
		for i := range burst + 3 {
			h.do("POST", checkinPath(accessMitte), bearer("kiosk-0"), api.CheckInRequest{BirthDate: wrongDate(i)})
		}
		wait := wantLimited(t, h.do("POST", checkinPath(accessMitte), bearer("kiosk-0"), api.CheckInRequest{BirthDate: wrongDate(50)}), "after the burst")
		if wait > limits.BirthPerDevice.Every {
			t.Fatalf("the next person waits %v, want at most %v", wait, limits.BirthPerDevice.Every)
		}
		h.Clock.Advance(wait)
		var right booking.Appointment
		births := map[string]int{}
		for _, ap := range h.day(accessMitte) {
			births[ap.BirthDate]++
		}
		for _, ap := range h.day(accessMitte) {
			if !ap.Cancelled && births[ap.BirthDate] == 1 && !ap.Start.Before(h.Clock.Now()) && ap.Start.Before(h.Clock.Now().Add(20*time.Minute)) {
				right = ap
				break
			}
		}
		if a := h.do("POST", checkinPath(accessMitte), bearer("kiosk-0"), api.CheckInRequest{BirthDate: right.BirthDate}); a.Status != http.StatusCreated {
			t.Fatalf("the next citizen after waiting %v: %d %s", wait, a.Status, a.Body)
		}
		// The right one gave its token back: the next person tries at once.
		if a := h.do("POST", checkinPath(accessMitte), bearer("kiosk-0"), api.CheckInRequest{BirthDate: right.BirthDate}); a.Status != http.StatusCreated {
			t.Fatalf("a repeated right birth date: %d %s", a.Status, a.Body)
		}
	})

	t.Run("guesses per hour", func(t *testing.T) {
		h := newAccessHub(t, nil, accessDevices("kiosk-", 1, RoleKiosk), Limits{})
		want := limits.BirthPerDevice.PerHour()
		got := h.perHour(2*want, func(i int) answer {
			return h.do("POST", checkinPath(accessMitte), bearer("kiosk-0"), api.CheckInRequest{BirthDate: wrongDate(i)})
		})
		if got < want-1 || got > want+1 {
			t.Fatalf("a kiosk guessed %d birth dates in an hour, the documented figure is %d", got, want)
		}
		t.Logf("wrong birth dates per hour and kiosk: %d", got)
	})
}

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

// TestRoles covers device and account roles (issue 11.5).
func TestRoles(t *testing.T) {
	clerks := []Clerk{
		{User: "desk", PasswordHash: accessHash(), Roles: []string{RoleDesk}},
		{User: "clerk1", PasswordHash: accessHash(), Roles: []string{RoleClerk}, Counters: []string{"schalter-1"}},
		{User: "nord", PasswordHash: accessHash(), Roles: []string{RoleClerk}, Offices: []string{accessNord}},
	}
	devices := []Device{{Name: "kiosk", Token: "kiosk", Role: RoleKiosk}, {Name: "tv", Token: "tv", Role: RoleDisplay}}
	h := newAccessHub(t, clerks, devices, Limits{})
	var target booking.Appointment
	for _, a := range h.day(accessMitte) {
		if !a.Cancelled && !a.Start.Before(h.Clock.Now()) && a.Start.Before(h.Clock.Now().Add(20*time.Minute)) {
			target = a
			break
		}
	}
	base := "/api/v1/offices/" + accessMitte
	tests := []struct {
		name   string
		method string
		path   string
		as     who
		body   any
		want   int
	}{
		{"display draws a ticket", "POST", base + "/tickets", bearer("tv"), api.WalkInRequest{Service: "meldebescheinigung"}, 403},
		{"display tries a birth date", "POST", base + "/checkins", bearer("tv"), api.CheckInRequest{BirthDate: "1970-01-01"}, 403},
		{"display checks in a code", "POST", base + "/checkins", bearer("tv"), api.CheckInRequest{Code: "LOTSE:" + target.ID + ":" + target.Secret}, 403},
		{"display reads the queue", "GET", base + "/queue", bearer("tv"), nil, 200},
		{"display reads the events", "GET", base + "/events?since=0", bearer("tv"), nil, 200},
		{"kiosk draws a ticket", "POST", base + "/tickets", bearer("kiosk"), api.WalkInRequest{Service: "meldebescheinigung"}, 201},
		{"desk searches appointments", "GET", base + "/appointments?q=a", basic("desk", "demo"), nil, 200},
		{"desk checks in", "POST", base + "/checkins", basic("desk", "demo"), api.CheckInRequest{Appointment: target.ID}, 201},
		{"desk calls at a counter", "POST", base + "/counters/schalter-1/next", basic("desk", "demo"), nil, 403},
		{"clerk at his counter", "GET", base + "/counters/schalter-1/queue", basic("clerk1", "demo"), nil, 200},
		{"clerk at another counter", "POST", base + "/counters/schalter-2/next", basic("clerk1", "demo"), nil, 403},
		{"clerk searches appointments", "GET", base + "/appointments?q=a", basic("clerk1", "demo"), nil, 403},
		{"clerk draws a ticket", "POST", base + "/tickets", basic("clerk1", "demo"), api.WalkInRequest{Service: "meldebescheinigung"}, 403},
		{"clerk of another office", "GET", base + "/counters/schalter-1/queue", basic("nord", "demo"), nil, 403},
	}
	for _, tt := range tests {
		if a := h.do(tt.method, tt.path, tt.as, tt.body); a.Status != tt.want {
			t.Errorf("%s: %d %s, want %d", tt.name, a.Status, a.Body, tt.want)
		}
	}
	if a := h.do("POST", "/api/v1/session", nil, login(accessMitte, "schalter-2", "clerk1", "demo", false)); a.Status != http.StatusForbidden {
		t.Errorf("clerk logs in at a counter not his: %d %s", a.Status, a.Body)
	}

	t.Run("walk-in flood", func(t *testing.T) {
		h := newAccessHub(t, nil, accessDevices("kiosk-", 1, RoleKiosk), Limits{})
		var mu sync.Mutex
		issued := 0
		var wg sync.WaitGroup
		sem := make(chan struct{}, 32)
		for range 3000 {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				if a := h.do("POST", "/api/v1/offices/"+accessMitte+"/tickets", bearer("kiosk-0"), api.WalkInRequest{Service: "meldebescheinigung"}); a.Status == http.StatusCreated {
					mu.Lock()
					issued++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if want := DefaultLimits().WalkInPerDevice.Burst; issued > want {
			t.Fatalf("one kiosk drew %d of 3,000 tickets at once, want at most %d", issued, want)
		}
	})
}

// TestTokenInURL covers where a device token may sit in the URL (issue
// 11): only on the GET routes a TV's browser reads the board with, never
// on a write, where a link or a logged URL could act as the kiosk.
func TestTokenInURL(t *testing.T) {
	devices := []Device{{Name: "kiosk", Token: "kiosk", Role: RoleKiosk}, {Name: "tv", Token: "tv", Role: RoleDisplay}}
	h := newAccessHub(t, nil, devices, Limits{})
	base := "/api/v1/offices/" + accessMitte
	tests := []struct {
		name, method, path string
		as                 who
		body               any
		want               int
	}{
		{"display reads the queue", "GET", base + "/queue?token=tv", nil, nil, http.StatusOK},
		{"display reads the events", "GET", base + "/events?since=0&token=tv", nil, nil, http.StatusOK},
		{"kiosk reads the queue", "GET", base + "/queue?token=kiosk", nil, nil, http.StatusOK},
		{"kiosk draws a ticket", "POST", base + "/tickets?token=kiosk", nil, api.WalkInRequest{Service: "meldebescheinigung"}, http.StatusUnauthorized},
		{"kiosk checks in", "POST", base + "/checkins?token=kiosk", nil, api.CheckInRequest{Code: wrongCode(1)}, http.StatusUnauthorized},
		{"kiosk tries a birth date", "POST", base + "/checkins?token=kiosk", nil, api.CheckInRequest{BirthDate: "1970-01-01"}, http.StatusUnauthorized},
		{"kiosk retries the outbox", "POST", base + "/outbox/retry?token=kiosk", nil, nil, http.StatusUnauthorized},
		{"kiosk acts at a counter", "POST", base + "/counters/schalter-1/next?token=kiosk", nil, nil, http.StatusUnauthorized},
		{"kiosk reads a ticket", "GET", base + "/tickets/x?token=kiosk", nil, nil, http.StatusUnauthorized},
		{"header beats a URL token on a write", "POST", base + "/tickets?token=nobody", bearer("kiosk"), api.WalkInRequest{Service: "meldebescheinigung"}, http.StatusCreated},
		{"kiosk draws a ticket with the header", "POST", base + "/tickets", bearer("kiosk"), api.WalkInRequest{Service: "meldebescheinigung"}, http.StatusCreated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if a := h.do(tc.method, tc.path, tc.as, tc.body); a.Status != tc.want {
				t.Fatalf("%s %s: %d %s, want %d", tc.method, tc.path, a.Status, a.Body, tc.want)
			}
		})
	}
}

// TestWhoSeesNames covers who reads a person's name (issue 11.5): ticket
// ids are predictable, so the name is only for the clerk whose counter
// holds the ticket, the desk, supervisors and admins; the dead letters,
// whose backend answers may name a person, only for the last three.
func TestWhoSeesNames(t *testing.T) {
	clerks := []Clerk{
		{User: "eins", PasswordHash: accessHash(), Roles: []string{RoleClerk}, Counters: []string{"schalter-1"}},
		{User: "zwei", PasswordHash: accessHash(), Roles: []string{RoleClerk}, Counters: []string{"schalter-2"}},
		{User: "frei", PasswordHash: accessHash(), Roles: []string{RoleClerk}},
		{User: "desk", PasswordHash: accessHash(), Roles: []string{RoleDesk}},
		{User: "chef", PasswordHash: accessHash(), Roles: []string{RoleSupervisor}},
		{User: "admin", PasswordHash: accessHash(), Roles: []string{RoleAdmin}},
	}
	h := newAccessHub(t, clerks, accessDevices("kiosk-", 1, RoleKiosk), Limits{})
	base := "/api/v1/offices/" + accessMitte
	names := map[string]string{} // by ticket id
	for _, a := range h.day(accessMitte) {
		if len(names) == 2 {
			break
		}
		if a.Cancelled || a.Start.Before(h.Clock.Now()) || !a.Start.Before(h.Clock.Now().Add(20*time.Minute)) {
			continue
		}
		r := h.do("POST", checkinPath(accessMitte), bearer("kiosk-0"), api.CheckInRequest{Code: "LOTSE:" + a.ID + ":" + a.Secret})
		var tk api.Ticket
		if r.Status != http.StatusCreated || json.Unmarshal(r.Body, &tk) != nil {
			t.Fatalf("check-in: %d %s", r.Status, r.Body)
		}
		names[tk.ID] = a.Name
	}
	if len(names) != 2 {
		t.Fatal("want two appointments inside the check-in window")
	}
	ck, csrf := h.session(login(accessMitte, "schalter-1", "eins", "demo", false))
	r := h.do("POST", base+"/counters/schalter-1/next", cookie(ck, csrf), api.ActionRequest{})
	var called api.ActionResult
	if r.Status != http.StatusOK || json.Unmarshal(r.Body, &called) != nil || called.Ticket == nil {
		t.Fatalf("eins next: %d %s", r.Status, r.Body)
	}
	served := called.Ticket.ID
	if called.Ticket.Name != names[served] {
		t.Fatalf("the clerk who calls the person gets %q, want the name %q", called.Ticket.Name, names[served])
	}
	waiting := ""
	for id := range names {
		if id != served {
			waiting = id
		}
	}

	tests := []struct {
		name   string
		ticket string
		as     who
		sees   bool
	}{
		{"the clerk serving it", served, cookie(ck, ""), true},
		{"the clerk serving it, by Basic", served, basic("eins", "demo"), true},
		{"the clerk serving it, a waiting ticket", waiting, cookie(ck, ""), false},
		{"a clerk of another counter", served, basic("zwei", "demo"), false},
		{"a clerk of another counter, a waiting ticket", waiting, basic("zwei", "demo"), false},
		{"a clerk of every counter, where another clerk works", served, basic("frei", "demo"), false},
		{"a clerk of every counter, a waiting ticket", waiting, basic("frei", "demo"), false},
		{"the desk", waiting, basic("desk", "demo"), true},
		{"a supervisor", waiting, basic("chef", "demo"), true},
		{"an admin", served, basic("admin", "demo"), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := h.do("GET", base+"/tickets/"+tc.ticket, tc.as, nil)
			var tk api.Ticket
			if a.Status != http.StatusOK || json.Unmarshal(a.Body, &tk) != nil {
				t.Fatalf("%d %s, want the ticket", a.Status, a.Body)
			}
			if want := map[bool]string{true: names[tc.ticket]}[tc.sees]; tk.Name != want {
				t.Fatalf("name %q, want %q", tk.Name, want)
			}
		})
	}

	t.Run("the counter's queue names only its own ticket", func(t *testing.T) {
		var cq CounterQueue
		a := h.do("GET", base+"/counters/schalter-1/queue", cookie(ck, ""), nil)
		if a.Status != http.StatusOK || json.Unmarshal(a.Body, &cq) != nil {
			t.Fatalf("%d %s", a.Status, a.Body)
		}
		if cq.Counter.Ticket == nil || cq.Counter.Ticket.ID != served || cq.Counter.Ticket.Name != names[served] {
			t.Fatalf("the counter's own ticket %+v, want %s with its name", cq.Counter.Ticket, served)
		}
		for _, list := range [][]api.Ticket{cq.Next, cq.Parked, cq.Missed} {
			for _, tk := range list {
				if tk.Name != "" {
					t.Fatalf("ticket %s not at the counter carries the name %q", tk.ID, tk.Name)
				}
			}
		}
	})

	outbox := []struct {
		name, method, path string
		as                 who
		want               int
	}{
		{"a clerk reads the dead letters", "GET", base + "/outbox", basic("eins", "demo"), http.StatusForbidden},
		{"a clerk retries them", "POST", base + "/outbox/retry", basic("eins", "demo"), http.StatusForbidden},
		{"a clerk's session retries them", "POST", base + "/outbox/retry", cookie(ck, csrf), http.StatusForbidden},
		{"the desk reads them", "GET", base + "/outbox", basic("desk", "demo"), http.StatusOK},
		{"the desk retries them", "POST", base + "/outbox/retry", basic("desk", "demo"), http.StatusOK},
		{"a supervisor retries them", "POST", base + "/outbox/retry", basic("chef", "demo"), http.StatusOK},
		{"an admin reads them", "GET", base + "/outbox", basic("admin", "demo"), http.StatusOK},
	}
	for _, tc := range outbox {
		t.Run(tc.name, func(t *testing.T) {
			if a := h.do(tc.method, tc.path, tc.as, nil); a.Status != tc.want {
				t.Fatalf("%d %s, want %d", a.Status, a.Body, tc.want)
			}
		})
	}
}
