package server

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"

	"lotse/hub/api"
	"lotse/hub/booking/demo"
	"lotse/hub/statistics"
	"lotse/hub/store"
)

// TestPublicPagesBrowser: Chromium shows the city's and an office's
// waiting times, lets a page frame them (no X-Frame-Options, no
// frame-ancestors 'none'), keeps no cookie, and fits a phone. With
// LOTSE_SCREENSHOTS=DIR it saves the pages in German and English.
func TestPublicPagesBrowser(t *testing.T) {
	b := newBrowser(t)
	h := publicHub(t)
	o := h.Offices[0]
	today := o.Day(h.Clock.Now())
	from, _ := statistics.DayBefore(today, 7*quietWeeks)
	to, _ := statistics.DayBefore(today, 1)
	var cells []statistics.Cell
	if err := statistics.History(o, statistics.HistoryOptions{From: from, To: to, Seed: 7}, func(c statistics.Cell) error {
		cells = append(cells, c)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := h.Server.db.(*store.DB).AddStatCells(context.Background(), cells); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{demo.Reisepass, demo.Anmeldung, demo.Anmeldung, demo.Meldebescheinigung, demo.Reisepass, demo.Anmeldung} {
		h.WalkIn(t, demo.Mitte, s)
	}
	ctx := context.Background()
	for _, c := range []string{"schalter-1", "schalter-2"} {
		if _, err := h.Clerk().Act(ctx, demo.Mitte, c, api.ActionOpen, api.ActionRequest{}); err != nil {
			t.Fatalf("open %s: %v", c, err)
		}
	}

	a := b.newTab(t, h.URL)
	for _, lang := range []string{"de", "en"} {
		a.do(chromedp.Navigate(h.URL + "/public/?lang=" + lang))
		a.waitFor("city", `document.documentElement.lang === "`+lang+`" && document.querySelectorAll("section.office").length === 2`)
		a.shot("public-city-" + lang)
		a.do(chromedp.Navigate(h.URL + "/public/offices/" + demo.Mitte + "?lang=" + lang))
		a.waitFor("office", `document.querySelector("h1") && document.querySelector(".badge.open") && document.querySelector(".quiet")`)
		a.shot("public-office-" + lang)
	}
	var cookies string
	a.eval(`document.cookie`, &cookies)
	if cookies != "" {
		t.Errorf("the public pages left cookies: %q", cookies)
	}

	a.do(chromedp.EmulateViewport(390, 844))
	a.shot("public-office-phone-" + "en")

	// Framed by the city's website: a page that X-Frame-Options or
	// frame-ancestors forbids to frame shows Chromium's error page instead,
	// whose document the parent cannot reach. The city's site passes the
	// hub's answers through, so parent and frame share an origin and the
	// test can look inside.
	hub, err := url.Parse(h.URL)
	if err != nil {
		t.Fatal(err)
	}
	city := http.NewServeMux()
	city.Handle("/public/", httputil.NewSingleHostReverseProxy(hub))
	city.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, `<!DOCTYPE html><html lang="de"><title>Stadt</title><h1>Stadt</h1>`+
			`<iframe id="framed" title="Wartezeiten" width="380" height="600" src="/public/offices/`+demo.Nord+`"></iframe>`)
	})
	site := httptest.NewServer(city)
	t.Cleanup(site.Close)
	f := b.newTab(t, site.URL)
	f.do(chromedp.Navigate(site.URL + "/"))
	f.waitFor("framed page", `(() => { const d = document.querySelector("#framed").contentDocument; return d && d.querySelector("h1") && d.querySelector("h1").textContent.includes("Nord") })()`)
	f.shot("public-framed")
}
