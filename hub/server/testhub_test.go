package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"lotse/hardware/qr"
	"lotse/hub/api"
	"lotse/hub/booking"
	"lotse/hub/booking/demo"
	"lotse/hub/clocktest"
	"lotse/hub/office"
	"lotse/hub/queue"
	"lotse/hub/store"
)

// testHealth is a settable booking-side health for /healthz.
type testHealth struct {
	mu   sync.Mutex
	info OfficeHealthInfo
}

func (h *testHealth) OfficeHealth(string) OfficeHealthInfo {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.info
}

func (h *testHealth) set(info OfficeHealthInfo) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.info = info
}

// testHub is a complete hub wired like hub/main.go on the embedded demo:
// the demo offices and their generated day, real SQLite under
// t.TempDir(), the office loops, the server behind httptest, clerk
// demo/demo and device token demo. Its clock stands at 10:00 Berlin time on
// a fixed Wednesday, so the day's appointments are always the same.
type testHub struct {
	URL     string
	Clock   *clocktest.Clock
	Health  *testHealth
	Outbox  *testOutbox
	Demo    *demo.Backend
	Offices []queue.Office
	Server  *Server
}

// testHubDay is the demo day every test hub runs on.
var testHubDay = time.Date(2026, time.March, 18, 10, 0, 0, 0, mustBerlin())

func mustBerlin() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err) // time/tzdata is linked in by the demo package
	}
	return loc
}

// newTestHub starts a hub that lives until the test ends; configure may
// change the server's configuration before it starts.
func newTestHub(t testing.TB, configure ...func(*Config)) *testHub {
	t.Helper()
	return newTestHubOffices(t, nil, configure...)
}

// newTestHubOffices is newTestHub with the demo offices changed by edit
// (if not nil) before their loops start.
func newTestHubOffices(t testing.TB, edit func(*queue.Office), configure ...func(*Config)) *testHub {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	clock := clocktest.New(testHubDay)
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "lotse.db"))
	if err != nil {
		cancel()
		t.Fatalf("open store: %v", err)
	}
	// Cleanups run last-in first-out: stop the loops, wait for them, then
	// close the store.
	var wg sync.WaitGroup
	t.Cleanup(func() { db.Close() })
	t.Cleanup(wg.Wait)
	t.Cleanup(cancel)
	birthKey := []byte("test birth key, not secret")
	hash, err := HashPassword("demo")
	if err != nil {
		t.Fatalf("hash password: %v", err)
	}
	h := &testHub{Clock: clock, Health: &testHealth{}, Outbox: &testOutbox{}, Demo: demo.New(clock.Now), Offices: booking.WithFallbackService(demo.Offices())}
	h.Health.set(OfficeHealthInfo{LastSync: clock.Now()})
	for i := range h.Offices {
		if edit != nil {
			edit(&h.Offices[i])
		}
	}

	var srv *Server
	loops := office.Set{}
	var list []*office.Loop
	for _, o := range h.Offices {
		l := office.New(office.Config{Office: o, DB: db, Now: clock.Now, Log: log,
			Publish: serverPublisher{&srv}})
		if err := l.Load(ctx); err != nil {
			t.Fatalf("load office %s: %v", o.ID, err)
		}
		loops[o.ID] = l
		list = append(list, l)
	}
	// Sessions expire by the real clock: a browser drops a cookie whose
	// expiry lies in its past.
	cfg := Config{
		Loops: list, DB: db, Auth: NewAuth([]Clerk{{User: "demo", PasswordHash: hash}}, []Device{{Name: "demo", Token: "demo"}}, []byte("test session key"), 0),
		BirthKey: birthKey, Log: log, Demo: h.Demo, QRCode: qr.Encode, Health: h.Health, Outbox: h.Outbox,
		Notice: func(string) string { return "Test" },
	}
	for _, c := range configure {
		c(&cfg)
	}
	srv = New(cfg)
	h.Server = srv

	for _, l := range list {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := l.Run(ctx); err != nil {
				t.Errorf("office loop: %v", err)
			}
		}()
	}
	wg.Add(1)
	go func() { defer wg.Done(); srv.Run(ctx) }()
	ts := httptest.NewServer(srv)
	h.URL = ts.URL
	t.Cleanup(func() {
		ts.CloseClientConnections()
		ts.Close()
	})

	syncer := &booking.Syncer{Backend: h.Demo, Offices: h.Offices, Apply: loops, Now: clock.Now, Log: log,
		Hash: func(date string) string { return queue.BirthHash(birthKey, date) }}
	for _, o := range h.Offices {
		if err := syncer.SyncOffice(ctx, o.ID); err != nil {
			t.Fatalf("sync %s: %v", o.ID, err)
		}
	}
	return h
}

// serverPublisher hands the loops' batches to the server as the hub does
// (hub/instance): prepared, so that the events carry the lines they
// changed. It holds the server's variable, set after the loops are made.
type serverPublisher struct{ srv **Server }

func (p serverPublisher) Publish(office string, events []queue.Event, waiting []queue.ServiceWait) {
	(*p.srv).Publish(office, events, waiting)
}

func (p serverPublisher) Prepare(office string, events []queue.Event, changed []queue.ServiceWait) office.Prepared {
	return (*p.srv).Prepare(office, events, changed)
}

type testPublisher func(string, []queue.Event, []queue.ServiceWait)

func (f testPublisher) Publish(office string, events []queue.Event, waiting []queue.ServiceWait) {
	f(office, events, waiting)
}

// Device returns an API client with the device token.
func (h *testHub) Device() *api.Client { return api.NewClient(h.URL, "demo") }

// Clerk returns an API client with the clerk account (HTTP Basic).
func (h *testHub) Clerk() *api.Client {
	return &api.Client{Base: h.URL, User: "demo", Password: "demo"}
}

// clerkGet reads a clerk-only endpoint into out.
func (h *testHub) clerkGet(t testing.TB, path string, out any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth("demo", "demo")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("GET %s: decode: %v", path, err)
	}
}

// CounterQueue returns what the counter's workplace lists.
func (h *testHub) CounterQueue(t testing.TB, officeID, counter string) CounterQueue {
	t.Helper()
	var q CounterQueue
	h.clerkGet(t, fmt.Sprintf("/api/v1/offices/%s/counters/%s/queue", officeID, counter), &q)
	return q
}

// Appointments searches the day's appointments as the information desk does.
func (h *testHub) Appointments(t testing.TB, officeID, query string) []api.Appointment {
	t.Helper()
	var list []api.Appointment
	h.clerkGet(t, "/api/v1/offices/"+officeID+"/appointments?"+query, &list)
	return list
}

// WalkIn draws a walk-in ticket at the kiosk.
func (h *testHub) WalkIn(t testing.TB, officeID, service string) api.Ticket {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tk, err := h.Device().WalkIn(ctx, officeID, api.WalkInRequest{Service: service})
	if err != nil {
		t.Fatalf("walk-in %s: %v", service, err)
	}
	return tk
}
