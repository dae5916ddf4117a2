package server

import (
	"bytes"
	"context"
	"encoding/json"
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
