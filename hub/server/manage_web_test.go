package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lotse/hub/api"
	"lotse/hub/booking/demo"
	"lotse/hub/queue"
	"lotse/hub/statistics"
	"lotse/hub/store"
)

// The manager's pages (/manage/) in headless Chromium against a real hub.

// manageLogin opens a manager's page and logs in at the office without a
// counter, as user.
func (tb *tab) manageLogin(page, user string) {
	tb.t.Helper()
	tb.do(chromedp.Navigate(tb.url + "/manage/" + page))
	tb.waitFor("login form", `!document.querySelector("#login").hidden && document.querySelectorAll("#login-office option").length > 0`)
	tb.eval(fmt.Sprintf(`(() => {
		const o = document.querySelector("#login-office");
		o.value = %q; o.dispatchEvent(new Event("change"));
		document.querySelector("#login-counter").value = "";
		document.querySelector("#login-user").value = "";
		document.querySelector("#login-password").value = "";
		return true;
	})()`, webOffice), nil)
	tb.do(
		chromedp.SendKeys("#login-user", user),
		chromedp.SendKeys("#login-password", "demo"),
		chromedp.Click("#login-submit"),
	)
	tb.waitFor("login done", `document.querySelector("#login").hidden`)
}

// await runs JavaScript that returns a promise and decodes its value.
func (tb *tab) await(js string, out any) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](js, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("eval %s: %v", js, err)
	}
	if err := json.Unmarshal(v, out); err != nil {
		tb.t.Fatalf("eval %s: decode %s: %v", js, v, err)
	}
}

func (tb *tab) counterState(counter, state string) {
	tb.t.Helper()
	tb.waitFor(counter+" "+state, fmt.Sprintf(`(document.querySelector('#counters [data-counter=%q]')||{dataset:{}}).dataset.state === %q`, counter, state))
}

// manageHub is a test hub with a clerk without the supervisor role beside
// the demo account; devices, if not nil, stands in for the devices'
// reports.
func manageHub(t *testing.T, devices DeviceMonitor) *testHub {
	t.Helper()
	return newTestHub(t, func(c *Config) {
		c.Manage = ManageConfig{Devices: devices}
		c.Auth = NewAuth([]Clerk{{User: "demo", PasswordHash: accessHash()}, {User: "clerk", PasswordHash: accessHash(), Roles: []string{RoleClerk, RoleDesk}}},
			[]Device{{Name: "demo", Token: "demo"}}, []byte("test session key"), 0)
	})
}

// TestManageLive: a supervisor opens the city, picks an office, and sees
// its counters change state as clerks work, the waiting line, and a
// kiosk's printer running out of paper; in German and in English.
func TestManageLive(t *testing.T) {
	b := newBrowser(t)
	h := manageHub(t, nil)
	a := b.newTab(t, h.URL)
	a.manageLogin("", "demo")

	// Two demo offices: the city overview comes first and opens each.
	a.waitFor("city", `location.hash === "#city" && document.querySelectorAll("#city-offices .office-card").length === 2`)
	a.do(chromedp.Click(fmt.Sprintf(`#city-offices [data-office=%q]`, demo.Nord)))
	a.waitFor("Nord", `!document.querySelector("#live").hidden && document.querySelector("#place").textContent.includes("Nord")`)
	a.counterState("schalter-6", api.CounterClosed)
	// The session was opened at Mitte; Nord's stream still reaches the page.
	a.waitFor("Nord's stream live", `document.querySelector("#st-stream") && document.querySelector("#st-stream").className === "st-live"`)
	h.WalkIn(t, demo.Nord, demo.Reisepass)
	a.waitFor("Nord's line live", fmt.Sprintf(`(document.querySelector('#services [data-service=%q] td:nth-child(2)')||{}).textContent === "1"`, demo.Reisepass))
	a.do(chromedp.Navigate(h.URL + "/manage/#office=" + webOffice))
	a.waitFor("Mitte", `document.querySelector("#place").textContent.includes("Mitte")`)
	a.counterState("schalter-1", api.CounterClosed)
	a.waitFor("stream live", `document.querySelector("#st-stream") && document.querySelector("#st-stream").className === "st-live"`)

	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	clerk := h.Clerk()
	act := func(action string) {
		t.Helper()
		if _, err := clerk.Act(ctx, webOffice, "schalter-1", action, api.ActionRequest{}); err != nil {
			t.Fatalf("%s: %v", action, err)
		}
	}
	tk := h.WalkIn(t, webOffice, demo.Meldebescheinigung)
	a.waitFor("one waiting", fmt.Sprintf(`(document.querySelector('#services [data-service=%q] td:nth-child(2)')||{}).textContent === "1"`, demo.Meldebescheinigung))

	// Each change reaches the page over the stream, without a reload.
	act(api.ActionNext)
	a.counterState("schalter-1", api.CounterServing)
	if got := a.text(`#counters [data-counter="schalter-1"] .c-ticket`); got != tk.Number {
		t.Errorf("serving ticket %q, want %s", got, tk.Number)
	}
	a.waitFor("mm:ss ticks", `/\d+:\d\d$/.test(document.querySelector('#counters [data-counter="schalter-1"] .c-since').textContent)`)
	act("pause")
	a.counterState("schalter-1", api.CounterServing) // pausing keeps the ticket
	act(api.ActionFinish)
	a.counterState("schalter-1", api.CounterPaused)
	act("open")
	a.counterState("schalter-1", api.CounterIdle)

	// A kiosk out of paper reports it (POST /api/v1/devices/status); the
	// page learns it at its next fetch (every 15 s), as a silent device
	// would show.
	if err := h.Device().ReportStatus(ctx, api.DeviceStatus{Version: "1.2.3", UptimeSeconds: 60, Kind: api.DeviceKiosk, Office: webOffice,
		Printer: api.PrinterPaperOut, Scanner: api.LinkConnected, Stream: api.LinkConnected}); err != nil {
		t.Fatalf("device report: %v", err)
	}
	a.waitFor("paper out", `!!document.querySelector('#alerts [data-kind="paper_out"][data-device="demo"]')`)
	if got := a.text(`#alerts [data-kind="paper_out"] .alert-text`); got != "demo: Papier leer" {
		t.Errorf("alert reads %q", got)
	}
	if got := a.text(`#devices [data-device="demo"] td:nth-child(2)`); got != "Papier leer" {
		t.Errorf("device printer reads %q", got)
	}
	a.do(chromedp.Click(`.topbar [data-lang="en"]`))
	a.waitFor("English", `document.querySelector('#alerts [data-kind="paper_out"] .alert-text').textContent === "demo: out of paper"`)
	a.do(chromedp.Click(`.topbar [data-lang="de"]`))
	a.waitFor("German", `document.documentElement.lang === "de"`)
}

// TestManageForbidden: a clerk without the supervisor role logs in and
// is told so; the hub answers the pages' APIs with 403.
func TestManageForbidden(t *testing.T) {
	b := newBrowser(t)
	h := manageHub(t, nil)
	a := b.newTab(t, h.URL)
	a.manageLogin("", "clerk")
	a.waitFor("forbidden", `!document.querySelector("#forbidden").hidden && document.querySelector("#live").hidden`)
	var status int
	a.await(fmt.Sprintf(`fetch("/api/v1/offices/%s/supervision").then((r) => r.status)`, webOffice), &status)
	if status != http.StatusForbidden {
		t.Errorf("supervision as a clerk: %d, want 403", status)
	}
	a.do(chromedp.Navigate(h.URL + "/manage/statistics.html"))
	a.waitFor("statistics forbidden", `!document.querySelector("#forbidden").hidden && document.querySelector("#stats").hidden`)
}

// statisticsFixture answers the statistics routes in the contract's
// shape where the hub has none, for the page's own test.
func statisticsFixture(next http.Handler, rows int) http.Handler {
	row := func(key, label string, n int) map[string]any {
		return map[string]any{"key": key, "label": label, "booked": 40 + n, "checkedIn": 34 + n, "noShows": 6, "noShowRate": 6.0 / float64(40+n),
			"cancelled": 2, "walkIns": 12 + n%5, "served": 44 + n, "missed": 1, "recalls": 3, "waitMedianMinutes": 6.5 + float64(n%4),
			"waitP90Minutes": 18 + float64(n%6), "serviceMeanMinutes": 11.2, "serviceConfiguredMinutes": 12, "punctuality": 0.87, "utilisation": 0.74}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		office := strings.TrimPrefix(p, "/api/v1/offices/")
		office, rest, _ := strings.Cut(office, "/")
		if _, err := r.Cookie(sessionCookie); err != nil || !strings.HasPrefix(p, "/api/v1/offices/") {
			next.ServeHTTP(w, r)
			return
		}
		switch rest {
		case "statistics":
			by := r.URL.Query().Get("by")
			out := map[string]any{"office": office, "from": "2026-02-17", "to": "2026-03-18", "by": by, "totals": row("", "", 0), "rows": []any{}, "waitHistogram": []any{}}
			var list []any
			switch by {
			case "hour":
				for hr := 8; hr < 18 && rows > 0; hr++ {
					list = append(list, row(fmt.Sprintf("%02d", hr), fmt.Sprintf("%02d–%02d Uhr", hr, hr+1), hr))
				}
			default:
				for i := range rows {
					d := time.Date(2026, 2, 17, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i)
					list = append(list, row(d.Format("2006-01-02"), d.Format("02.01."), i))
				}
			}
			if rows > 0 {
				out["rows"] = list
				out["waitHistogram"] = []any{
					map[string]any{"fromMinutes": 0, "toMinutes": 5, "count": 120}, map[string]any{"fromMinutes": 5, "toMinutes": 10, "count": 210},
					map[string]any{"fromMinutes": 10, "toMinutes": 20, "count": 160}, map[string]any{"fromMinutes": 20, "toMinutes": 30, "count": 60},
					map[string]any{"fromMinutes": 30, "toMinutes": 0, "count": 14}}
			}
			writeJSON(w, http.StatusOK, out)
		case "advice":
			writeJSON(w, http.StatusOK, map[string]any{"office": office, "method": "docs/statistics.md", "services": []any{
				map[string]any{"service": "anmeldung", "name": "Anmeldung einer Wohnung", "noShowRate": 0.14, "overbookingPercent": 9.5,
					"idleMinutesSavedPerDay": 42, "measuredServiceMinutes": 11.3, "configuredMinutes": 15, "suggestedSlotMinutes": 12}}})
		case "statistics.csv":
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			fmt.Fprintln(w, "key,label,booked")
		case "statistics.xlsx":
			w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
			w.Write([]byte("PK\x03\x04"))
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// statisticsHub serves the test hub behind the statistics fixture
// unless the hub answers statistics itself (real).
func statisticsHub(t *testing.T, h *testHub, rows int) (url string, real bool) {
	t.Helper()
	if hubHasStatistics(t, h) {
		return h.URL, true
	}
	ts := httptest.NewServer(statisticsFixture(h.Server, rows))
	t.Cleanup(ts.Close)
	return ts.URL, false
}

func hubHasStatistics(t *testing.T, h *testHub) bool {
	req, _ := http.NewRequest(http.MethodGet, h.URL+"/api/v1/offices/"+webOffice+"/statistics", nil)
	req.SetBasicAuth("demo", "demo")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// TestManageStatistics: the statistics page shows the hub's figures as a
// table, charts and the advice, and both downloads answer with their
// files. Against the fixture every figure is there; against the hub's
// own statistics a test hub may have none yet, and each chart is drawn
// or says so.
func TestManageStatistics(t *testing.T) {
	b := newBrowser(t)
	h := manageHub(t, nil)
	url, real := statisticsHub(t, h, 30)
	a := b.newTab(t, url)
	a.manageLogin("statistics.html", "demo")
	a.waitFor("table", `document.querySelectorAll("#stats-table thead th").length === 18 && (document.querySelectorAll("#stats-table tbody tr").length > 1 || !document.querySelector("#stats-empty").hidden)`)
	charts := `["#chart-series", "#chart-waits", "#chart-hours", "#chart-histogram"]`
	if real {
		a.waitFor("charts", charts+`.every((s) => !!document.querySelector(s + " .uplot canvas") || !!document.querySelector(s + " .chart-empty"))`)
	} else {
		a.waitFor("charts", charts+`.every((s) => !!document.querySelector(s + " .uplot canvas"))`)
		a.waitFor("advice", `!document.querySelector("#advice").hidden && document.querySelectorAll("#advice-table tbody tr").length === 1`)
	}
	var period []string
	a.eval(`[document.querySelector("#stats-from").value, document.querySelector("#stats-to").value]`, &period)
	if len(period) != 2 || period[0] == "" || period[1] == "" {
		t.Fatalf("the hub's period is not filled in: %v", period)
	}

	// Both downloads, as the links name them, with the page's session.
	for _, link := range []struct{ sel, ctype string }{{"#download-csv", "text/csv"}, {"#download-xlsx", "spreadsheetml"}} {
		var got struct {
			Status int    `json:"status"`
			Type   string `json:"type"`
			Href   string `json:"href"`
			Size   int    `json:"size"`
		}
		a.await(fmt.Sprintf(`(async () => { const h = document.querySelector(%q).href; const r = await fetch(h);
			const b = await r.arrayBuffer(); return {status: r.status, type: r.headers.get("Content-Type") || "", href: h, size: b.byteLength}; })()`, link.sel), &got)
		if got.Status != http.StatusOK || !strings.Contains(got.Type, link.ctype) || got.Size == 0 ||
			!strings.Contains(got.Href, "from="+period[0]) || !strings.Contains(got.Href, "by=day") {
			t.Errorf("%s: %+v", link.sel, got)
		}
	}

	// Another grouping: the table and the links follow.
	a.eval(`(() => { const s = document.querySelector("#stats-by"); s.value = "hour"; s.dispatchEvent(new Event("change")); return true; })()`, nil)
	a.waitFor("by hour", `document.querySelector("#stats-table thead th").textContent === "Uhrzeit" && document.querySelector("#download-csv").href.includes("by=hour")`)
}

// TestManageStatisticsEmpty: a period without figures (a new office)
// says so instead of breaking.
func TestManageStatisticsEmpty(t *testing.T) {
	b := newBrowser(t)
	h := manageHub(t, nil)
	if hubHasStatistics(t, h) {
		t.Skip("the hub answers statistics itself; the empty period is the hub's test")
	}
	url, _ := statisticsHub(t, h, 0)
	a := b.newTab(t, url)
	var errs []string
	a.manageLogin("statistics.html", "demo")
	a.waitFor("empty", `!document.querySelector("#stats-empty").hidden && document.querySelectorAll("#chart-series .chart-empty").length === 1`)
	a.eval(`Array.from(document.querySelectorAll(".chart-empty")).map((e) => e.textContent)`, &errs)
	if len(errs) != 4 {
		t.Errorf("empty charts: %v", errs)
	}
}

// TestManageScreenshots saves the manager's pages for a look (opt-in:
// LOTSE_SCREENSHOTS=DIR).
func TestManageScreenshots(t *testing.T) {
	if os.Getenv("LOTSE_SCREENSHOTS") == "" {
		t.Skip("set LOTSE_SCREENSHOTS=DIR to save screenshots of the manager's pages")
	}
	b := newBrowser(t)
	devices := &testDevices{}
	h := manageHub(t, devices)
	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	clerk := h.Clerk()
	n := 0
	for _, ap := range h.Appointments(t, webOffice, "from=09:30&to=10:15") {
		if ap.Status == "booked" && n < 10 {
			if _, err := clerk.CheckIn(ctx, webOffice, api.CheckInRequest{Appointment: ap.ID}); err == nil {
				n++
			}
		}
	}
	for _, s := range []string{demo.Meldebescheinigung, demo.Anmeldung, demo.KfzUmmeldung, demo.Fuehrungszeugnis, demo.Anmeldung} {
		h.WalkIn(t, webOffice, s)
	}
	h.Clock.Advance(35 * time.Minute)
	for _, c := range []string{"schalter-1", "schalter-2", "schalter-3", "schalter-5"} {
		if _, err := clerk.Act(ctx, webOffice, c, api.ActionNext, api.ActionRequest{}); err != nil {
			t.Fatalf("next at %s: %v", c, err)
		}
	}
	if _, err := clerk.Act(ctx, webOffice, "schalter-4", "pause", api.ActionRequest{}); err != nil {
		t.Fatal(err)
	}
	h.Clock.Advance(4 * time.Minute)
	h.Health.set(OfficeHealthInfo{WarningCode: "reports_failing", Warning: "down", Since: h.Clock.Now().Add(-18 * time.Minute), DeadLetters: 2})
	devices.set([]map[string]any{
		{"device": "kiosk-eingang", "kind": "kiosk", "version": "1.4.0", "printer": "paper_out", "scanner": true, "stream": true, "reportedAt": h.Clock.Now()},
		{"device": "anzeige-wartebereich", "kind": "display", "version": "1.4.0", "printer": "none", "scanner": false, "stream": true, "reportedAt": h.Clock.Now()},
	}, []DeviceProblem{{Kind: "paper_out", Device: "kiosk-eingang", Since: h.Clock.Now().Add(-2 * time.Minute), Text: "kiosk-eingang: Papier leer"}})

	l := b.newTab(t, h.URL)
	l.do(chromedp.Navigate(h.URL + "/manage/"))
	l.waitFor("login form", `!document.querySelector("#login").hidden && document.querySelectorAll("#login-office option").length > 0`)
	l.shot("manage-login-de")

	seedHistory(t, h, webOffice, 90)
	url, _ := statisticsHub(t, h, 30)
	a := b.newTab(t, url)
	a.manageLogin("", "demo")
	a.waitFor("city", `document.querySelectorAll("#city-offices .office-card").length === 2`)
	for _, lang := range []string{"de", "en"} {
		a.do(chromedp.Click(fmt.Sprintf(`.topbar [data-lang=%q]`, lang)))
		a.waitFor("language", fmt.Sprintf(`document.documentElement.lang === %q`, lang))
		a.shot("manage-city-" + lang)
	}
	a.do(chromedp.Navigate(a.url + "/manage/#office=" + webOffice))
	a.waitFor("live", `document.querySelectorAll("#counters .counter-card").length === 8 && !!document.querySelector('#alerts [data-kind="paper_out"]')`)
	for _, lang := range []string{"de", "en"} {
		a.do(chromedp.Click(fmt.Sprintf(`.topbar [data-lang=%q]`, lang)))
		a.waitFor("language", fmt.Sprintf(`document.documentElement.lang === %q`, lang))
		a.shot("manage-live-" + lang)
		a.do(chromedp.EmulateViewport(1024, 768))
		a.shot("manage-live-1024-" + lang)
		a.do(chromedp.EmulateViewport(1280, 800))
	}
	a.do(chromedp.Navigate(a.url + "/manage/statistics.html#office=" + webOffice))
	a.waitFor("charts", `!!document.querySelector("#chart-histogram .uplot canvas") && !document.querySelector("#advice").hidden`)
	for _, lang := range []string{"de", "en"} {
		a.do(chromedp.Click(fmt.Sprintf(`.topbar [data-lang=%q]`, lang)))
		legend := map[string]string{"de": "Eingecheckt", "en": "Checked in"}[lang]
		a.waitFor("language", fmt.Sprintf(`document.documentElement.lang === %q && !!document.querySelector("#chart-histogram .uplot canvas") && document.querySelector("#chart-series").textContent.includes(%q)`, lang, legend))
		a.shot("manage-statistics-" + lang)
	}
}

// seedHistory writes days of generated statistics for office, up to
// yesterday by the server's clock (the real one: see newTestHub), as demo
// mode does, so that a screenshot shows a page as an office sees it.
func seedHistory(t *testing.T, h *testHub, officeID string, days int) {
	t.Helper()
	db, ok := h.Server.db.(*store.DB)
	if !ok {
		t.Fatalf("the test hub's store is a %T", h.Server.db)
	}
	var o queue.Office
	for _, x := range h.Offices {
		if x.ID == officeID {
			o = x
		}
	}
	to := o.Day(time.Now().AddDate(0, 0, -1))
	from, err := statistics.DayBefore(to, days-1)
	if err != nil {
		t.Fatal(err)
	}
	var cells []statistics.Cell
	if err := statistics.History(o, statistics.HistoryOptions{From: from, To: to, Seed: 7}, func(c statistics.Cell) error {
		cells = append(cells, c)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.AddStatCells(context.Background(), cells); err != nil {
		t.Fatal(err)
	}
}
