package server

import (
	"context"
	_ "embed"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lotse/hub/api"
	"lotse/hub/booking/demo"
)

// axeSource is axe-core (npm package axe-core, pinned in
// testdata/axe/README.md), the accessibility checker the pages are audited
// with. It is vendored because the audit runs in every test run, offline.
//
//go:embed testdata/axe/axe.min.js
var axeSource string

// axeViolation is one rule axe-core found broken, with the elements that
// break it.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  []any  `json:"target"`
		Summary string `json:"failureSummary"`
	} `json:"nodes"`
}

func (v axeViolation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %s", v.ID, v.Impact, v.Help)
	for _, n := range v.Nodes {
		fmt.Fprintf(&b, "\n\t\t%v: %s", n.Target, strings.ReplaceAll(n.Summary, "\n", " "))
	}
	return b.String()
}

// axe injects axe-core into the tab's page (through the debugging
// protocol, which the page's Content-Security-Policy does not govern) and
// returns its violations of WCAG 2.x A and AA and of its best practices.
func (tb *tab) axe() []axeViolation {
	tb.t.Helper()
	var loaded bool
	tb.eval(`typeof window.axe === "object"`, &loaded)
	if !loaded {
		tb.eval(axeSource+"\n;true", nil)
	}
	var out []axeViolation
	tb.await(`axe.run(document, {
		runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
		resultTypes: ["violations"],
	}).then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
		nodes: v.nodes.map(n => ({target: n.target, failureSummary: n.failureSummary}))})))`, &out)
	return out
}

// axeSevere is what fails a page: serious and critical findings.
func axeSevere(all []axeViolation) (severe, minor []axeViolation) {
	for _, v := range all {
		if v.Impact == "serious" || v.Impact == "critical" {
			severe = append(severe, v)
		} else {
			minor = append(minor, v)
		}
	}
	return severe, minor
}

// TestPagesPassAxe audits every page a person uses, in the states a person
// sees it in, with axe-core in Chromium: no serious or critical finding.
// Minor and moderate findings are logged.
func TestPagesPassAxe(t *testing.T) {
	h := newTestHub(t)
	h.Server.now = h.Clock.Now
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	w := []api.Ticket{
		h.WalkIn(t, webOffice, demo.Meldebescheinigung),
		h.WalkIn(t, webOffice, demo.Reisepass),
		h.WalkIn(t, webOffice, demo.Anmeldung),
	}
	phone := w[2]
	for _, c := range []string{"schalter-1", "schalter-2"} {
		if _, err := h.Clerk().Act(ctx, webOffice, c, api.ActionOpen, api.ActionRequest{}); err != nil {
			t.Fatalf("open %s: %v", c, err)
		}
	}
	if _, err := h.Clerk().Act(ctx, webOffice, "schalter-2", api.ActionNext, api.ActionRequest{}); err != nil {
		t.Fatalf("call at schalter-2: %v", err)
	}

	b := newBrowser(t)
	pages := []struct {
		name  string
		phone bool
		open  func(tb *tab)
	}{
		{"workplace login", false, func(tb *tab) {
			tb.do(chromedp.Navigate(tb.url + "/counter/"))
			tb.waitFor("login form", `!document.querySelector("#login").hidden && document.querySelectorAll("#login-office option").length > 0`)
		}},
		{"workplace", false, func(tb *tab) {
			tb.login("", "schalter-1")
			tb.waitFor("the waiting list", `document.querySelectorAll("#queue-list [data-number]").length > 0`)
			tb.waitEnabled("next")
			tb.do(chromedp.Click(`[data-action="next"]`))
			tb.waitIdle()
			tb.waitFor("a current ticket", `!!document.querySelector("#current-number")`)
		}},
		{"desk", false, func(tb *tab) {
			tb.login("desk.html", "")
			tb.waitFor("the desk", `document.querySelector("#login").hidden`)
		}},
		{"web display", false, func(tb *tab) {
			tb.do(chromedp.Navigate(tb.url + "/display?office=" + webOffice + "&token=demo&sound=0"))
			tb.waitFor("a call on the board", `document.body.textContent.includes("Schalter")`)
		}},
		{"web display de-LS", false, func(tb *tab) {
			tb.do(chromedp.Navigate(tb.url + "/display?office=" + webOffice + "&token=demo&sound=0&lang=de-LS"))
			tb.waitFor("the board in Easy German", `document.documentElement.lang === "de-LS" && document.body.textContent.includes("Warte-Schlange")`)
		}},
		{"supervisor live", false, func(tb *tab) {
			tb.manageLogin("", "demo")
			tb.waitFor("the counters", `document.querySelectorAll("#counters [data-counter]").length > 0`)
		}},
		{"supervisor statistics", false, func(tb *tab) {
			tb.manageLogin("statistics.html", "demo")
		}},
		{"mobile ticket", true, func(tb *tab) {
			tb.do(chromedp.Navigate(phone.StatusURL))
			tb.waitFor("the number", fmt.Sprintf(`document.body.textContent.includes(%q)`, phone.Number))
		}},
		{"mobile ticket de-LS", true, func(tb *tab) {
			tb.do(chromedp.Navigate(phone.StatusURL))
			tb.waitFor("the number", fmt.Sprintf(`document.body.textContent.includes(%q)`, phone.Number))
			tb.do(chromedp.Click(`a[hreflang="de-LS"]`))
			tb.waitFor("Easy German", fmt.Sprintf(`document.documentElement.lang === "de-LS" && document.body.textContent.includes(%q)`, ticketTexts[ticketEasyGerman]["autoUpdate"]))
		}},
		{"mobile ticket ar", true, func(tb *tab) {
			tb.do(chromedp.Navigate(phone.StatusURL + "?lang=ar"))
			tb.waitFor("the number", fmt.Sprintf(`document.documentElement.dir === "rtl" && document.body.textContent.includes(%q)`, phone.Number))
		}},
		{"public city", true, func(tb *tab) {
			tb.do(chromedp.Navigate(tb.url + "/public/"))
			tb.waitFor("the offices", `document.querySelectorAll("section.office").length > 0`)
		}},
		{"public office", false, func(tb *tab) {
			tb.do(chromedp.Navigate(tb.url + "/public/offices/" + webOffice))
			tb.waitFor("the office", `!!document.querySelector("h1")`)
		}},
	}
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			var tb *tab
			if p.phone {
				tb = phoneTab(t, b, h.URL)
			} else {
				tb = b.newTab(t, h.URL)
			}
			p.open(tb)
			tb.shot("axe-" + strings.ReplaceAll(p.name, " ", "-"))
			severe, minor := axeSevere(tb.axe())
			for _, v := range minor {
				t.Logf("minor: %s", v)
			}
			for _, v := range severe {
				t.Errorf("%s", v)
			}
		})
	}
}
