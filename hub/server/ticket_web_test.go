package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"lotse/hub/api"
)

// ticketFake serves the status page of one ticket from a status the test
// sets, with the routes' contract (status JSON, SSE events, withdraw), so
// the page is tested apart from the queue behind it.
type ticketFake struct {
	mu        sync.Mutex
	st        api.TicketStatus
	page      *api.TicketStatus // when set, the page shows this instead of st
	noEvents  bool              // the events stream fails
	subs      []chan api.TicketStatus
	connected chan struct{} // an events stream opened
	withdrawn chan string   // the Accept of a withdraw
	pages     chan string   // the pages loaded, with their query
}

func newTicketFake(t *testing.T, st api.TicketStatus) (*ticketFake, *httptest.Server) {
	f := &ticketFake{st: st, connected: make(chan struct{}, 16), withdrawn: make(chan string, 4), pages: make(chan string, 16)}
	m := http.NewServeMux()
	ticketAssetRoutes(m)
	m.HandleFunc("GET /t/{token}", func(w http.ResponseWriter, r *http.Request) {
		select {
		case f.pages <- r.URL.RequestURI():
		default:
		}
		st := f.status()
		f.mu.Lock()
		if f.page != nil {
			st = *f.page
		}
		f.mu.Unlock()
		renderTicketPage(w, r, ticketLang(r), r.PathValue("token"), st, http.StatusOK)
	})
	m.HandleFunc("GET /t/{token}/status", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, f.status())
	})
	m.HandleFunc("GET /t/{token}/events", f.events)
	m.HandleFunc("POST /t/{token}/withdraw", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.st.State, f.st.CanWithdraw, f.st.Ahead, f.st.WaitMinutes = api.StatusWithdrawn, false, 0, nil
		f.st.Seq++
		st := f.st
		f.mu.Unlock()
		f.withdrawn <- r.Header.Get("Accept")
		if strings.Contains(r.Header.Get("Accept"), "application/json") {
			writeJSON(w, http.StatusOK, st)
			return
		}
		http.Redirect(w, r, "/t/"+r.PathValue("token")+"?lang="+ticketLang(r), http.StatusSeeOther)
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setSecurityHeaders(w.Header(), r, false) // the page must live with the hub's CSP
		m.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *ticketFake) status() api.TicketStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.st
}

// push sets the status and sends it to every open events stream.
func (f *ticketFake) push(st api.TicketStatus) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.st = st
	for _, c := range f.subs {
		c <- st
	}
}

func (f *ticketFake) events(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	if f.noEvents {
		f.mu.Unlock()
		http.Error(w, "no stream here", http.StatusServiceUnavailable)
		return
	}
	c := make(chan api.TicketStatus, 8)
	f.subs = append(f.subs, c)
	st := f.st
	f.mu.Unlock()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	send := func(st api.TicketStatus) {
		b, _ := json.Marshal(st)
		fmt.Fprintf(w, "id: %d\nevent: status\ndata: %s\n\n", st.Seq, b)
		_ = http.NewResponseController(w).Flush()
	}
	defer func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		for i, s := range f.subs {
			if s == c {
				f.subs = append(f.subs[:i], f.subs[i+1:]...)
				break
			}
		}
	}()
	send(st)
	f.connected <- struct{}{}
	for {
		select {
		case <-r.Context().Done():
			return
		case st := <-c:
			send(st)
		}
	}
}

func (f *ticketFake) waitConnected(t *testing.T) {
	t.Helper()
	select {
	case <-f.connected:
	case <-time.After(stepTimeout):
		t.Fatal("the page opened no events stream")
	}
}

// phoneTab is a tab the size of a phone.
func phoneTab(t *testing.T, b *browser, url string) *tab {
	t.Helper()
	tb := b.newTab(t, url)
	tb.do(chromedp.EmulateViewport(390, 844))
	return tb
}

// phoneShot saves what the phone's screen shows (with
// LOTSE_SCREENSHOTS=DIR). Not the harness's full-page shot: Chromium
// captures a right-to-left page beyond the viewport shifted sideways.
func phoneShot(tb *tab, name string) {
	tb.t.Helper()
	dir := os.Getenv("LOTSE_SCREENSHOTS")
	if dir == "" {
		return
	}
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}

// ticketAuditJS lists what breaks the BITV basics on the page as shown:
// text under 4.5:1 contrast against its ground, and links or buttons
// smaller than 44 px.
const ticketAuditJS = `(() => {
	const rgb = c => (c.match(/[\d.]+/g) || []).map(Number);
	const lum = ([r, g, b]) => {
		const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
		return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
	};
	const ground = el => {
		for (; el; el = el.parentElement) {
			const c = rgb(getComputedStyle(el).backgroundColor);
			if (c.length === 3 || c[3] > 0) return c;
		}
		return [255, 255, 255];
	};
	const out = [];
	for (const el of document.querySelectorAll("body *")) {
		if (!el.getClientRects().length || el.tagName === "SCRIPT") continue;
		const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
		if (own) {
			const a = lum(rgb(getComputedStyle(el).color)), b = lum(ground(el));
			const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
			if (ratio < 4.5) out.push("contrast " + ratio.toFixed(2) + ": " + el.textContent.trim().slice(0, 40));
		}
		if (el.matches("a, button")) {
			const r = el.getBoundingClientRect();
			if (r.height < 44 || r.width < 44) out.push("target " + Math.round(r.width) + "x" + Math.round(r.height) + ": " + el.textContent.trim());
		}
	}
	return out;
})()`

func ticketAudit(t *testing.T, tb *tab, what string) {
	t.Helper()
	var problems []string
	tb.eval(ticketAuditJS, &problems)
	for _, p := range problems {
		t.Errorf("%s: %s", what, p)
	}
}

func ticketWaiting() api.TicketStatus {
	return api.TicketStatus{State: api.StatusWaiting, Number: "A042", Services: []string{"Reisepass", "Anmeldung"},
		Ahead: 3, WaitMinutes: intp(12), CanWithdraw: true, Appointment: true, OfficeName: "Bürgeramt Mitte", Seq: 10}
}

// TestTicketPageBrowser: on a phone-sized Chromium the page shows the
// waiting ticket, follows its events stream and shows "Bitte zu Schalter 5"
// within a second of the call, vibrating; the call is repeated on a
// recall. With LOTSE_SCREENSHOTS=DIR it saves waiting and called in de, tr
// and ar.
func TestTicketPageBrowser(t *testing.T) {
	b := newBrowser(t)
	for _, lang := range []string{"de", "tr", "ar"} {
		t.Run(lang, func(t *testing.T) {
			f, srv := newTicketFake(t, ticketWaiting())
			tb := phoneTab(t, b, srv.URL)
			tx := ticketTexts[lang]
			tb.do(chromedp.Navigate(srv.URL + "/t/tok123?lang=" + lang))
			f.waitConnected(t)
			tb.waitFor("waiting", fmt.Sprintf(`document.querySelector("#headline").textContent === %q && document.documentElement.dir === %q`,
				tx["stateWaiting"], map[bool]string{true: "rtl", false: "ltr"}[lang == "ar"]))
			var fits bool
			tb.eval(`document.documentElement.scrollWidth <= window.innerWidth`, &fits)
			if !fits {
				t.Error("the page is wider than the phone")
			}
			phoneShot(tb, "ticket-waiting-"+lang)
			ticketAudit(t, tb, "waiting")

			// The page marks the moment the call appears; the test compares
			// it with the moment it sent the call.
			tb.eval(`(() => {
				window.calledAt = 0; window.vibrated = null;
				navigator.vibrate = function (p) { window.vibrated = p; return true; };
				const call = document.querySelector("#call");
				new MutationObserver(() => { if (call.textContent && !window.calledAt) window.calledAt = Date.now(); })
					.observe(call, {childList: true, subtree: true, characterData: true});
			})()`, nil)
			called := ticketWaiting()
			called.State, called.Ahead, called.WaitMinutes, called.Counter, called.CounterName, called.Seq =
				api.StatusCalled, 0, nil, "schalter-5", "Schalter 5", 11
			sent := time.Now().UnixMilli()
			f.push(called)
			tb.waitFor("the call", `window.calledAt > 0`)
			var at int64
			tb.eval(`window.calledAt`, &at)
			// Pushed, not polled (the page polls every 15 s): the bound is
			// far above a push on a busy machine and far below a poll.
			// How fast a push is, make bench measures (phones).
			if d := time.Duration(at-sent) * time.Millisecond; d > 5*time.Second {
				t.Errorf("the call showed %v after it was sent: polled, not pushed", d)
			}
			want := strings.ReplaceAll(tx["goTo"], "{counter}", "Schalter 5")
			if got := tb.text("#call"); got != want {
				t.Errorf("call %q, want %q", got, want)
			}
			var got struct {
				Vibrated []int
				Live     string
				Title    string
				Facts    bool
			}
			tb.eval(`({vibrated: window.vibrated, live: document.querySelector("#call").getAttribute("aria-live"),
				title: document.title, facts: document.querySelector("#facts").hidden})`, &got)
			if len(got.Vibrated) == 0 || got.Live != "assertive" || got.Title != want || !got.Facts {
				t.Errorf("after the call: %+v", got)
			}
			phoneShot(tb, "ticket-called-"+lang)
			ticketAudit(t, tb, "called")
			// The narrowest phones, and the 390 px phone at 200 % zoom:
			// nothing may stick out sideways.
			for _, width := range []int64{320, 195} {
				tb.do(chromedp.EmulateViewport(width, 844))
				tb.eval(`document.documentElement.scrollWidth <= window.innerWidth`, &fits)
				if !fits {
					t.Errorf("at %d px the page is wider than the screen", width)
				}
				phoneShot(tb, fmt.Sprintf("ticket-called-%s-%d", lang, width))
			}
			tb.do(chromedp.EmulateViewport(390, 844))

			recalled := called
			recalled.Recalls, recalled.Seq = 1, 12
			tb.eval(`window.vibrated = null`, nil)
			f.push(recalled)
			tb.waitFor("the recall", fmt.Sprintf(`!document.querySelector("#recalled").hidden && window.vibrated && document.querySelector("#recalled").textContent === %q`, tx["recalled"]))
			// An older status (a late poll) does not undo the newer one: the
			// second recall after it shows that the page has seen it.
			tb.eval(`(() => {
				window.undone = false; window.vibrated = null;
				const r = document.querySelector("#recalled");
				new MutationObserver(() => { if (r.hidden) window.undone = true; }).observe(r, {attributes: true});
			})()`, nil)
			f.push(called)
			again := recalled
			again.Recalls, again.Seq = 2, 13
			f.push(again)
			tb.waitFor("the second recall", `window.vibrated`)
			var undone bool
			tb.eval(`window.undone`, &undone)
			if undone {
				t.Error("an older status replaced the newer one")
			}
		})
	}
}

// TestTicketPageBrowserWithdraw: "Ich komme nicht mehr" asks first, then
// gives the ticket up: with script by a JSON POST in place, without
// script by the form and the server's redirect.
func TestTicketPageBrowserWithdraw(t *testing.T) {
	b := newBrowser(t)
	tx := ticketTexts["de"]
	t.Run("script", func(t *testing.T) {
		f, srv := newTicketFake(t, ticketWaiting())
		tb := phoneTab(t, b, srv.URL)
		tb.do(chromedp.Navigate(srv.URL + "/t/tok123?lang=de"))
		f.waitConnected(t)
		tb.waitFor("page", `document.querySelector("#headline").textContent !== ""`)
		tb.do(chromedp.Click("#withdraw"))
		tb.waitFor("confirmation", `!document.querySelector("#confirm").hidden && document.activeElement.id === "confirm-q"`)
		if got, want := tb.text("#confirm-q"), strings.ReplaceAll(tx["confirmQuestion"], "{number}", "A042"); got != want {
			t.Errorf("question %q, want %q", got, want)
		}
		phoneShot(tb, "ticket-confirm-de")
		ticketAudit(t, tb, "confirm")
		tb.do(chromedp.Click("#confirm-no"))
		tb.waitFor("no", `document.querySelector("#confirm").hidden && !document.querySelector("#withdraw").hidden`)
		tb.do(chromedp.Click("#withdraw"))
		tb.do(chromedp.Click("#confirm-form button"))
		select {
		case accept := <-f.withdrawn:
			if !strings.Contains(accept, "application/json") {
				t.Errorf("the script's withdraw asked for %q", accept)
			}
		case <-time.After(stepTimeout):
			t.Fatal("no withdraw arrived")
		}
		tb.waitFor("withdrawn", fmt.Sprintf(`document.querySelector("#headline").textContent === %q && document.querySelector("#withdraw-area").hidden && location.search === "?lang=de"`, tx["stateWithdrawn"]))
	})
	t.Run("no script", func(t *testing.T) {
		f, srv := newTicketFake(t, ticketWaiting())
		tb := phoneTab(t, b, srv.URL)
		if _, err := chromedp.Call(tb.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			t.Fatal(err)
		}
		tb.do(chromedp.Navigate(srv.URL + "/t/tok123?lang=de"))
		tb.do(chromedp.Click("#withdraw"))
		tb.do(chromedp.WaitVisible("#confirm-form button"))
		for len(f.pages) > 0 { // the loads so far; the one after the form counts
			<-f.pages
		}
		tb.do(chromedp.Click("#confirm-form button"))
		select {
		case accept := <-f.withdrawn:
			if strings.Contains(accept, "application/json") {
				t.Errorf("the form asked for %q", accept)
			}
		case <-time.After(stepTimeout):
			t.Fatal("no withdraw arrived")
		}
		// Without script the test cannot look into the page; it sees the
		// browser follow the answer back to the page, which the render
		// tests check for the withdrawn state.
		for {
			select {
			case p := <-f.pages:
				if p == "/t/tok123?lang=de" {
					phoneShot(tb, "ticket-withdrawn-noscript-de")
					return
				}
			case <-time.After(stepTimeout):
				t.Fatal("the browser did not come back to the page")
			}
		}
	})
}

// TestTicketPageBrowserWakes: a phone that comes back (visibilitychange,
// online) fetches its status at once instead of waiting for the stream.
func TestTicketPageBrowserWakes(t *testing.T) {
	b := newBrowser(t)
	f, srv := newTicketFake(t, ticketWaiting())
	tb := phoneTab(t, b, srv.URL)
	tb.do(chromedp.Navigate(srv.URL + "/t/tok123?lang=en"))
	f.waitConnected(t)
	// The status changes while no stream carries it (the phone slept).
	f.mu.Lock()
	f.st.Ahead, f.st.Seq = 1, 11
	f.mu.Unlock()
	tb.eval(`document.dispatchEvent(new Event("visibilitychange"))`, nil)
	tb.waitFor("fresh status", `document.querySelector("#ahead").textContent === "1"`)
	f.waitConnected(t) // and it opened a new stream
}

// TestTicketPageBrowserPolls: where the events stream fails (a proxy that
// does not pass it), the page fetches the status itself.
func TestTicketPageBrowserPolls(t *testing.T) {
	b := newBrowser(t)
	f, srv := newTicketFake(t, ticketWaiting())
	old := ticketWaiting()
	f.mu.Lock()
	f.noEvents, f.page = true, &old
	f.st.Ahead, f.st.Seq = 1, 11
	f.mu.Unlock()
	tb := phoneTab(t, b, srv.URL)
	tb.do(chromedp.Navigate(srv.URL + "/t/tok123?lang=de"))
	start := time.Now()
	tb.waitFor("the status fetched", `document.querySelector("#ahead").textContent === "1"`)
	// At once, not at the first 15 s poll.
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the page fetched its status after %v", d)
	}
}

// TestTicketPageBrowserNotifies: where the citizen allowed notifications,
// the call arrives as one, through the service worker that Android
// requires.
func TestTicketPageBrowserNotifies(t *testing.T) {
	b := newBrowser(t)
	f, srv := newTicketFake(t, ticketWaiting())
	tb := phoneTab(t, b, srv.URL)
	if _, err := chromedp.CallBrowser(tb.ctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
		Permission: &cdpbrowser.PermissionDescriptor{Name: "notifications"}, Setting: cdpbrowser.PermissionSettingGranted,
		Origin: srv.URL, BrowserContextID: chromedp.FromContext(tb.ctx).BrowserContextID,
	}); err != nil {
		t.Fatal(err)
	}
	tb.do(chromedp.Navigate(srv.URL + "/t/tok123?lang=de"))
	f.waitConnected(t)
	tb.waitFor("the worker", `(() => {
		navigator.serviceWorker.getRegistration("/t/assets/").then(r => { window.worker = !!(r && r.active); });
		return window.worker;
	})()`)
	var ui struct{ Button, On bool }
	tb.eval(`({button: !document.querySelector("#notify").hidden, on: !document.querySelector("#notify-on").hidden})`, &ui)
	if ui.Button || !ui.On {
		t.Errorf("with notifications allowed: %+v", ui)
	}
	called := ticketWaiting()
	called.State, called.Ahead, called.WaitMinutes, called.CounterName, called.Seq = api.StatusCalled, 0, nil, "Schalter 5", 11
	// The notification as the worker's registration is asked to show it:
	// headless Chromium lists shown notifications only now and then.
	tb.eval(`(() => {
		const orig = ServiceWorkerRegistration.prototype.showNotification;
		ServiceWorkerRegistration.prototype.showNotification = function (title, o) {
			(window.shown = window.shown || []).push(title + " | " + o.body);
			return orig.call(this, title, o).then(() => { window.ok = true; }, e => { window.err = String(e); throw e; });
		};
	})()`, nil)
	f.push(called)
	tb.waitFor("the notification", `window.ok || window.err`)
	var failed string
	tb.eval(`window.err || ""`, &failed)
	if failed != "" {
		t.Errorf("the notification failed: %s", failed)
	}
	var shown []string
	tb.eval(`window.shown`, &shown)
	if want := "Sie sind dran: A042 | Bitte zu Schalter 5"; len(shown) != 1 || shown[0] != want {
		t.Errorf("notifications %q, want %q", shown, want)
	}
}
