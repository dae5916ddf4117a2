package server

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lotse/hub/api"
)

// The Chromium harness of the page tests: a browser, its tabs and the
// steps the tests take in them.

// chromiumPath finds a Chromium or Chrome binary; LOTSE_CHROMIUM overrides.
func chromiumPath() string {
	if p := os.Getenv("LOTSE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless_shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser is one headless Chromium for a test.
type browser struct {
	ctx context.Context // the first tab's context; new tabs derive from it
}

// newBrowser starts Chromium; opts add to the harness's options (e.g. an
// environment with another time zone).
func newBrowser(t *testing.T, opts ...chromedp.ExecAllocatorOption) *browser {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		t.Skip("no Chromium found (chromium, chromium-browser, google-chrome; or set LOTSE_CHROMIUM): `make test` installs Debian's chromium")
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("lang", "de-DE"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
	}, opts...)...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first run starts the browser and binds it to ctx: no timeout
	// context here, its end would close the browser.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium %s: %v", path, err)
	}
	return &browser{ctx: ctx}
}

// tab is a browser tab. Tabs made by newTab have their own cookies, like
// two clerks at two PCs; tabs made by sibling share them.
type tab struct {
	t   *testing.T
	ctx context.Context
	url string
}

func (b *browser) newTab(t *testing.T, base string) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	tb := &tab{t: t, ctx: ctx, url: base}
	tb.open()
	return tb
}

// sibling opens another tab in the same browser context (same session).
func (tb *tab) sibling() *tab {
	ctx, cancel := chromedp.NewContext(tb.ctx)
	tb.t.Cleanup(cancel)
	s := &tab{t: tb.t, ctx: ctx, url: tb.url}
	s.open()
	return s
}

// open creates the tab: its first run binds the tab to its context, so
// it must not run under a shorter-lived one.
func (tb *tab) open() {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		tb.t.Fatalf("open tab: %v", err)
	}
}

func (tb *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.t.Fatalf("browser: %v", err)
	}
}

// eval runs JavaScript and decodes its value into out (may be nil).
func (tb *tab) eval(js string, out any) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](js))
	if err != nil {
		tb.t.Fatalf("eval %s: %v", js, err)
	}
	if out != nil {
		if err := json.Unmarshal(v, out); err != nil {
			tb.t.Fatalf("eval %s: decode %s: %v", js, v, err)
		}
	}
}

// waitFor polls a JavaScript condition until it holds.
func (tb *tab) waitFor(what, js string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	var err error
	for {
		_, err = chromedp.Run(ctx, chromedp.Poll[bool]("!!("+js+")",
			chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(stepTimeout)))
		// A navigation the page makes itself (a form's redirect) replaces
		// the document the poll was reading; poll the new one.
		if err == nil || ctx.Err() != nil || !navigatedAway(err) {
			break
		}
	}
	if err != nil {
		pctx, pcancel := context.WithTimeout(tb.ctx, 10*time.Second)
		defer pcancel()
		page, _ := chromedp.Run(pctx, chromedp.Evaluate[string](`document.body.innerText.slice(0, 2000)`))
		tb.t.Fatalf("waiting for %s (%s): %v\npage:\n%s", what, js, err, page)
	}
}

// navigatedAway tells the errors of a poll whose document was replaced
// by a navigation from the errors of a poll that failed.
func navigatedAway(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "Cannot find context") || strings.Contains(msg, "context was destroyed")
}

func (tb *tab) text(sel string) string {
	tb.t.Helper()
	var s string
	tb.eval(fmt.Sprintf(`(document.querySelector(%q)||{}).textContent||""`, sel), &s)
	return strings.TrimSpace(s)
}

// key presses a key on the page (not in an input field).
func (tb *tab) key(k string) {
	tb.t.Helper()
	tb.eval(`document.activeElement && document.activeElement.blur()`, nil)
	tb.do(chromedp.KeyEvent(k))
}

func (tb *tab) shot(name string) {
	tb.t.Helper()
	dir := os.Getenv("LOTSE_SCREENSHOTS")
	if dir == "" {
		return
	}
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}

// login opens a page and logs in at the counter ("" for the desk).
func (tb *tab) login(page, counter string) {
	tb.t.Helper()
	tb.do(chromedp.Navigate(tb.url + "/counter/" + page))
	tb.waitFor("login form", `!document.querySelector("#login").hidden && document.querySelectorAll("#login-office option").length > 0`)
	tb.fillLogin(counter)
	tb.waitFor("login done", `document.querySelector("#login").hidden`)
}

func (tb *tab) fillLogin(counter string) {
	tb.t.Helper()
	tb.eval(fmt.Sprintf(`(() => {
		const o = document.querySelector("#login-office");
		o.value = %q; o.dispatchEvent(new Event("change"));
		document.querySelector("#login-counter").value = %q;
		document.querySelector("#login-user").value = "";
		document.querySelector("#login-password").value = "";
	})()`, webOffice, counter), nil)
	tb.do(
		chromedp.SendKeys("#login-user", "demo"),
		chromedp.SendKeys("#login-password", "demo"),
		chromedp.Click("#login-submit"),
	)
}

// endSession ends the page's session behind its back, as an expiry
// would, and waits for the hub's answer. Evaluate does not wait for a
// promise: the DELETE could still be under way when the page acted next,
// so that the action still went through, or the DELETE's answer, which
// clears the cookie, arrived after a new login and ended that one too. A
// run of CI under load failed that way: the login page stayed through
// three subtests.
func (tb *tab) endSession() {
	tb.t.Helper()
	tb.eval(`window.lotseSessionEnded = false;
		fetch("/api/v1/session", {method: "DELETE"}).then((r) => { window.lotseSessionEnded = r.ok; });
		true`, nil)
	tb.waitFor("session ended", `window.lotseSessionEnded`)
}

// current is the ticket number the workplace shows as current.
func (tb *tab) current() string { return tb.text("#current-number") }

func (tb *tab) waitCurrent(number string) {
	tb.t.Helper()
	tb.waitFor("current ticket "+number, fmt.Sprintf(`(document.querySelector("#current-number")||{}).textContent === %q`, number))
}

func (tb *tab) waitNoCurrent() {
	tb.t.Helper()
	tb.waitFor("no current ticket", `!document.querySelector("#current-number")`)
}

// waitIdle waits until no counter action is under way.
func (tb *tab) waitIdle() {
	tb.t.Helper()
	tb.waitFor("idle", `document.querySelector("#actions").getAttribute("aria-busy") === "false"`)
}

func (tb *tab) waitEnabled(action string) {
	tb.t.Helper()
	tb.waitFor(action+" enabled", fmt.Sprintf(`!document.querySelector('[data-action=%q]').disabled`, action))
}

func (tb *tab) waitInList(list, number string) {
	tb.t.Helper()
	tb.waitFor(number+" in "+list, fmt.Sprintf(`!!document.querySelector('#%s [data-number=%q]')`, list, number))
}

func (tb *tab) waitNotInList(list, number string) {
	tb.t.Helper()
	tb.waitFor(number+" not in "+list, fmt.Sprintf(`!document.querySelector('#%s [data-number=%q]')`, list, number))
}

func ticketState(t *testing.T, h *testHub, id string) api.Ticket {
	t.Helper()
	var tk api.Ticket
	h.clerkGet(t, "/api/v1/offices/"+webOffice+"/tickets/"+id, &tk)
	return tk
}

// bookedWithName is the first appointment of the query (e.g.
// "from=10:00&to=10:15") that is booked and has a name, as the desk
// searches for it; the test fails without one.
func bookedWithName(t *testing.T, h *testHub, query string) api.Appointment {
	t.Helper()
	for _, ap := range h.Appointments(t, webOffice, query) {
		if ap.Status == "booked" && ap.Name != "" {
			return ap
		}
	}
	t.Fatalf("the demo day has no booked appointment with a name for %s", query)
	return api.Appointment{}
}
