package server

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/oauth2-proxy/mockoidc"

	"lotse/hub/booking/demo"
	"lotse/hub/ldap"
)

// TestCityLoginInBrowser drives the workplace's login page in Chromium:
// the "Mit städtischem Konto anmelden" button goes through the identity
// provider and back into the workplace at the chosen counter, and a
// directory that is down is named on the login page, in German and in
// English (issue 15.5).
func TestCityLoginInBrowser(t *testing.T) {
	b := newBrowser(t)

	t.Run("OpenID Connect button", func(t *testing.T) {
		h, m := oidcHub(t)
		m.QueueUser(&mockoidc.MockUser{Subject: "s1", PreferredUsername: "berta", Groups: []string{"/lotse/schalter"}})
		tb := b.newTab(t, h.URL)
		tb.do(chromedp.Navigate(tb.url + "/counter/"))
		tb.waitFor("login form with the city's button", `!document.querySelector("#login").hidden && document.querySelectorAll("#login-office option").length > 0 && !document.querySelector("#login-oidc").hidden`)
		if got := tb.text("#login-oidc"); got != "Mit städtischem Konto anmelden" {
			t.Fatalf("button says %q", got)
		}
		tb.shot("city-login-de")
		tb.eval(fmt.Sprintf(`(() => {
			const o = document.querySelector("#login-office");
			o.value = %q; o.dispatchEvent(new Event("change"));
			document.querySelector("#login-counter").value = "schalter-2";
		})()`, demo.Mitte), nil)
		tb.follow("#login-oidc")
		tb.waitFor("back in the workplace, logged in", `location.pathname === "/counter/" && document.querySelector("#login") && document.querySelector("#login").hidden && document.body.innerText.includes("Schalter 2")`)
		var who string
		tb.eval(`(() => { const x = new XMLHttpRequest(); x.open("GET", "/api/v1/session", false); x.send(); return x.status + " " + x.responseText; })()`, &who)
		if !strings.HasPrefix(who, "200 ") || !strings.Contains(who, `"user":"berta"`) || !strings.Contains(who, `"counter":"schalter-2"`) {
			t.Fatalf("session after the provider's login: %s", who)
		}
	})

	t.Run("from the desk's session to a counter", func(t *testing.T) {
		// The browser holds a desk session; the workplace asks for a
		// counter, and the provider's login replaces that session, though
		// the provider's redirect back brings no Strict cookie.
		h, m := oidcHub(t)
		m.QueueUser(&mockoidc.MockUser{Subject: "s1", PreferredUsername: "berta", Groups: []string{"/lotse/schalter"}})
		tb := b.newTab(t, h.URL)
		tb.login("desk.html", "")
		tb.do(chromedp.Navigate(tb.url + "/counter/"))
		tb.waitFor("the workplace asks for a counter", `!document.querySelector("#login").hidden && !document.querySelector("#login-oidc").hidden`)
		tb.eval(`document.querySelector("#login-counter").value = "schalter-1"`, nil)
		tb.follow("#login-oidc")
		tb.waitFor("back in the workplace, logged in", `location.pathname === "/counter/" && document.querySelector("#login") && document.querySelector("#login").hidden && document.body.innerText.includes("Schalter 1")`)
		h.Server.sessions.mu.Lock()
		defer h.Server.sessions.mu.Unlock()
		for _, s := range h.Server.sessions.cache {
			if s.User == "demo" && s.Ended != endReplaced {
				t.Fatalf("the desk session of the same browser is %q, want ended as replaced", s.Ended)
			}
		}
	})

	t.Run("a busy counter is offered for takeover", func(t *testing.T) {
		h, m := oidcHub(t)
		other := b.newTab(t, h.URL)
		other.login("", "schalter-1")
		tb := b.newTab(t, h.URL)
		tb.do(chromedp.Navigate(tb.url + "/counter/"))
		for _, takeOver := range []bool{false, true} {
			m.QueueUser(&mockoidc.MockUser{Subject: "s1", PreferredUsername: "berta", Groups: []string{"/lotse/schalter"}})
			tb.waitFor("login form", `!document.querySelector("#login").hidden && !document.querySelector("#login-oidc").hidden && document.querySelectorAll("#login-counter option").length > 0`)
			tb.eval(fmt.Sprintf(`(() => {
				const o = document.querySelector("#login-office");
				o.value = %q; o.dispatchEvent(new Event("change"));
				document.querySelector("#login-counter").value = "schalter-1";
				document.querySelector("#login-takeover").checked = %v;
			})()`, demo.Mitte, takeOver), nil)
			tb.follow("#login-oidc")
			if takeOver {
				break
			}
			tb.waitFor("the takeover offered", `!document.querySelector("#login").hidden && !document.querySelector("#login-takeover-row").hidden`)
			if msg := tb.text("#login-error"); !strings.Contains(msg, "Schalter 1") {
				t.Fatalf("refused login says %q, want it to name Schalter 1", msg)
			}
		}
		tb.waitFor("logged in at the counter", `location.pathname === "/counter/" && document.querySelector("#login").hidden && document.body.innerText.includes("Schalter 1")`)
	})

	t.Run("directory down", func(t *testing.T) {
		// Nothing listens on port 1 of the loopback: the directory is down.
		d, err := ldap.New(ldap.Config{URL: "ldap://127.0.0.1:1", UserDN: "uid=%s,ou=people,dc=stadt,dc=test"})
		if err != nil {
			t.Fatal(err)
		}
		h := newTestHub(t, func(c *Config) { c.External = External{Directory: d, DirectoryRules: cityRules} })
		tb := b.newTab(t, h.URL)
		tb.do(chromedp.Navigate(tb.url + "/counter/"))
		for _, tc := range []struct{ lang, want string }{
			{"de", "Der Anmeldedienst der Stadt (Verzeichnis) ist gerade nicht erreichbar"},
			{"en", "The city's login service (directory) cannot be reached right now"},
		} {
			tb.waitFor("login form", `!document.querySelector("#login").hidden && document.querySelectorAll("#login-office option").length > 0`)
			tb.eval(fmt.Sprintf(`document.querySelector('#login [data-lang=%q]').click()`, tc.lang), nil)
			tb.waitFor("language "+tc.lang, fmt.Sprintf(`document.documentElement.lang === %q`, tc.lang))
			tb.eval(fmt.Sprintf(`(() => {
				const o = document.querySelector("#login-office");
				o.value = %q; o.dispatchEvent(new Event("change"));
				document.querySelector("#login-counter").value = "schalter-1";
				document.querySelector("#login-user").value = "anna";
				document.querySelector("#login-password").value = "anna-pw";
				document.querySelector("#login-error").textContent = "";
			})()`, demo.Mitte), nil)
			tb.do(chromedp.Click("#login-submit"))
			tb.waitFor("the error", `document.querySelector("#login-error").textContent !== ""`)
			if got := tb.text("#login-error"); !strings.Contains(got, tc.want) {
				t.Fatalf("%s: login page says %q, want %q", tc.lang, got, tc.want)
			}
			tb.shot("directory-down-" + tc.lang)
		}
	})
}

// follow clicks what leaves the page and waits until the page at the end
// of the redirects has loaded: a poll during the navigation would lose
// its document.
func (tb *tab) follow(sel string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(sel)); err != nil {
		tb.t.Fatalf("follow %s: %v", sel, err)
	}
}
