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
// Minor and moderate findings are logged. On the same pages every text's
// colour is measured against what it is drawn on.
func TestPagesPassAxe(t *testing.T) {
	h := newTestHub(t)
	h.Server.now = h.Clock.Now
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	w := []api.Ticket{
		h.WalkIn(t, webOffice, demo.Meldebescheinigung),
		h.WalkIn(t, webOffice, demo.Reisepass),
		h.WalkIn(t, webOffice, demo.Anmeldung),
		h.WalkIn(t, webOffice, demo.Anmeldung),
	}
	// The workplace below calls the first Anmeldung; the second waits.
	called, waiting := w[2], w[3]
	// Counter 2 calls, 3 stays free, 1 calls in the workplace's turn
	// below: the board shows every kind of tile.
	for _, c := range []string{"schalter-1", "schalter-2", "schalter-3"} {
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
		{"mobile ticket waiting", true, func(tb *tab) {
			tb.do(chromedp.Navigate(waiting.StatusURL))
			tb.waitFor("the number", fmt.Sprintf(`document.body.textContent.includes(%q)`, waiting.Number))
		}},
		{"mobile ticket called", true, func(tb *tab) {
			tb.do(chromedp.Navigate(called.StatusURL))
			tb.waitFor("the call", fmt.Sprintf(`document.body.textContent.includes(%q) && document.body.textContent.includes("Schalter 1")`, called.Number))
		}},
		{"mobile ticket de-LS", true, func(tb *tab) {
			tb.do(chromedp.Navigate(waiting.StatusURL))
			tb.waitFor("the number", fmt.Sprintf(`document.body.textContent.includes(%q)`, waiting.Number))
			tb.do(chromedp.Click(`a[hreflang="de-LS"]`))
			tb.waitFor("Easy German", fmt.Sprintf(`document.documentElement.lang === "de-LS" && document.body.textContent.includes(%q)`, ticketTexts[ticketEasyGerman]["autoUpdate"]))
		}},
		{"mobile ticket ar", true, func(tb *tab) {
			tb.do(chromedp.Navigate(waiting.StatusURL + "?lang=ar"))
			tb.waitFor("the number", fmt.Sprintf(`document.documentElement.dir === "rtl" && document.body.textContent.includes(%q)`, waiting.Number))
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
			t.Run("axe", func(t *testing.T) {
				severe, minor := axeSevere(tb.axe())
				for _, v := range minor {
					t.Logf("minor: %s", v)
				}
				for _, v := range severe {
					t.Errorf("%s", v)
				}
			})
			t.Run("text contrast", func(t *testing.T) {
				for _, c := range tb.lowContrast() {
					t.Errorf("%s on %s at %.2f:1, want ≥ %.1f:1: %s %q", c.FG, c.BG, c.Ratio, minTextContrast, c.Element, c.Text)
				}
			})
		})
	}
}

// minTextContrast is the least contrast of any text on a page against
// its background: WCAG 1.4.3's ratio for normal text, asked of all text,
// large and disabled included, so that no colour pair passes by its size.
const minTextContrast = 4.5

// lowContrast is one colour pair below minTextContrast, with the first
// text drawn in it.
type lowContrast struct {
	FG, BG, Element, Text string
	Ratio                 float64
}

// lowContrastJS measures every visible text node's colour against the
// background it is drawn on: the backgrounds of its ancestors composited
// from the page down, the text colour (and the ancestors' opacity) over
// that. It reports each pair below the minimum once.
const lowContrastJS = `((min) => {
	const rgba = (c) => { const m = (c.match(/[\d.]+/g) || []).map(Number); return m.length === 3 ? m.concat(1) : m.length ? m : [0, 0, 0, 0]; };
	const over = (top, bottom) => [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3])).concat(1);
	const lum = ([r, g, b]) => {
		const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
		return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
	};
	const hex = (c) => "#" + c.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, "0")).join("");
	const out = [], pairs = new Set(), done = new Set();
	const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
	for (let n; (n = walk.nextNode());) {
		const e = n.parentElement;
		if (!n.textContent.trim() || !e || done.has(e)) continue;
		done.add(e);
		const r = e.getBoundingClientRect(), cs = getComputedStyle(e);
		if (r.width <= 1 || r.height <= 1 || cs.visibility === "hidden" || e.closest("[aria-hidden=true], script, style, noscript")) continue;
		const chain = [];
		for (let p = e; p; p = p.parentElement) chain.unshift(p);
		let bg = [255, 255, 255, 1], opacity = 1;
		for (const p of chain) {
			const pcs = getComputedStyle(p);
			opacity *= Number(pcs.opacity);
			const c = rgba(pcs.backgroundColor);
			if (c[3] > 0) bg = over(c, bg);
		}
		const c = rgba(cs.color);
		const fg = over([c[0], c[1], c[2], c[3] * opacity], bg);
		const a = lum(fg), b = lum(bg), ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
		const pair = hex(fg) + " " + hex(bg);
		if (ratio < min && !pairs.has(pair)) {
			pairs.add(pair);
			out.push({FG: hex(fg), BG: hex(bg), Ratio: ratio, Text: n.textContent.trim().slice(0, 40),
				Element: e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className && typeof e.className === "string" ? "." + e.className.trim().replace(/\s+/g, ".") : "")});
		}
	}
	return out;
})`

// lowContrast lists the colour pairs of the page's texts below
// minTextContrast.
func (tb *tab) lowContrast() []lowContrast {
	tb.t.Helper()
	var out []lowContrast
	tb.eval(fmt.Sprintf("%s(%v)", lowContrastJS, minTextContrast), &out)
	return out
}
