package server

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"lotse/hub/booking/demo"
)

// The counter workplace and the desk with the keyboard alone: every
// control is reached with Tab, shows where the focus is, and does its
// work with Enter or Space.

// focusJS describes the focused element: a name for it, its outline, and
// the contrast of the outline against what lies around it (the nearest
// ancestor's opaque background: the ring is drawn outside the element).
const focusJS = `(() => {
	const e = document.activeElement;
	if (!e || e === document.body || e === document.documentElement) return null;
	const rgb = (c) => (c.match(/[\d.]+/g) || ["0", "0", "0", "0"]).map(Number);
	const lum = ([r, g, b]) => {
		const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
		return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
	};
	let bg = [255, 255, 255];
	for (let p = e.parentElement; p; p = p.parentElement) {
		const c = rgb(getComputedStyle(p).backgroundColor);
		if (c.length < 4 || c[3] > 0) { bg = c; break; }
	}
	const cs = getComputedStyle(e);
	const a = lum(rgb(cs.outlineColor)), b = lum(bg);
	return {name: lotseFocusName(e), style: cs.outlineStyle, width: parseFloat(cs.outlineWidth) || 0,
		ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)};
})()`

// focusNameJS names an element the same way for the page's list of
// controls and for what Tab reached.
const focusNameJS = `window.lotseFocusName = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
	(e.dataset.action ? "[action=" + e.dataset.action + "]" : "") + (e.dataset.lang ? "[lang=" + e.dataset.lang + "]" : "") +
	(e.dataset.service ? "[service=" + e.dataset.service + "]" : "") + (e.dataset.ticket ? "[ticket=" + e.dataset.ticket + "]" : "") +
	(e.getAttribute("href") ? "[href=" + e.getAttribute("href") + "]" : ""); true`

// controlsJS lists the controls a person can use now: shown, enabled,
// not behind a modal dialog.
const controlsJS = `(() => {
	const modal = document.querySelector("dialog[open]");
	return [...document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])')]
		.filter((e) => !e.disabled && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden" &&
			!e.closest("[inert]") && (!modal || modal.contains(e)))
		.map(lotseFocusName);
})()`

type focusStop struct {
	Name  string  `json:"name"`
	Style string  `json:"style"`
	Width float64 `json:"width"`
	Ratio float64 `json:"ratio"`
}

// tabAround presses Tab until the focus comes back to where it started
// (or twice the controls' count) and returns every stop.
func (tb *tab) tabAround() []focusStop {
	tb.t.Helper()
	tb.eval(focusNameJS, nil)
	var controls []string
	tb.eval(controlsJS, &controls)
	var stops []focusStop
	seen := map[string]bool{}
	for i := 0; i < 2*len(controls)+4; i++ {
		tb.do(chromedp.KeyEvent(kb.Tab))
		var s *focusStop
		tb.eval(focusJS, &s)
		if s == nil {
			continue // the browser's own chrome between the last and the first control
		}
		if seen[s.Name] {
			break
		}
		seen[s.Name] = true
		stops = append(stops, *s)
	}
	for _, c := range controls {
		if !seen[c] {
			tb.t.Errorf("Tab never reaches %s (reached: %v)", c, names(stops))
		}
	}
	return stops
}

func names(stops []focusStop) []string {
	out := make([]string, len(stops))
	for i, s := range stops {
		out[i] = s.Name
	}
	return out
}

// checkFocusVisible: each stop shows a ring at least 2 px wide with 3:1
// against its surroundings (WCAG 2.4.7, 1.4.11).
func checkFocusVisible(t *testing.T, stops []focusStop) {
	t.Helper()
	if len(stops) == 0 {
		t.Fatal("Tab focuses nothing")
	}
	for _, s := range stops {
		if s.Style == "none" || s.Width < 2 || s.Ratio < 3 {
			t.Errorf("%s: focus ring %s %.0fpx at %.2f:1, want a solid ring ≥ 2px at ≥ 3:1", s.Name, s.Style, s.Width, s.Ratio)
		}
	}
}

// tabTo presses Tab until name has the focus.
func (tb *tab) tabTo(name string) {
	tb.t.Helper()
	tb.eval(focusNameJS, nil)
	for i := 0; i < 80; i++ {
		var s *focusStop
		tb.eval(focusJS, &s)
		if s != nil && s.Name == name {
			return
		}
		tb.do(chromedp.KeyEvent(kb.Tab))
	}
	tb.t.Fatalf("Tab never reaches %s", name)
}

// focused names the element with the focus ("" for none).
func (tb *tab) focused() string {
	tb.t.Helper()
	var name string
	tb.eval(`document.activeElement && document.activeElement !== document.body ? lotseFocusName(document.activeElement) : ""`, &name)
	return name
}

// TestWorkplaceByKeyboard: a clerk logs in, calls, starts and finishes
// with the keyboard alone, and sees the focus on every control.
func TestWorkplaceByKeyboard(t *testing.T) {
	h := newTestHub(t)
	w := h.WalkIn(t, webOffice, demo.Meldebescheinigung)
	b := newBrowser(t)
	tb := b.newTab(t, h.URL)

	tb.do(chromedp.Navigate(tb.url + "/counter/"))
	tb.waitFor("login form", `!document.querySelector("#login").hidden && document.querySelectorAll("#login-office option").length > 0`)
	t.Run("login form", func(t *testing.T) { checkFocusVisible(t, tb.tabAround()) })
	tb.fillLogin("schalter-1")
	tb.waitFor("login done", `document.querySelector("#login").hidden`)
	tb.waitInList("queue-list", w.Number)
	tb.waitEnabled("next")

	t.Run("workplace", func(t *testing.T) { checkFocusVisible(t, tb.tabAround()) })
	for _, step := range []struct {
		action, key string
		done        string
	}{
		{"next", kb.Enter, fmt.Sprintf(`(document.querySelector("#current-number")||{}).textContent === %q`, w.Number)},
		{"start", " ", `document.querySelector("#current").classList.contains("serving")`},
		{"finish", kb.Enter, `!document.querySelector("#current-number")`},
	} {
		tb.waitEnabled(step.action)
		tb.tabTo(fmt.Sprintf("button[action=%s]", step.action))
		tb.do(chromedp.KeyEvent(step.key))
		tb.waitIdle()
		tb.waitFor(step.action+" done", step.done)
		// The focus stays on the page's controls, not lost to the body
		// when the button it was on is disabled while the action runs.
		if f := tb.focused(); f == "" {
			t.Errorf("after %s the focus is lost: Tab starts again at the top", step.action)
		}
	}
	tb.shot("keyboard-workplace")
}

// TestDeskByKeyboard: at the information desk a walk-in ticket is drawn
// with the keyboard alone.
func TestDeskByKeyboard(t *testing.T) {
	h := newTestHub(t)
	b := newBrowser(t)
	tb := b.newTab(t, h.URL)
	tb.login("desk.html", "")
	tb.waitFor("services", `document.querySelectorAll("#walkin-services [data-service]").length > 0`)
	t.Run("desk", func(t *testing.T) { checkFocusVisible(t, tb.tabAround()) })

	tile := "button[service=" + demo.Meldebescheinigung + "]"
	tb.tabTo(tile)
	tb.do(chromedp.KeyEvent(" "))
	tb.waitFor("the service chosen", fmt.Sprintf(`document.querySelector('#walkin-services [data-service=%q]').getAttribute("aria-checked") === "true"`, demo.Meldebescheinigung))
	if f := tb.focused(); f != tile {
		t.Errorf("after choosing a service the focus is on %q, want it to stay on %s", f, tile)
	}
	tb.shot("keyboard-desk")
	tb.tabTo("button#walkin-draw")
	tb.do(chromedp.KeyEvent(kb.Enter))
	tb.waitFor("the ticket", `document.querySelector("#ticket-dialog").open && document.querySelector("#issued-number").textContent !== ""`)
	t.Run("ticket dialog", func(t *testing.T) { checkFocusVisible(t, tb.tabAround()) })
	tb.do(chromedp.KeyEvent(kb.Escape))
	tb.waitFor("the dialog closed", `!document.querySelector("#ticket-dialog").open`)
	if strings.TrimSpace(tb.text("#issued-number")) == "" {
		t.Error("no ticket number was shown")
	}
}
