package server

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lotse/hub/api"
	"lotse/hub/booking/demo"
	"lotse/hub/statistics"
)

// pushBound is how long an emergency call may take to show on another
// page: far below every poll of the pages (the workplace refreshes every
// 30 s, the supervisor's view every 15 s; the emergencies are polled
// never). It only tells a push from a poll, it times nothing finer.
const pushBound = 10 * time.Second

// banner is the selector of a counter's alarm banner.
func banner(counter string) string {
	return fmt.Sprintf(`.emergency-banner[data-counter=%q]`, counter)
}

// TestEmergencyWeb: the clerk at Schalter 1 presses Ctrl+Alt+N; the
// alarm shows at Schalter 2, at the information desk and on the
// supervisor's live view, pushed
// over the stream, and sounds there, while Schalter 1 stays silent.
// Schalter 2 and the supervisor acknowledge it, Schalter 1 sees who
// comes and ends it, and the banners go everywhere. The audit trail on
// the supervisor's view lists the call.
func TestEmergencyWeb(t *testing.T) {
	b := newBrowser(t)
	h := newTestHub(t)
	a := b.newTab(t, h.URL)
	a.login("", "schalter-1")
	c := b.newTab(t, h.URL)
	c.login("", "schalter-2")
	s := b.newTab(t, h.URL)
	s.manageLogin("#office="+webOffice, "demo")
	d := b.newTab(t, h.URL)
	d.login("desk.html", "")
	for _, tb := range []*tab{a, c, s, d} {
		tb.waitFor("stream live", `document.querySelector("#st-stream") && document.querySelector("#st-stream").className === "st-live"`)
	}
	s.waitFor("counters", `!!document.querySelector('#counters [data-counter="schalter-1"]')`)

	a.eval(`document.activeElement && document.activeElement.blur()`, nil)
	raised := time.Now()
	a.do(chromedp.KeyEvent("n", chromedp.KeyModifiers(chromedp.ModifierCtrl, chromedp.ModifierAlt)))
	for _, tb := range []*tab{c, s, d} {
		tb.waitFor("the alarm", fmt.Sprintf(`!!document.querySelector(%q)`, banner("schalter-1")))
		tb.waitFor("the sound", `document.body.dataset.alarm === "sounding"`)
	}
	if d := time.Since(raised); d > pushBound {
		t.Errorf("the alarm took %v to show: polled, not pushed?", d)
	}
	if got := c.text(banner("schalter-1") + " .emergency-title"); got != "NOTRUF – Schalter 1" {
		t.Errorf("the alarm at Schalter 2 reads %q", got)
	}
	// The counter in danger stays silent and may end the call, not
	// acknowledge it.
	a.waitFor("own banner", `!!document.querySelector(".emergency-banner.own")`)
	var st struct {
		Alarm string `json:"alarm"`
		Ack   bool   `json:"ack"`
		End   bool   `json:"end"`
		Btn   bool   `json:"btn"`
	}
	a.eval(`({alarm: document.body.dataset.alarm || "", ack: !!document.querySelector(".emergency-ack"),
		end: !!document.querySelector(".emergency-end"), btn: document.querySelector("#emergency").disabled})`, &st)
	if st.Alarm == "sounding" || st.Ack || !st.End || !st.Btn {
		t.Errorf("the raising workplace: %+v; want silent, no ack, an end button, the button pressed", st)
	}
	// A colleague's workplace shows no end button: only Schalter 1 ends.
	if c.visible(".emergency-end") {
		t.Error("Schalter 2 may end Schalter 1's call")
	}
	// Every call reaches the hub's state: a workplace opened now shows it.
	var list api.Emergencies
	h.clerkGet(t, "/api/v1/offices/"+webOffice+"/emergencies", &list)
	if len(list.Active) != 1 || list.Active[0].Counter != "schalter-1" || list.Active[0].RaisedBy != "demo" {
		t.Fatalf("hub: %+v", list.Active)
	}
	late := b.newTab(t, h.URL)
	late.login("", "schalter-3")
	late.waitFor("the alarm on a page opened during the call", fmt.Sprintf(`!!document.querySelector(%q)`, banner("schalter-1")))

	c.shot("workplace-emergency-de")
	a.shot("workplace-emergency-raised-de")
	for _, tb := range []*tab{a, c} {
		tb.do(chromedp.Click(`.topbar [data-lang="en"]`))
		tb.waitFor("English", `document.documentElement.lang === "en"`)
	}
	c.waitFor("English alarm", fmt.Sprintf(`document.querySelector(%q).textContent.includes("EMERGENCY")`, banner("schalter-1")))
	c.shot("workplace-emergency-en")
	a.shot("workplace-emergency-raised-en")
	s.shot("manage-emergency-de")

	// Banner buttons are clicked in the page: a message for another
	// page's acknowledgement rebuilds the banners, and a click sent
	// from outside could hit a node just replaced.
	c.eval(fmt.Sprintf(`document.querySelector(%q).click()`, banner("schalter-1")+" .emergency-ack"), nil)
	c.waitFor("silent after the ack", `document.body.dataset.alarm !== "sounding"`)
	a.waitFor("Schalter 1 sees who comes", `document.querySelector(".emergency-banner.own .emergency-acks").textContent.includes("Counter 2") ||
		document.querySelector(".emergency-banner.own .emergency-acks").textContent.includes("Schalter 2")`)
	s.eval(fmt.Sprintf(`document.querySelector(%q).click()`, banner("schalter-1")+" .emergency-ack"), nil)
	s.waitFor("silent after the supervisor's ack", `document.body.dataset.alarm !== "sounding"`)
	late.waitFor("still sounding where nobody acknowledged", `document.body.dataset.alarm === "sounding"`)

	a.eval(`document.querySelector(".emergency-banner.own .emergency-end").click()`, nil)
	for _, tb := range []*tab{a, c, s, d, late} {
		tb.waitFor("the alarm gone", `!document.querySelector(".emergency-banner") && document.body.dataset.alarm !== "sounding"`)
	}
	c.waitFor("notice of the end", `document.querySelector("#error-text").textContent.includes("ended")`)

	// The audit trail has the call, its acknowledgements and its end.
	s.eval(`document.querySelector("#audit-action").value = "emergency"`, nil)
	s.do(chromedp.Click("#audit-search"))
	s.waitFor("the call in the trail", `document.querySelectorAll('#audit tr[data-action="emergency"]').length === 1`)
	var lines AuditView
	h.clerkGet(t, "/api/v1/offices/"+webOffice+"/audit", &lines)
	var got []string
	for _, l := range lines.Lines {
		got = append(got, l.Action+"@"+l.Counter)
	}
	want := "emergency_end@schalter-1 emergency_ack@ emergency_ack@schalter-2 emergency@schalter-1"
	if strings.Join(got, " ") != want {
		t.Errorf("audit trail %q, want %q", strings.Join(got, " "), want)
	}
}

// TestOutcomeWeb: the clerk picks "Unterlagen fehlen" on the ticket and
// finishes; the statistics count it for the ticket's service. A second
// visit is transferred to Schalter 2 with a note, which the clerk there
// reads when calling it, and finished with the digit key of an outcome.
func TestOutcomeWeb(t *testing.T) {
	b := newBrowser(t)
	h := newTestHub(t)
	a := b.newTab(t, h.URL)
	a.login("", "schalter-1")
	first := h.WalkIn(t, webOffice, demo.Meldebescheinigung)
	second := h.WalkIn(t, webOffice, demo.Meldebescheinigung)
	a.waitInList("queue-list", first.Number)
	a.waitEnabled("next")
	a.press("next")
	a.waitCurrent(first.Number)
	a.waitEnabled("start")
	a.press("start")
	a.waitFor("outcomes", `document.querySelectorAll("#outcomes [data-outcome]").length === 4`)
	// Clicked in the page: every event of the office rebuilds the card
	// (keeping the row's nodes), and a node re-inserted there gets a new
	// id in the browser's protocol under a click sent from outside.
	a.eval(`document.querySelector('#outcomes [data-outcome="documents_missing"]').click()`, nil)
	a.waitFor("picked", `document.querySelector('#outcomes [data-outcome="documents_missing"]').getAttribute("aria-pressed") === "true"`)
	a.shot("workplace-outcome-de")
	a.waitEnabled("finish")
	a.press("finish")
	a.waitNoCurrent()

	// The second visit goes to Schalter 2 with a note for the clerk there.
	a.waitEnabled("next")
	a.press("next")
	a.waitCurrent(second.Number)
	a.waitEnabled("transfer")
	a.press("transfer")
	a.waitFor("transfer dialog", `document.querySelector("#transfer-dialog").open`)
	a.do(chromedp.SendKeys("#transfer-note", "Meldebescheinigung fehlt noch"))
	a.do(chromedp.Click(`#transfer-counters [data-counter="schalter-2"]`))
	a.waitNoCurrent()

	c := b.newTab(t, h.URL)
	c.login("", "schalter-2")
	c.waitInList("queue-list", second.Number)
	c.waitEnabled("next")
	c.press("next")
	c.waitCurrent(second.Number)
	c.waitFor("the note", `(document.querySelector("#current-handover")||{}).textContent === "Notiz: Meldebescheinigung fehlt noch"`)
	// No screen but the clerk's learns the note.
	snap, err := h.Device().Queue(context.Background(), webOffice)
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range snap.Tickets {
		if tk.Handover != "" {
			t.Fatalf("the queue view carries the note: %+v", tk)
		}
	}
	c.waitEnabled("start")
	c.press("start")
	c.key("1") // the first outcome: erledigt
	c.waitFor("picked by key", `document.querySelector('#outcomes [data-outcome="done"]').getAttribute("aria-pressed") === "true"`)
	c.waitEnabled("finish")
	c.press("finish")
	c.waitNoCurrent()

	// The test hub's day, not the machine's: the hub's statistics period
	// ends today by default.
	day := testHubDay.Format("2006-01-02")
	var rep statistics.Report
	h.clerkGet(t, "/api/v1/offices/"+webOffice+"/statistics?from="+day+"&to="+day, &rep)
	if rep.Outcomes == nil || len(rep.Outcomes.Rows) != 1 {
		t.Fatalf("outcomes %+v", rep.Outcomes)
	}
	row := rep.Outcomes.Rows[0]
	if row.Service != demo.Meldebescheinigung || row.Counts["documents_missing"] != 1 || row.Counts["done"] != 1 || row.Total != 2 {
		t.Fatalf("outcomes of %s: %+v", row.Service, row)
	}
	// The statistics page shows them.
	s := b.newTab(t, h.URL)
	s.manageLogin("statistics.html#office="+webOffice, "demo")
	s.waitFor("period", `document.querySelector("#stats-from").value !== ""`)
	s.eval(fmt.Sprintf(`document.querySelector("#stats-from").value = %q; document.querySelector("#stats-to").value = %q`, day, day), nil)
	s.do(chromedp.Click("#stats-show"))
	s.waitFor("outcomes table", fmt.Sprintf(`!!document.querySelector('#outcomes-table [data-service=%q]')`, demo.Meldebescheinigung))
	if got := s.text(fmt.Sprintf(`#outcomes-table [data-service=%q] [data-outcome="documents_missing"]`, demo.Meldebescheinigung)); got != "1" {
		t.Errorf("the page counts %q visits with documents missing", got)
	}
	s.shot("statistics-outcomes-de")
}
