package server

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lotse/hub/api"
	"lotse/hub/booking/demo"
)

// The counter workplace and the information desk in headless Chromium,
// against a real hub. Every wait polls the page with a generous deadline:
// CI machines are slow and busy, and nothing here sleeps to synchronise.

const (
	webOffice = demo.Mitte
	// stepTimeout bounds one browser step (a click, a wait).
	stepTimeout = 90 * time.Second
)

func TestCounterWorkplace(t *testing.T) {
	b := newBrowser(t)
	h := newTestHub(t)
	a := b.newTab(t, h.URL)

	a.login("", "schalter-1")
	a.waitFor("empty queue", `!!document.querySelector("#queue-empty")`)
	a.waitFor("next disabled while nobody waits", `document.querySelector('[data-action="next"]').disabled`)
	if got := a.text(`[data-action="next"] kbd`); got != "N" {
		t.Errorf("next shows shortcut %q, want N", got)
	}
	a.waitFor("stream live", `document.querySelector("#st-stream") && document.querySelector("#st-stream").className === "st-live"`)

	// Walk-ins at the kiosk reach the queue through the stream.
	var w []api.Ticket
	for range 5 {
		w = append(w, h.WalkIn(t, webOffice, demo.Meldebescheinigung))
	}
	for _, tk := range w {
		a.waitInList("queue-list", tk.Number)
	}

	t.Run("next", func(t *testing.T) {
		a.t = t
		a.waitEnabled("next")
		a.press("next")
		a.waitCurrent(w[0].Number)
		a.waitNotInList("queue-list", w[0].Number)
		if q := h.CounterQueue(t, webOffice, "schalter-1"); q.Counter.Ticket == nil || q.Counter.Ticket.ID != w[0].ID {
			t.Fatalf("hub: counter holds %+v, want %s", q.Counter.Ticket, w[0].Number)
		}
		// A walk-in has no name and no note: nothing stands for them,
		// least of all the word "null".
		var box string
		a.eval(`document.querySelector("#current").innerText`, &box)
		if strings.Contains(box, "null") || strings.Contains(box, "undefined") {
			t.Fatalf("the current ticket reads %q", box)
		}
	})

	t.Run("recall until missed, then call again", func(t *testing.T) {
		a.t = t
		for i := 1; i <= 2; i++ {
			a.waitEnabled("recall")
			a.press("recall")
			a.waitFor(fmt.Sprintf("recalled %d times", i), fmt.Sprintf(`document.querySelector("#current-state").textContent.includes("%d×")`, i))
		}
		if tk := ticketState(t, h, w[0].ID); tk.Recalls != 2 || tk.State != api.StateCalled {
			t.Fatalf("after two recalls: %s recalls %d", tk.State, tk.Recalls)
		}
		a.waitEnabled("recall")
		a.press("recall") // the third recall gives up: missed
		a.waitNoCurrent()
		a.waitInList("missed-list", w[0].Number)
		if tk := ticketState(t, h, w[0].ID); tk.State != api.StateMissed {
			t.Fatalf("after the last recall: %s, want missed", tk.State)
		}
		a.do(chromedp.Click(fmt.Sprintf(`#missed-list [data-number=%q] button`, w[0].Number)))
		a.waitCurrent(w[0].Number)
		a.waitNotInList("missed-list", w[0].Number)
	})

	t.Run("start and finish", func(t *testing.T) {
		a.t = t
		a.waitEnabled("start")
		a.press("start")
		a.waitFor("serving", `document.querySelector(".ticket-card").classList.contains("serving")`)
		a.waitFor("recall disabled while serving", `document.querySelector('[data-action="recall"]').disabled`)
		a.waitEnabled("finish")
		a.press("finish")
		a.waitNoCurrent()
		if tk := ticketState(t, h, w[0].ID); tk.State != api.StateDone {
			t.Fatalf("after finish: %s, want done", tk.State)
		}
	})

	t.Run("no-show", func(t *testing.T) {
		a.t = t
		a.waitEnabled("next")
		a.do(chromedp.Click(`[data-action="next"]`))
		a.waitCurrent(w[1].Number)
		a.waitEnabled("noshow")
		a.press("noshow")
		a.waitNoCurrent()
		a.waitInList("missed-list", w[1].Number)
		if tk := ticketState(t, h, w[1].ID); tk.State != api.StateMissed {
			t.Fatalf("after no-show: %s, want missed", tk.State)
		}
	})

	t.Run("park and call again", func(t *testing.T) {
		a.t = t
		a.waitEnabled("next")
		a.key(" ")
		a.waitCurrent(w[2].Number)
		a.waitEnabled("park")
		a.press("park")
		a.waitNoCurrent()
		a.waitInList("parked-list", w[2].Number)
		if tk := ticketState(t, h, w[2].ID); tk.State != api.StateParked {
			t.Fatalf("after park: %s, want parked", tk.State)
		}
		a.do(chromedp.Click(fmt.Sprintf(`#parked-list [data-number=%q] button`, w[2].Number)))
		a.waitCurrent(w[2].Number)
		a.waitNotInList("parked-list", w[2].Number)
	})

	t.Run("transfer to a counter", func(t *testing.T) {
		a.t = t
		// A clerk works at schalter-2 (an action by HTTP Basic staffs
		// it): a ticket transferred there waits for them.
		ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
		defer cancel()
		if _, err := h.Clerk().Act(ctx, webOffice, "schalter-2", api.ActionOpen, api.ActionRequest{}); err != nil {
			t.Fatal(err)
		}
		a.waitEnabled("transfer")
		a.press("transfer")
		a.waitFor("transfer dialog", `document.querySelector("#transfer-dialog").open`)
		a.do(chromedp.Click(`#transfer-counters [data-counter="schalter-2"]`))
		a.waitNoCurrent()
		tk := ticketState(t, h, w[2].ID)
		if tk.State != api.StateWaiting || tk.TargetCounter != "schalter-2" {
			t.Fatalf("after transfer: %s for %q, want waiting for schalter-2", tk.State, tk.TargetCounter)
		}
		a.waitNotInList("queue-list", w[2].Number)
	})

	t.Run("transfer to a service", func(t *testing.T) {
		a.t = t
		a.waitEnabled("next")
		a.press("next")
		a.waitCurrent(w[3].Number)
		a.waitEnabled("transfer")
		a.do(chromedp.Click(`[data-action="transfer"]`))
		a.waitFor("transfer dialog", `document.querySelector("#transfer-dialog").open`)
		a.do(chromedp.Click(fmt.Sprintf(`#transfer-services [data-service=%q]`, demo.KfzUmmeldung)))
		a.waitNoCurrent()
		tk := ticketState(t, h, w[3].ID)
		if tk.State != api.StateWaiting || tk.Services[0].Service != demo.KfzUmmeldung {
			t.Fatalf("after transfer: %s for %+v, want waiting for %s", tk.State, tk.Services, demo.KfzUmmeldung)
		}
	})

	t.Run("call a specific ticket", func(t *testing.T) {
		a.t = t
		extra := h.WalkIn(t, webOffice, demo.Fuehrungszeugnis)
		a.waitInList("queue-list", extra.Number)
		a.waitEnabled("call")
		a.press("call")
		a.waitFor("call dialog", `document.querySelector("#call-dialog").open`)
		a.do(chromedp.SendKeys("#call-filter", extra.Number+"\r"))
		a.waitCurrent(extra.Number)
		if tk := ticketState(t, h, extra.ID); tk.State != api.StateCalled || tk.Counter != "schalter-1" {
			t.Fatalf("after call: %s at %q", tk.State, tk.Counter)
		}
		a.waitEnabled("finish")
		a.press("finish")
		a.waitNoCurrent()
	})

	t.Run("a ticket called elsewhere meanwhile shows an error", func(t *testing.T) {
		a.t = t
		a.waitEnabled("call")
		a.press("call")
		a.waitFor("call dialog", `document.querySelector("#call-dialog").open`)
		// Another counter calls the last one while the dialog is open.
		ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
		defer cancel()
		if _, err := h.Clerk().Act(ctx, webOffice, "schalter-8", api.ActionCall, api.ActionRequest{Ticket: w[4].ID}); err != nil {
			t.Fatal(err)
		}
		a.do(chromedp.Click(fmt.Sprintf(`#call-tickets [data-ticket=%q]`, w[4].ID)))
		a.waitFor("error banner", `!document.querySelector("#error").hidden && document.querySelector("#error").className === "error-banner"`)
		if got := a.text("#error-text"); !strings.Contains(got, "anderswo") {
			t.Errorf("error says %q, want the plain German text about a ticket called elsewhere", got)
		}
		a.waitNoCurrent()
	})

	t.Run("double click calls one person", func(t *testing.T) {
		a.t = t
		x := h.WalkIn(t, webOffice, demo.Meldebescheinigung)
		y := h.WalkIn(t, webOffice, demo.Meldebescheinigung)
		a.waitInList("queue-list", y.Number)
		a.waitEnabled("next")
		a.do(chromedp.DoubleClick(`[data-action="next"]`))
		a.waitCurrent(x.Number)
		a.waitIdle()
		if tk := ticketState(t, h, y.ID); tk.State != api.StateWaiting {
			t.Fatalf("the second ticket is %s after a double click, want waiting", tk.State)
		}
		if tk := ticketState(t, h, x.ID); tk.State != api.StateCalled {
			t.Fatalf("the first ticket is %s after a double click, want called", tk.State)
		}
		a.press("finish")
		a.waitNoCurrent()
	})

	t.Run("expired session brings the login back and repeats the action", func(t *testing.T) {
		a.t = t
		a.waitEnabled("next")
		// The session ends behind the page's back.
		a.endSession()
		a.press("next")
		a.waitFor("login with message", `!document.querySelector("#login").hidden && !document.querySelector("#login-message").hidden`)
		a.fillLogin("schalter-1")
		a.waitFor("login done", `document.querySelector("#login").hidden`)
		a.waitFor("the next person is called", `!!document.querySelector("#current-number")`)
		q := h.CounterQueue(t, webOffice, "schalter-1")
		if q.Counter.Ticket == nil || q.Counter.Ticket.Number != a.current() {
			t.Fatalf("hub holds %+v, page shows %q", q.Counter.Ticket, a.current())
		}
	})

	t.Run("pause and reopen", func(t *testing.T) {
		a.t = t
		a.press("finish")
		a.waitNoCurrent()
		a.do(chromedp.Click("#pause"))
		a.waitFor("paused", `document.body.classList.contains("paused")`)
		a.waitFor("next disabled while paused", `document.querySelector('[data-action="next"]').disabled`)
		if q := h.CounterQueue(t, webOffice, "schalter-1"); q.Counter.Open {
			t.Fatal("hub: counter still open after pause")
		}
		a.do(chromedp.Click("#pause"))
		a.waitFor("open", `!document.body.classList.contains("paused")`)
	})

	t.Run("English", func(t *testing.T) {
		a.t = t
		a.do(chromedp.Click(`.topbar [data-lang="en"]`))
		a.waitFor("English texts", `document.querySelector('[data-action="next"] span').textContent === "Next"`)
		a.do(chromedp.Click(`.topbar [data-lang="de"]`))
		a.waitFor("German texts", `document.querySelector('[data-action="next"] span').textContent === "Nächste"`)
	})
}

func TestCounterDesk(t *testing.T) {
	b := newBrowser(t)
	h := newTestHub(t)
	d := b.newTab(t, h.URL)
	d.login("desk.html", "")

	// Somebody booked by phone for 10:05 comes to the desk.
	var person api.Appointment
	for _, ap := range h.Appointments(t, webOffice, "from=10:00&to=10:15") {
		if ap.Status == "booked" && ap.Name != "" && ap.Services[0].Service == demo.Anmeldung {
			person = ap
			break
		}
	}
	if person.ID == "" {
		t.Fatal("the demo day has no bookable Anmeldung between 10:00 and 10:15")
	}
	last := person.Name[strings.LastIndex(person.Name, " ")+1:]

	t.Run("check in by name", func(t *testing.T) {
		d.t = t
		d.do(chromedp.SendKeys("#search-name", last))
		row := fmt.Sprintf(`[data-appointment=%q]`, person.ID)
		d.waitFor("the appointment in the results", `!!document.querySelector('`+row+` .checkin')`)
		d.do(chromedp.Click(row + " .checkin"))
		d.waitFor("ticket dialog", `document.querySelector("#ticket-dialog").open && document.querySelector("#issued-number").textContent !== ""`)
		var after []api.Appointment
		for _, ap := range h.Appointments(t, webOffice, "q="+strings.ReplaceAll(last, " ", "+")) {
			if ap.ID == person.ID {
				after = append(after, ap)
			}
		}
		if len(after) != 1 || after[0].Status != "arrived" || after[0].Ticket == nil {
			t.Fatalf("hub: appointment after desk check-in: %+v", after)
		}
		if got := d.text("#issued-number"); got != after[0].Ticket.Number {
			t.Fatalf("desk shows %q, hub issued %q", got, after[0].Ticket.Number)
		}
		d.waitFor("the status link", `!document.querySelector("#issued-link").hidden && document.querySelector("#issued-url").textContent.includes("/t/")`)
		d.do(chromedp.Click("#issued-done"))
		d.waitFor("the row shows the ticket", `!!document.querySelector('`+row+` .show-ticket')`)
		// Shown again from the search, the ticket has no link (only the
		// answer to the check-in carries it): no code, not the last one's.
		d.do(chromedp.Click(row + " .show-ticket"))
		d.waitFor("the ticket again, without a link", `document.querySelector("#ticket-dialog").open && document.querySelector("#issued-link").hidden && document.querySelector("#print-link").hidden && document.querySelector("#issued-url").textContent === ""`)
		d.do(chromedp.Click("#issued-done"))
	})

	t.Run("the workplace shows the name", func(t *testing.T) {
		a := d.sibling() // same session: the desk clerk opens the workplace
		a.t = t
		a.do(chromedp.Navigate(h.URL + "/counter/"))
		a.waitFor("counter needed", `!document.querySelector("#login").hidden`)
		a.fillLogin("schalter-1")
		a.waitFor("login done", `document.querySelector("#login").hidden`)
		ap := h.Appointments(t, webOffice, "from=10:00&to=10:15")
		var number string
		for _, x := range ap {
			if x.ID == person.ID && x.Ticket != nil {
				number = x.Ticket.Number
			}
		}
		a.waitInList("queue-list", number)
		a.press("call")
		a.waitFor("call dialog", `document.querySelector("#call-dialog").open`)
		a.do(chromedp.SendKeys("#call-filter", number+"\r"))
		a.waitCurrent(number)
		if got := a.text("#current-name"); got != person.Name {
			t.Fatalf("workplace shows name %q, want %q", got, person.Name)
		}
	})

	t.Run("walk-in with priority", func(t *testing.T) {
		d.t = t
		d.do(chromedp.Click(fmt.Sprintf(`#walkin-services [data-service=%q]`, demo.Fuehrungszeugnis)))
		d.do(chromedp.Click("#walkin-priority"))
		d.waitFor("draw enabled", `!document.querySelector("#walkin-draw").disabled`)
		d.do(chromedp.Click("#walkin-draw"))
		d.waitFor("ticket dialog", `document.querySelector("#ticket-dialog").open && document.querySelector("#issued-number").textContent.startsWith("F")`)
		number := d.text("#issued-number")
		q := h.CounterQueue(t, webOffice, "schalter-1")
		if len(q.Next) == 0 || q.Next[0].Number != number || !q.Next[0].Priority {
			t.Fatalf("hub: first in line at schalter-1 is %+v, want the priority ticket %s", q.Next, number)
		}
		if got := d.text("#print-number"); got != number {
			t.Errorf("print view shows %q, want %s", got, number)
		}
		// The ticket's status link, as text and as the hub's QR code, on
		// the screen and on the printed ticket (issue 14.1).
		for _, part := range []string{"issued", "print"} {
			d.waitFor(part+": the QR code drawn", fmt.Sprintf(`!document.querySelector("#%[1]s-link").hidden && document.querySelector("#%[1]s-qr").complete && document.querySelector("#%[1]s-qr").naturalWidth > 0`, part))
		}
		link := d.text("#issued-url")
		if !regexp.MustCompile(`^` + regexp.QuoteMeta(h.URL) + `/t/[A-Za-z0-9_-]{22}$`).MatchString(link) {
			t.Fatalf("the desk shows the link %q, want %s/t/{token}", link, h.URL)
		}
		if got := d.text("#print-url"); got != link {
			t.Errorf("the printed ticket shows the link %q, want %q", got, link)
		}
		var st api.TicketStatus
		getJSON(t, link+"/status", &st)
		if st.Number != number {
			t.Errorf("the link leads to ticket %q, want %s", st.Number, number)
		}
		d.do(chromedp.Click("#issued-done"))
	})
}

// Two clerks at two counters that serve the same service press "next" at
// the same moment: they never get the same person.
func TestCounterTwoClerksPressNextAtOnce(t *testing.T) {
	b := newBrowser(t)
	h := newTestHub(t)
	for range 3 {
		h.WalkIn(t, webOffice, demo.Anmeldung)
	}
	clerks := []*tab{b.newTab(t, h.URL), b.newTab(t, h.URL)}
	counters := []string{"schalter-1", "schalter-2"}
	for i, c := range clerks {
		c.login("", counters[i])
		c.waitEnabled("next")
		c.waitFor("three waiting", `document.querySelectorAll("#queue-list .ticket-row").length === 3`)
	}

	var wg sync.WaitGroup
	errs := make([]error, len(clerks))
	start := make(chan struct{})
	for i, c := range clerks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			ctx, cancel := context.WithTimeout(c.ctx, stepTimeout)
			defer cancel()
			_, errs[i] = chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('[data-action="next"]').click(), true`))
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("clerk %d: %v", i, err)
		}
	}
	var shown []string
	for _, c := range clerks {
		c.waitFor("a called ticket", `!!document.querySelector("#current-number")`)
		c.waitIdle()
		shown = append(shown, c.current())
	}
	if shown[0] == shown[1] {
		t.Fatalf("both counters show %s", shown[0])
	}
	var held []string
	for _, c := range counters {
		q := h.CounterQueue(t, webOffice, c)
		if q.Counter.Ticket == nil {
			t.Fatalf("hub: %s holds no ticket", c)
		}
		held = append(held, q.Counter.Ticket.Number)
	}
	if held[0] == held[1] || held[0] != shown[0] || held[1] != shown[1] {
		t.Fatalf("hub: counters hold %v, pages show %v", held, shown)
	}
	for _, c := range clerks {
		c.waitFor("one left in the queue", `document.querySelectorAll("#queue-list .ticket-row").length === 1`)
	}
}

// TestCounterScreenshots saves screenshots of the workplace and the desk in
// German and English at 1280×800 and 1024×768 into $LOTSE_SCREENSHOTS, for
// people to look at. Without the variable it does nothing.
func TestCounterScreenshots(t *testing.T) {
	if os.Getenv("LOTSE_SCREENSHOTS") == "" {
		t.Skip("set LOTSE_SCREENSHOTS=DIR to save screenshots of the counter pages")
	}
	b := newBrowser(t)
	h := newTestHub(t)
	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	clerk := h.Clerk()
	a := b.newTab(t, h.URL)
	a.login("", "schalter-1")
	a.waitFor("empty queue", `!!document.querySelector("#queue-empty")`)
	for _, lang := range []string{"de", "en"} {
		a.do(chromedp.Click(fmt.Sprintf(`.topbar [data-lang=%q]`, lang)))
		a.waitFor("language", fmt.Sprintf(`document.documentElement.lang === %q`, lang))
		a.shot("workplace-empty-" + lang)
	}

	// A morning: people booked between 9:45 and 10:15 check in at the desk
	// (names!), a few walk-ins come, and time passes.
	n := 0
	for _, ap := range h.Appointments(t, webOffice, "from=09:45&to=10:15") {
		if ap.Status == "booked" && n < 8 {
			if _, err := clerk.CheckIn(ctx, webOffice, api.CheckInRequest{Appointment: ap.ID}); err == nil {
				n++
			}
		}
	}
	for _, s := range []string{demo.Meldebescheinigung, demo.Anmeldung, demo.Fuehrungszeugnis, demo.Anmeldung} {
		h.WalkIn(t, webOffice, s)
	}
	h.Clock.Advance(12 * time.Minute)
	for _, act := range []string{api.ActionNext, api.ActionPark, api.ActionNext, api.ActionNoShow} {
		if _, err := clerk.Act(ctx, webOffice, "schalter-1", act, api.ActionRequest{}); err != nil {
			t.Fatalf("%s: %v", act, err)
		}
	}
	h.Clock.Advance(3 * time.Minute)
	h.Health.set(OfficeHealthInfo{LastSync: h.Clock.Now().Add(-20 * time.Minute), OutboxDepth: 7,
		Warning: "booking backend has not accepted reports since 09:52", WarningCode: "reports_failing", Since: h.Clock.Now().Add(-8 * time.Minute)})
	a.eval(`Lotse.pollHealth(), true`, nil)
	a.waitEnabled("next")
	a.press("next")
	a.waitFor("called", `!!document.querySelector("#current-number")`)
	a.waitEnabled("recall")
	a.press("recall")
	a.waitFor("recalled", `document.querySelector("#current-state").textContent.includes("1")`)
	a.waitFor("warning", `!!document.querySelector(".st-warn")`)
	for _, lang := range []string{"de", "en"} {
		a.do(chromedp.Click(fmt.Sprintf(`.topbar [data-lang=%q]`, lang)))
		a.waitFor("language", fmt.Sprintf(`document.documentElement.lang === %q`, lang))
		a.shot("workplace-called-" + lang)
		a.do(chromedp.EmulateViewport(1024, 768))
		a.shot("workplace-called-1024-" + lang)
		a.do(chromedp.EmulateViewport(1280, 800))
	}

	// An error: the ticket in the open dialog was called elsewhere.
	for _, lang := range []string{"de", "en"} {
		a.do(chromedp.Click(fmt.Sprintf(`.topbar [data-lang=%q]`, lang)))
		a.waitFor("language", fmt.Sprintf(`document.documentElement.lang === %q`, lang))
		tk := h.WalkIn(t, webOffice, demo.Meldebescheinigung)
		a.waitInList("queue-list", tk.Number)
		a.press("call")
		a.waitFor("call dialog", `document.querySelector("#call-dialog").open`)
		if lang == "de" {
			a.shot("workplace-call-dialog-de")
		}
		if _, err := clerk.Act(ctx, webOffice, "schalter-8", api.ActionCall, api.ActionRequest{Ticket: tk.ID, Current: api.CurrentServed}); err != nil {
			t.Fatal(err)
		}
		a.do(chromedp.Click(fmt.Sprintf(`#call-tickets [data-ticket=%q]`, tk.ID)))
		a.waitFor("error", `!document.querySelector("#error").hidden`)
		a.shot("workplace-error-" + lang)
	}
	a.press("transfer")
	a.waitFor("transfer dialog", `document.querySelector("#transfer-dialog").open`)
	a.shot("workplace-transfer-en")
	a.do(chromedp.Click("#transfer-cancel"))

	d := a.sibling()
	d.do(chromedp.Navigate(h.URL + "/counter/desk.html"))
	d.waitFor("desk", `document.querySelector("#login").hidden && !!document.querySelector("#walkin-services .tile")`)
	for _, lang := range []string{"de", "en"} {
		d.do(chromedp.Click(fmt.Sprintf(`.topbar [data-lang=%q]`, lang)))
		d.waitFor("language", fmt.Sprintf(`document.documentElement.lang === %q`, lang))
		d.eval(`document.querySelector("#search-from").value = "10:00"; document.querySelector("#search-to").value = "10:30"; true`, nil)
		d.do(chromedp.Click("#search-submit"))
		d.waitFor("results", `document.querySelectorAll("#results .result-row").length > 3`)
		d.do(chromedp.Click(fmt.Sprintf(`#walkin-services [data-service=%q]`, demo.Reisepass)))
		d.shot("desk-" + lang)
		d.do(chromedp.EmulateViewport(1024, 768))
		d.shot("desk-1024-" + lang)
		d.do(chromedp.EmulateViewport(1280, 800))
		d.do(chromedp.Click("#walkin-draw"))
		d.waitFor("ticket dialog", `document.querySelector("#ticket-dialog").open && document.querySelector("#issued-qr").complete && document.querySelector("#issued-qr").naturalWidth > 0`)
		d.shot("desk-ticket-" + lang)
		d.do(chromedp.Click("#issued-done"))
	}
	d.do(chromedp.Navigate(h.URL + "/counter/desk.html"))
	d.waitFor("desk", `document.querySelector("#login").hidden`)
	d.endSession()
	d.do(chromedp.Reload())
	d.waitFor("login", `!document.querySelector("#login").hidden`)
	d.shot("login-en")
}

// press presses an action's shortcut as the workplace shows it on the
// button, in the page's language.
func (tb *tab) press(action string) {
	tb.t.Helper()
	k := tb.text(fmt.Sprintf(`[data-action=%q] kbd`, action))
	if len(k) != 1 {
		tb.t.Fatalf("the %s button shows the shortcut %q", action, k)
	}
	tb.key(strings.ToLower(k))
}

// TestCounterWorkplaceShortcutsMatchLabels: each action's shortcut is a
// letter of its label in every language of the workplace ("Abschließen"
// A, not the English F), the letters differ, the button shows and
// underlines it, and the letter runs the action.
func TestCounterWorkplaceShortcutsMatchLabels(t *testing.T) {
	b := newBrowser(t)
	h := newTestHub(t)
	a := b.newTab(t, h.URL)
	a.login("", "schalter-1")
	a.waitFor("empty queue", `!!document.querySelector("#queue-empty")`)
	for _, tt := range []struct{ lang, finish string }{{"de", "A"}, {"en", "F"}} {
		t.Run(tt.lang, func(t *testing.T) {
			a.t = t
			a.do(chromedp.Click(fmt.Sprintf(`.topbar [data-lang=%q]`, tt.lang)))
			a.waitFor("language", fmt.Sprintf(`document.documentElement.lang === %q`, tt.lang))
			var buttons []struct{ Action, Label, Key, Underlined string }
			a.eval(`[...document.querySelectorAll("#actions [data-action]")].map((b) => ({
				action: b.dataset.action, label: b.querySelector("[data-i18n]").textContent,
				key: b.querySelector("kbd").textContent, underlined: (b.querySelector(".key-letter") || {}).textContent || "" }))`, &buttons)
			seen := map[string]string{}
			for _, bt := range buttons {
				if len(bt.Key) != 1 || !strings.Contains(strings.ToUpper(bt.Label), bt.Key) {
					t.Errorf("%s: %q has the shortcut %q, not one of its letters", tt.lang, bt.Label, bt.Key)
				}
				if !strings.EqualFold(bt.Underlined, bt.Key) {
					t.Errorf("%s: %q underlines %q, want its shortcut %q", tt.lang, bt.Label, bt.Underlined, bt.Key)
				}
				if other, ok := seen[bt.Key]; ok {
					t.Errorf("%s: %q and %q share the shortcut %q", tt.lang, other, bt.Label, bt.Key)
				}
				seen[bt.Key] = bt.Label
			}
			if got := a.text(`[data-action="finish"] kbd`); got != tt.finish {
				t.Errorf("%s: finish has the shortcut %q, want %q", tt.lang, got, tt.finish)
			}
			// The letter runs the action: the next walk-in is called.
			tk := h.WalkIn(t, webOffice, demo.Meldebescheinigung)
			a.waitInList("queue-list", tk.Number)
			a.waitEnabled("next")
			a.press("next")
			a.waitCurrent(tk.Number)
			a.waitEnabled("finish")
			a.key(strings.ToLower(tt.finish))
			a.waitNoCurrent()
		})
	}
}

// TestCounterWorkplacePausedNextLooksDisabled: while the counter is
// paused, "Nächste" is disabled and looks it, like every other disabled
// action, instead of staying the solid blue of a button to press.
func TestCounterWorkplacePausedNextLooksDisabled(t *testing.T) {
	b := newBrowser(t)
	h := newTestHub(t)
	a := b.newTab(t, h.URL)
	a.login("", "schalter-1")
	tk := h.WalkIn(t, webOffice, demo.Meldebescheinigung)
	a.waitInList("queue-list", tk.Number)
	a.waitEnabled("next")
	look := func(action string) string {
		var s string
		a.eval(fmt.Sprintf(`(() => { const s = getComputedStyle(document.querySelector('[data-action=%q]'));
			return s.backgroundColor + " / " + s.color + " / " + s.borderTopStyle; })()`, action), &s)
		return s
	}
	enabled := look("next")
	a.do(chromedp.Click("#pause"))
	a.waitFor("paused", `document.body.classList.contains("paused") && document.querySelector('[data-action="next"]').disabled`)
	a.shot("workplace-paused")
	if got, want := look("next"), look("finish"); got != want || got == enabled {
		t.Fatalf("disabled next looks %q, another disabled action %q, next when enabled %q", got, want, enabled)
	}
}

// TestCounterWorkplaceTilesDoNotCutWords: the transfer dialog's tiles
// never break a word without a hyphen ("Personalauswei|s"), on the desk
// PCs' screens from 1024×768, and carry the lang their text is in, which
// a browser hyphenates by.
func TestCounterWorkplaceTilesDoNotCutWords(t *testing.T) {
	b := newBrowser(t)
	h := newTestHub(t)
	a := b.newTab(t, h.URL)
	a.login("", "schalter-1")
	tk := h.WalkIn(t, webOffice, demo.Meldebescheinigung)
	a.waitInList("queue-list", tk.Number)
	a.waitEnabled("next")
	a.press("next")
	a.waitCurrent(tk.Number)
	for _, size := range [][2]int64{{1024, 768}, {1280, 800}, {1920, 1080}} {
		t.Run(fmt.Sprint(size[0]), func(t *testing.T) {
			a.t = t
			a.do(chromedp.EmulateViewport(size[0], size[1]))
			a.waitEnabled("transfer")
			a.press("transfer")
			a.waitFor("transfer dialog", `document.querySelector("#transfer-dialog").open`)
			if size[0] == 1024 {
				a.shot("workplace-transfer-1024")
			}
			var cut []string
			a.eval(`(() => {
				const out = [];
				for (const tile of document.querySelectorAll("#transfer-dialog .tile")) {
					if (tile.lang !== "de") out.push(tile.textContent + ": lang " + JSON.stringify(tile.lang));
					if (tile.scrollWidth > tile.clientWidth) out.push(tile.textContent + ": overflows");
					const node = tile.firstChild, text = node.textContent;
					for (const m of text.matchAll(/\S+/g)) {
						const r = document.createRange();
						r.setStart(node, m.index); r.setEnd(node, m.index + m[0].length);
						const lines = new Set([...r.getClientRects()].map((x) => Math.round(x.top)));
						// Chromium on Linux has no hyphenation dictionary: a
						// word over two lines was cut without a hyphen.
						if (lines.size > 1) out.push(m[0] + ": cut over " + lines.size + " lines");
					}
				}
				return out;
			})()`, &cut)
			a.do(chromedp.Click("#transfer-cancel"))
			if len(cut) > 0 {
				t.Fatalf("tiles at %dx%d: %q", size[0], size[1], cut)
			}
		})
	}
	a.do(chromedp.EmulateViewport(1280, 800))
}

// TestCounterWorkplaceShowsLostHubInHeader: when the hub goes away the
// header says so at once, where the clerk looks, not only the status
// line at the bottom; it clears when the stream is back.
func TestCounterWorkplaceShowsLostHubInHeader(t *testing.T) {
	b := newBrowser(t)
	h := newTestHub(t)
	front := httptest.NewServer(h.Server)
	t.Cleanup(func() { front.CloseClientConnections(); front.Close() })
	a := b.newTab(t, front.URL)
	a.login("", "schalter-1")
	a.waitFor("stream live", `(document.querySelector("#st-stream") || {}).className === "st-live"`)
	if !a.visible("#counter-state") || a.visible("#hub-lost") {
		t.Fatal("a connected workplace shows the hub as lost, or no counter state")
	}
	front.CloseClientConnections()
	front.Close()
	a.waitFor("the header's lost-hub badge", `!document.querySelector("#hub-lost").hidden && document.body.classList.contains("hub-lost")`)
	if got := a.text("#hub-lost"); got != "Keine Verbindung zum Server" {
		t.Fatalf("the header says %q", got)
	}
	a.shot("workplace-hub-lost")
}

// visible reports whether an element is rendered.
func (tb *tab) visible(sel string) bool {
	tb.t.Helper()
	var ok bool
	tb.eval(fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && e.getClientRects().length > 0; })()`, sel), &ok)
	return ok
}

// TestCounterWorkplaceWaitedAgrees: the queue's "wartet N Min." and the
// current ticket's "Gewartet N Min." of the same ticket come from one
// rule: whole minutes passed. 3 min 20 s are 3 in both places.
func TestCounterWorkplaceWaitedAgrees(t *testing.T) {
	b := newBrowser(t)
	h := newTestHub(t)
	a := b.newTab(t, h.URL)
	a.login("", "schalter-1")
	tests := []struct {
		wait time.Duration
		want string
	}{
		{20 * time.Second, "0 Min."},
		{3*time.Minute + 20*time.Second, "3 Min."},
		{4*time.Minute + 50*time.Second, "4 Min."},
	}
	for _, tt := range tests {
		t.Run(tt.wait.String(), func(t *testing.T) {
			a.t = t
			tk := h.WalkIn(t, webOffice, demo.Meldebescheinigung)
			h.Clock.Advance(tt.wait)
			a.do(chromedp.Reload())
			a.waitInList("queue-list", tk.Number)
			row := a.text(fmt.Sprintf(`#queue-list [data-number=%q] .row-meta`, tk.Number))
			if !strings.Contains(row, "wartet "+tt.want) {
				t.Fatalf("the queue says %q, want wartet %s", row, tt.want)
			}
			a.waitEnabled("next")
			a.press("next")
			a.waitCurrent(tk.Number)
			if got := a.text("#current-waited"); got != tt.want {
				t.Fatalf("the queue said %q, the current ticket says Gewartet %q", row, got)
			}
			a.waitEnabled("finish")
			a.press("finish")
			a.waitNoCurrent()
		})
	}
}
