package server

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"lotse/hub/booking/demo"
)

// TestCounterTakeOver: a second clerk logging in at a busy counter is told
// which counter is in use and may take it over explicitly; the first
// clerk's page then says that someone else took over (issue 10.7).
func TestCounterTakeOver(t *testing.T) {
	b := newBrowser(t)
	h := newTestHub(t)
	h.WalkIn(t, webOffice, demo.Anmeldung)
	first := b.newTab(t, h.URL)
	first.login("", "schalter-1")
	first.waitEnabled("next")

	second := b.newTab(t, h.URL)
	second.do(chromedp.Navigate(second.url + "/counter/"))
	second.waitFor("login form", `!document.querySelector("#login").hidden && document.querySelectorAll("#login-office option").length > 0`)
	second.fillLogin("schalter-1")
	second.waitFor("takeover offered", `!document.querySelector("#login-takeover-row").hidden`)
	if msg := second.text("#login-error"); !strings.Contains(msg, "Schalter 1") {
		t.Fatalf("refused login says %q, want it to name Schalter 1", msg)
	}
	if !first.waitForSession(t) {
		t.Fatal("the first session ended on a refused login")
	}

	second.eval(`document.querySelector("#login-takeover").checked = true`, nil)
	second.do(chromedp.Click("#login-submit"))
	second.waitFor("login done", `document.querySelector("#login").hidden`)

	first.eval(`document.querySelector('[data-action="next"]').click()`, nil)
	first.waitFor("session ended message", `!document.querySelector("#login").hidden && !document.querySelector("#login-message").hidden`)
	if msg := first.text("#login-message"); !strings.Contains(msg, "übernommen") {
		t.Fatalf("the first page says %q, want that the counter was taken over", msg)
	}
}

// waitForSession reports whether the tab's session still answers.
func (tb *tab) waitForSession(t *testing.T) bool {
	t.Helper()
	var status int
	tb.eval(`(() => { const x = new XMLHttpRequest(); x.open("GET", "/api/v1/session", false); x.send(); return x.status; })()`, &status)
	return status == 200
}

// TestCounterLoginSaysHowLongToWait: after too many wrong passwords the
// login page says how long to wait, from the hub's answer (issue 11.3).
func TestCounterLoginSaysHowLongToWait(t *testing.T) {
	b := newBrowser(t)
	h := newTestHub(t)
	tb := b.newTab(t, h.URL)
	tb.do(chromedp.Navigate(tb.url + "/counter/"))
	tb.waitFor("login form", `!document.querySelector("#login").hidden && document.querySelectorAll("#login-office option").length > 0`)
	tb.eval(fmt.Sprintf(`(() => {
		const o = document.querySelector("#login-office");
		o.value = %q; o.dispatchEvent(new Event("change"));
		document.querySelector("#login-counter").value = "schalter-1";
		document.querySelector("#login-user").value = "demo";
	})()`, webOffice), nil)
	for i := range DefaultLimits().LoginPerAccount.Burst + 1 {
		tb.eval(`document.querySelector("#login-error").textContent = ""; document.querySelector("#login-password").value = "wrong"`, nil)
		tb.do(chromedp.Click("#login-submit"))
		tb.waitFor(fmt.Sprintf("answer to wrong password %d", i), `document.querySelector("#login-error").textContent !== ""`)
	}
	msg := tb.text("#login-error")
	if !regexp.MustCompile(`warten Sie [0-9]+ Sekunden`).MatchString(msg) {
		t.Fatalf("after too many wrong passwords the page says %q, want how many seconds to wait", msg)
	}
}
