package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lotse/hub/api"
	"lotse/hub/booking"
	"lotse/hub/queue"
)

// testOutbox lists set dead letters and records retries.
type testOutbox struct {
	mu      sync.Mutex
	retried []string
	n       int
	dead    []booking.DeadLetter
}

func (o *testOutbox) DeadLetters(ctx context.Context, office string, limit int) ([]booking.DeadLetter, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.dead), nil
}

func (o *testOutbox) RetryDeadLetters(ctx context.Context, office string) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.retried = append(o.retried, office)
	return o.n, nil
}

func (o *testOutbox) calls() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.retried)
}

// TestBookingRepairsAndDeadLetters: the office's dead letters (with the
// backend's answer), the age of its oldest report and the repairs of its
// last sync reach /healthz, /metrics and the counter page, where a clerk
// sends the dead letters again.
func TestBookingRepairsAndDeadLetters(t *testing.T) {
	h := newTestHub(t)
	h.Outbox.n = 2
	answer := "HTTP 422 Unprocessable Entity: invalid: appointment not in this scope"
	h.Outbox.dead = []booking.DeadLetter{{Report: booking.Report{ID: 9, Appointment: "M-1", Kind: queue.ReportServed, Ticket: "A007"}, Answer: answer}}
	h.Health.set(OfficeHealthInfo{LastSync: h.Clock.Now(), OutboxDepth: 1, OutboxOldest: h.Clock.Now().Add(-90 * time.Second), OutboxAge: 90 * time.Second,
		DeadLetters: 2, Warning: "booking backend refused 2 reports for good", WarningCode: "dead_letters",
		Repaired: 3, Repairs: map[string]int{"name_shortened": 1, "service_fallback": 2}, Refused: map[string]int{"id": 1}})

	var health api.Health
	if err := json.Unmarshal([]byte(httpGet(t, h.URL+"/healthz")), &health); err != nil {
		t.Fatal(err)
	}
	oh := health.Offices[0]
	if oh.DeadLetters != 2 || oh.OutboxAgeSeconds != 90 || oh.OutboxOldest == nil ||
		oh.Repaired != 3 || oh.Repairs["service_fallback"] != 2 || oh.Refused["id"] != 1 || health.Status != "degraded" {
		t.Errorf("healthz = %+v", oh)
	}
	metrics := httpGet(t, h.URL+"/metrics")
	for _, want := range []string{
		`lotse_outbox_dead_letters{office="` + webOffice + `"} 2`,
		`lotse_outbox_oldest_age_seconds{office="` + webOffice + `"} 90`,
		`lotse_booking_repaired{office="` + webOffice + `"} 3`,
		`lotse_booking_repairs{office="` + webOffice + `",kind="service_fallback"} 2`,
		`lotse_booking_refused{office="` + webOffice + `",reason="id"} 1`,
	} {
		if !strings.Contains(metrics, want+"\n") {
			t.Errorf("metrics lack %s", want)
		}
	}

	// The answers themselves only for clerks: they may name a person.
	if strings.Contains(httpGet(t, h.URL+"/healthz"), "scope") {
		t.Error("healthz carries the backend's answer")
	}
	if _, err := api.NewClient(h.URL, "demo").Outbox(context.Background(), webOffice); api.ErrorCode(err) != api.CodeUnauthorized {
		t.Errorf("a device read the dead letters: %v", err)
	}
	clerk := &api.Client{Base: h.URL, User: "demo", Password: "demo"}
	if o, err := clerk.Outbox(context.Background(), webOffice); err != nil || len(o.DeadLetters) != 1 || o.DeadLetters[0].Answer != answer || o.DeadLetters[0].Ticket != "A007" {
		t.Errorf("outbox for a clerk = %+v, %v", o, err)
	}

	b := newBrowser(t)
	a := b.newTab(t, h.URL)
	a.login("", "schalter-1")
	a.eval(`Lotse.pollHealth(), true`, nil)
	a.waitFor("dead letters", `!!document.querySelector("#st-dead") && document.querySelector("#st-dead").textContent.includes("appointment not in this scope") && document.querySelector("#st-dead").title.includes("A007 erledigt")`)
	a.waitFor("repairs", `document.querySelector("#st-repairs").textContent.includes("3 Buchungen") && document.querySelector("#st-repairs").title.includes("Anliegen unbekannt: 2")`)
	a.waitFor("refused", `document.querySelector("#st-refused").textContent.includes("1 Buchungen nicht")`)
	a.waitFor("warning", `document.querySelector("#st-backend").textContent.includes("abgelehnt")`)
	a.shot("workplace-dead-letters-de")

	h.Health.set(OfficeHealthInfo{LastSync: h.Clock.Now()}) // what the hub says after the retry
	a.do(chromedp.Click("#st-retry"))
	a.waitFor("dead letters gone", `!document.querySelector("#st-dead") && !document.querySelector("#st-retry")`)
	if got := h.Outbox.calls(); !slices.Equal(got, []string{webOffice}) {
		t.Errorf("retries = %v, want one for %s", got, webOffice)
	}
}

func httpGet(t *testing.T, url string) string {
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
