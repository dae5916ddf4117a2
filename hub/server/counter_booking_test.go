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
)

// testOutbox records retries of dead letters.
type testOutbox struct {
	mu      sync.Mutex
	retried []string
	n       int
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
	h.Health.set(OfficeHealthInfo{LastSync: h.Clock.Now(), OutboxDepth: 1, OutboxOldest: h.Clock.Now().Add(-90 * time.Second), OutboxAge: 90 * time.Second,
		DeadLetters: 2, DeadLetterAnswer: answer, Warning: "booking backend refused 2 reports for good", WarningCode: "dead_letters",
		Repaired: 3, Repairs: map[string]int{"name_shortened": 1, "service_fallback": 2}, Refused: map[string]int{"id": 1}})

	var health api.Health
	if err := json.Unmarshal([]byte(httpGet(t, h.URL+"/healthz")), &health); err != nil {
		t.Fatal(err)
	}
	oh := health.Offices[0]
	if oh.DeadLetters != 2 || oh.DeadLetterAnswer != answer || oh.OutboxAgeSeconds != 90 || oh.OutboxOldest == nil ||
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

	b := newBrowser(t)
	a := b.newTab(t, h.URL)
	a.login("", "schalter-1")
	a.eval(`Lotse.pollHealth(), true`, nil)
	a.waitFor("dead letters", `!!document.querySelector("#st-dead") && document.querySelector("#st-dead").textContent.includes("appointment not in this scope")`)
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
