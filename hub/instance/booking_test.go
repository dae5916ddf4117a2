package instance_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lotse/hub/api"
	"lotse/hub/booking"
	"lotse/hub/booking/demo"
	"lotse/hub/booking/faulty"
	"lotse/hub/booking/reference"
	"lotse/hub/booking/rest"
	"lotse/hub/clocktest"
	"lotse/hub/instance"
	"lotse/hub/server"
)

// hostileName is stored and shown as text: a spreadsheet must not run it
// as a formula, a browser must not run it as a script.
const hostileName = `=cmd|' /C calc'!A0 <script>alert("x")</script>`

// restDay returns n appointments of Mitte that are due at 10:00 office
// time on the test day, each for one Führungszeugnis, the first with a
// hostile name.
func restDay(n int) reference.File {
	loc, _ := time.LoadLocation("Europe/Berlin")
	var list []rest.Appointment
	for i := range n {
		a := rest.Appointment{
			ID: fmt.Sprintf("R-%03d", i), Secret: fmt.Sprintf("sec-%03d", i),
			Start:    time.Date(2026, 3, 10, 9, 46+i%15, 0, 0, loc),
			Services: []rest.Service{{ID: "FZ"}}, Name: fmt.Sprintf("Bürger %d", i),
		}
		if i == 0 {
			a.Name = hostileName
		}
		list = append(list, a)
	}
	return reference.File{Offices: map[string][]rest.Appointment{mitte: list}}
}

// restHub is a real hub on Mitte alone whose booking backend is the Lotse
// booking protocol at url.
type restHub struct {
	*instance.Hub
	clock  *clocktest.Clock
	device *api.Client
	clerk  *api.Client
}

func startRESTHub(t *testing.T, url string, c *clocktest.Clock, secrets map[string][]byte) *restHub {
	t.Helper()
	if c == nil {
		loc, _ := time.LoadLocation("Europe/Berlin")
		c = clocktest.New(time.Date(2026, 3, 10, 10, 0, 0, 0, loc))
	}
	backend := &rest.Client{BaseURL: url, Token: "ref-token", Timeout: 2 * time.Second, Services: map[string]string{"FZ": demo.Fuehrungszeugnis}}
	h, err := instance.Start(context.Background(), instance.Options{
		Addr: "127.0.0.1:0", DBPath: filepath.Join(t.TempDir(), "lotse.db"), Offices: demo.Offices()[:1],
		Backend: booking.Mux{mitte: backend},
		Clerks:  []server.Clerk{{User: "demo", PasswordHash: demoHash}},
		Devices: []server.Device{{Name: "kiosk", Token: "demo"}},
		Now:     c.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), PingEvery: 200 * time.Millisecond,
		TickEvery: time.Hour, SyncEvery: time.Hour, WebhookSecrets: secrets,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Stop)
	return &restHub{Hub: h, clock: c, device: api.NewClient(h.URL, "demo"), clerk: &api.Client{Base: h.URL, User: "demo", Password: "demo"}}
}

func (h *restHub) checkIn(t *testing.T, i int) api.Ticket {
	t.Helper()
	tk, err := h.device.CheckIn(ctx(t), mitte, api.CheckInRequest{Code: fmt.Sprintf("LOTSE:R-%03d:sec-%03d", i, i)})
	if err != nil {
		t.Fatalf("check-in %d: %v", i, err)
	}
	return tk
}

// serveNext calls the next ticket at counter 1 and finishes it.
func (h *restHub) serveNext(t *testing.T) api.Ticket {
	t.Helper()
	res, err := h.clerk.Act(ctx(t), mitte, "schalter-1", api.ActionNext, api.ActionRequest{})
	if err != nil || res.Ticket == nil {
		t.Fatalf("next: %+v, %v", res, err)
	}
	if _, err := h.clerk.Act(ctx(t), mitte, "schalter-1", api.ActionFinish, api.ActionRequest{}); err != nil {
		t.Fatalf("finish: %v", err)
	}
	return *res.Ticket
}

// eventually polls cond until it holds or 20 s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 20s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRESTBackendHostileNamesAndWebhook(t *testing.T) {
	ref := reference.New(reference.Options{Token: "ref-token"})
	ref.SetFile(restDay(3))
	srv := httptest.NewServer(ref)
	defer srv.Close()
	secret := []byte("webhook-secret")
	h := startRESTHub(t, srv.URL, nil, map[string][]byte{mitte: secret})

	// The hostile name reaches the serving clerk unchanged, as JSON text.
	h.checkIn(t, 0)
	res, err := h.clerk.Act(ctx(t), mitte, "schalter-1", api.ActionNext, api.ActionRequest{})
	if err != nil || res.Ticket == nil || res.Ticket.Name != hostileName {
		t.Fatalf("next = %+v, %v; want the name exactly as booked", res.Ticket, err)
	}
	q, err := h.device.Queue(ctx(t), mitte)
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range q.Tickets {
		if tk.Name != "" {
			t.Fatalf("a device sees a name: %+v", tk)
		}
	}

	// A short-notice booking and a cancellation arrive by webhook, long
	// before the next poll (an hour away).
	f := restDay(4)
	f.Offices[mitte][2].Cancelled = true
	ref.SetFile(f)
	post := func(header string, office string) int {
		body := []byte(`{"office":"` + office + `"}`)
		req, _ := http.NewRequest(http.MethodPost, h.URL+"/api/v1/webhooks/booking/"+office, bytes.NewReader(body))
		if header == "" {
			header = booking.SignWebhook(secret, h.clock.Now(), body)
		}
		req.Header.Set(booking.SignatureHeader, header)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	stale := booking.SignWebhook(secret, h.clock.Now().Add(-time.Hour), []byte(`{"office":"`+mitte+`"}`))
	forged := booking.SignWebhook([]byte("guessed"), h.clock.Now(), []byte(`{"office":"`+mitte+`"}`))
	tests := []struct {
		name, header, office string
		want                 int
	}{
		{"forged", forged, mitte, http.StatusUnauthorized},
		{"replayed", stale, mitte, http.StatusUnauthorized},
		{"unsigned", "t=1", mitte, http.StatusUnauthorized},
		{"office without webhook", "", "nowhere", http.StatusNotFound},
	}
	for _, tt := range tests {
		if got := post(tt.header, tt.office); got != tt.want {
			t.Errorf("%s: status %d, want %d", tt.name, got, tt.want)
		}
	}
	if _, err := h.device.CheckIn(ctx(t), mitte, api.CheckInRequest{Code: "LOTSE:R-003:sec-003"}); api.ErrorCode(err) != api.CodeNotFound {
		t.Fatalf("the new booking is known before the webhook: %v", err)
	}
	if got := post("", mitte); got != http.StatusAccepted {
		t.Fatalf("signed webhook: status %d, want 202", got)
	}
	eventually(t, "the short-notice booking after the webhook", func() bool {
		_, err := h.device.CheckIn(ctx(t), mitte, api.CheckInRequest{Code: "LOTSE:R-003:sec-003"})
		return err == nil
	})
	if _, err := h.device.CheckIn(ctx(t), mitte, api.CheckInRequest{Code: "LOTSE:R-002:sec-002"}); err == nil {
		t.Fatal("a cancelled booking checked in")
	}
}

// TestOutageKeepsTheOfficeRunning takes the booking backend down: check-in
// and calls go on from the hub's copy of the day, /healthz and /metrics
// warn once the outage lasts longer than the warning time, and after
// recovery every report arrives exactly once.
func TestOutageKeepsTheOfficeRunning(t *testing.T) {
	ref := reference.New(reference.Options{Token: "ref-token"})
	ref.SetFile(restDay(20))
	fault := &faulty.Handler{Next: ref}
	srv := httptest.NewServer(fault)
	defer srv.Close()
	h := startRESTHub(t, srv.URL, nil, nil)

	checked := 0
	for ; checked < 5; checked++ {
		h.checkIn(t, checked)
	}
	eventually(t, "the first reports", func() bool { return len(ref.Reports().Reports) == 5 })

	// Down, in turn in every way a backend fails.
	modes := []faulty.Mode{faulty.Unavailable, faulty.ServerError, faulty.Malformed, faulty.Reset, faulty.LoseAnswer}
	served := 0
	for ; checked < 20; checked++ {
		fault.Set(modes[checked%len(modes)])
		h.checkIn(t, checked)
		if checked%2 == 0 {
			h.serveNext(t)
			served++
		}
	}
	fault.Set(faulty.Unavailable)
	if err := h.Syncer.SyncOffice(ctx(t), mitte); err == nil {
		t.Fatal("a sync against a dead backend succeeded")
	}
	q, err := h.device.Queue(ctx(t), mitte)
	if err != nil || len(q.Tickets) == 0 {
		t.Fatalf("the queue during the outage: %d tickets, %v", len(q.Tickets), err)
	}
	eventually(t, "the outbox to notice the outage", func() bool { return !h.Outbox.Status().FailingSince.IsZero() })

	health, err := h.device.Health(ctx(t))
	if err != nil || health.Status != "ok" {
		t.Fatalf("healthz within the warning time = %+v, %v", health, err)
	}
	h.clock.Advance(16 * time.Minute) // the default warning time is 15 min
	health, err = h.device.Health(ctx(t))
	if err != nil || health.Status != "degraded" || health.Offices[0].Warning == "" || health.Offices[0].OutboxDepth == 0 || health.Offices[0].LastSync == nil {
		t.Fatalf("healthz after 16 min of outage = %+v, %v", health, err)
	}
	metrics := get(t, h.URL+"/metrics")
	for _, want := range []string{`lotse_outbox_depth{office="` + mitte + `"}`, `lotse_last_sync_timestamp_seconds{office="` + mitte + `"}`} {
		if !strings.Contains(metrics, want) || strings.Contains(metrics, want+" 0\n") {
			t.Errorf("metrics lack a non-zero %s", want)
		}
	}

	fault.Set(faulty.Pass)
	h.Outbox.Notify()
	eventually(t, "the outbox to drain after recovery", func() bool {
		n, err := h.DB.CountReports(context.Background())
		return err == nil && n == 0
	})
	if err := h.Syncer.SyncOffice(ctx(t), mitte); err != nil {
		t.Fatal(err)
	}
	health, err = h.device.Health(ctx(t))
	if err != nil || health.Status != "ok" {
		t.Fatalf("healthz after recovery = %+v, %v", health, err)
	}
	assertExactlyOnce(t, ref.Reports(), checked, served)
}

// assertExactlyOnce checks that the reference server holds one arrival per
// check-in and one call and one service end per served ticket, with no
// key twice.
func assertExactlyOnce(t *testing.T, got reference.Reports, checkedIn, served int) {
	t.Helper()
	kinds := map[string]int{}
	keys := map[string]bool{}
	seen := map[string]bool{}
	for _, r := range got.Reports {
		if keys[r.Key] {
			t.Errorf("key %s recorded twice", r.Key)
		}
		keys[r.Key] = true
		id := r.Report.Appointment + "/" + r.Report.Kind
		if seen[id] {
			t.Errorf("%s reported twice under different keys", id)
		}
		seen[id] = true
		kinds[r.Report.Kind]++
	}
	if kinds["arrived"] != checkedIn || kinds["called"] != served || kinds["served"] != served || len(got.Reports) != checkedIn+2*served {
		t.Errorf("reference has %v (%d reports, %d duplicates absorbed); want %d arrived, %d called, %d served",
			kinds, len(got.Reports), got.Duplicates, checkedIn, served, served)
	}
	t.Logf("%d reports arrived exactly once; %d duplicate deliveries absorbed by the idempotency key", len(got.Reports), got.Duplicates)
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
