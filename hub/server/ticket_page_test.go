package server

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"lotse/hub/api"
)

func intp(n int) *int { return &n }

// ticketDoc is a rendered status page, parsed.
type ticketDoc struct {
	t    *testing.T
	code int
	head http.Header
	raw  string
	root *html.Node
}

func renderTicket(t *testing.T, lang, query string, st api.TicketStatus, code int) ticketDoc {
	t.Helper()
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodGet, "/t/tok123"+query, nil)
	renderTicketPage(w, r, lang, "tok123", st, code)
	root, err := html.Parse(strings.NewReader(w.Body.String()))
	if err != nil {
		t.Fatal(err)
	}
	return ticketDoc{t: t, code: w.Code, head: w.Header(), raw: w.Body.String(), root: root}
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func (d ticketDoc) find(match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	for n := range d.root.Descendants() {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
	}
	return out
}

func (d ticketDoc) byID(id string) *html.Node {
	d.t.Helper()
	ns := d.find(func(n *html.Node) bool { v, _ := attr(n, "id"); return v == id })
	if len(ns) != 1 {
		d.t.Fatalf("%d elements #%s in\n%s", len(ns), id, d.raw)
	}
	return ns[0]
}

// visibleText is what a browser without script shows: no hidden
// elements, no scripts, no head.
func visibleText(n *html.Node) string {
	if n.Type == html.ElementNode {
		if _, hidden := attr(n, "hidden"); hidden || n.Data == "script" || n.Data == "head" {
			return ""
		}
	}
	if n.Type == html.TextNode {
		return n.Data
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		b.WriteString(visibleText(c))
	}
	return b.String()
}

func (d ticketDoc) visible() string {
	return strings.Join(strings.Fields(visibleText(d.root)), " ")
}

// TestTicketPageRender: the page without script says everything about the
// ticket in each state and language, marks Arabic right to left, and the
// unknown or expired token gets the friendly page.
func TestTicketPageRender(t *testing.T) {
	waiting := api.TicketStatus{State: api.StatusWaiting, Number: "A042", Services: []string{"Reisepass", "Anmeldung"},
		Ahead: 5, WaitMinutes: intp(12), CanWithdraw: true, OfficeName: "Bürgeramt Mitte", Seq: 7}
	with := func(f func(*api.TicketStatus)) api.TicketStatus {
		st := waiting
		f(&st)
		return st
	}
	called := with(func(s *api.TicketStatus) {
		s.State, s.Ahead, s.WaitMinutes, s.Counter, s.CounterName = api.StatusCalled, 0, nil, "schalter-5", "Schalter 5"
	})
	state := func(state string) api.TicketStatus {
		return with(func(s *api.TicketStatus) { s.State, s.Ahead, s.WaitMinutes, s.CanWithdraw = state, 0, nil, false })
	}
	tx := func(lang, key string) string { return ticketTexts[lang][key] }
	type tcase struct {
		name, lang, query string
		st                api.TicketStatus
		code              int
		want, notWant     []string // visible without script
		live              bool     // refreshes without script, has the script
	}
	var cases []tcase
	for _, lang := range ticketLangs {
		cases = append(cases,
			tcase{name: "waiting", lang: lang, st: waiting, code: 200, live: true,
				want: []string{"A042", "Reisepass, Anmeldung", "Bürgeramt Mitte", tx(lang, "stateWaiting"), tx(lang, "ahead"), "5",
					tx(lang, "wait"), strings.ReplaceAll(tx(lang, ticketPluralKey(lang, 12)), "{n}", "12"), tx(lang, "withdraw"), tx(lang, "autoUpdate")},
				notWant: []string{tx(lang, "noCounter"), tx(lang, "confirmYes"), tx(lang, "recalled")}},
			tcase{name: "no counter open", lang: lang, st: with(func(s *api.TicketStatus) { s.WaitMinutes = nil }), code: 200, live: true,
				want: []string{tx(lang, "noCounter"), tx(lang, "ahead")}, notWant: []string{tx(lang, "wait")}},
			tcase{name: "next", lang: lang, st: with(func(s *api.TicketStatus) { s.Ahead, s.Next, s.WaitMinutes = 1, true, intp(3) }), code: 200, live: true,
				want: []string{tx(lang, "stateNext")}, notWant: []string{tx(lang, "stateWaiting")}},
			tcase{name: "called", lang: lang, st: called, code: 200, live: true,
				want:    []string{tx(lang, "stateCalled"), strings.ReplaceAll(tx(lang, "goTo"), "{counter}", "Schalter 5")},
				notWant: []string{tx(lang, "recalled"), tx(lang, "ahead"), tx(lang, "noCounter")}},
			tcase{name: "recalled", lang: lang, st: with(func(s *api.TicketStatus) { *s = called; s.Recalls = 1 }), code: 200, live: true,
				want: []string{tx(lang, "recalled"), strings.ReplaceAll(tx(lang, "goTo"), "{counter}", "Schalter 5")}},
			tcase{name: "confirm, appointment", lang: lang, query: "?confirm=withdraw", st: with(func(s *api.TicketStatus) { s.Appointment = true }), code: 200, live: true,
				want:    []string{strings.ReplaceAll(tx(lang, "confirmQuestion"), "{number}", "A042"), tx(lang, "confirmYes"), tx(lang, "confirmNo")},
				notWant: []string{tx(lang, "withdraw")}},
			tcase{name: "confirm, walk-in", lang: lang, query: "?confirm=withdraw", st: waiting, code: 200, live: true,
				want:    []string{strings.ReplaceAll(tx(lang, "confirmQuestionWalkIn"), "{number}", "A042"), tx(lang, "confirmYes")},
				notWant: []string{tx(lang, "withdraw"), strings.ReplaceAll(tx(lang, "confirmQuestion"), "{number}", "A042")}},
			tcase{name: "confirm without withdraw", lang: lang, query: "?confirm=withdraw", st: state(api.StatusServing), code: 200, live: true,
				notWant: []string{tx(lang, "confirmYes"), tx(lang, "withdraw")}},
			tcase{name: "unknown", lang: lang, st: api.TicketStatus{State: api.StatusUnknown}, code: 404,
				want: []string{tx(lang, "invalidTitle"), tx(lang, "invalidText")}, notWant: []string{tx(lang, "yourNumber")}},
			tcase{name: "expired", lang: lang, st: api.TicketStatus{State: api.StatusExpired, Number: "A042"}, code: 410,
				want: []string{tx(lang, "invalidTitle"), tx(lang, "invalidText")}, notWant: []string{"A042"}},
		)
		for _, s := range []string{api.StatusServing, api.StatusDone, api.StatusParked, api.StatusMissed, api.StatusWithdrawn} {
			live := s != api.StatusDone && s != api.StatusWithdrawn
			cases = append(cases, tcase{name: s, lang: lang, st: state(s), code: 200, live: live,
				want: []string{"A042", tx(lang, ticketStateKeys[s])}, notWant: []string{tx(lang, "withdraw"), tx(lang, "ahead"), tx(lang, "notify")}})
		}
	}
	external := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9]|url\(`)
	for _, c := range cases {
		t.Run(c.lang+"/"+c.name, func(t *testing.T) {
			d := renderTicket(t, c.lang, c.query, c.st, c.code)
			if d.code != c.code {
				t.Errorf("code %d, want %d", d.code, c.code)
			}
			h := d.find(func(n *html.Node) bool { return n.Data == "html" })[0]
			if l, _ := attr(h, "lang"); l != c.lang {
				t.Errorf("<html lang=%q>, want %q", l, c.lang)
			}
			wantDir := "ltr"
			if ticketRTL[c.lang] {
				wantDir = "rtl"
			}
			if dir, _ := attr(h, "dir"); dir != wantDir {
				t.Errorf("<html dir=%q>, want %q", dir, wantDir)
			}
			if got := d.head.Get("Content-Language"); got != c.lang {
				t.Errorf("Content-Language %q", got)
			}
			if got := d.head.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", got)
			}
			if n := len(d.find(func(n *html.Node) bool { return n.Data == "h1" })); n != 1 {
				t.Errorf("%d h1, want one", n)
			}
			vis := d.visible()
			for _, w := range c.want {
				if !strings.Contains(vis, strings.Join(strings.Fields(w), " ")) {
					t.Errorf("the page does not show %q; it shows:\n%s", w, vis)
				}
			}
			for _, w := range c.notWant {
				if w != "" && strings.Contains(vis, w) {
					t.Errorf("the page shows %q; it should not:\n%s", w, vis)
				}
			}
			if m := external.FindString(d.raw); m != "" {
				t.Errorf("the page names an external address (%q):\n%s", m, d.raw)
			}
			refresh := strings.Contains(d.raw, `<noscript><meta http-equiv="refresh" content="30"></noscript>`)
			wantRefresh := c.live && c.name != "confirm, appointment" && c.name != "confirm, walk-in"
			if refresh != wantRefresh {
				t.Errorf("no-script refresh %v, want %v", refresh, wantRefresh)
			}
			scripts := d.find(func(n *html.Node) bool { _, ok := attr(n, "src"); return n.Data == "script" && ok })
			if c.code == 200 && len(scripts) != 1 {
				t.Errorf("%d page scripts, want the one", len(scripts))
			}
			if c.code != 200 && len(scripts) != 0 {
				t.Errorf("the friendly page loads a script")
			}
			for _, n := range d.find(func(n *html.Node) bool { return true }) {
				for _, a := range n.Attr {
					if strings.HasPrefix(a.Key, "on") || a.Key == "style" {
						t.Errorf("<%s %s=...>: inline handlers and styles break the page's CSP", n.Data, a.Key)
					}
				}
				if n.Data == "script" && len(n.Attr) == 0 {
					t.Errorf("an inline script: the CSP blocks it")
				}
			}
			if c.name == "confirm" {
				f := d.byID("confirm-form")
				action, _ := attr(f, "action")
				method, _ := attr(f, "method")
				if method != "post" || action != "/t/tok123/withdraw?lang="+c.lang {
					t.Errorf("confirm form %s %s", method, action)
				}
				if refresh {
					t.Error("the confirmation refreshes itself away")
				}
			}
			if c.code == 200 && c.name == "waiting" {
				var data ticketScriptData
				if err := json.Unmarshal([]byte(visibleText(d.byID("texts").FirstChild)), &data); err != nil {
					t.Fatalf("the script's texts: %v", err)
				}
				if data.Status.Number != "A042" || data.Lang != c.lang || data.Texts["goTo"] != tx(c.lang, "goTo") ||
					data.States[api.StatusCalled] != "stateCalled" || data.Base != "/t/tok123" {
					t.Errorf("the script's texts: %+v", data)
				}
				a, _ := attr(d.byID("withdraw"), "href")
				if a != "/t/tok123?confirm=withdraw&lang="+c.lang {
					t.Errorf("withdraw link %q", a)
				}
			}
		})
	}
}

// TestTicketPageEscapes: a counter or service name is text, never markup,
// in the page and in the script's JSON.
func TestTicketPageEscapes(t *testing.T) {
	st := api.TicketStatus{State: api.StatusCalled, Number: "A1", Services: []string{`<img src=x>`},
		CounterName: `</script><script>alert(1)</script>`}
	d := renderTicket(t, "de", "", st, 200)
	if strings.Contains(d.raw, "<img") || strings.Contains(d.raw, "<script>alert") {
		t.Errorf("unescaped names:\n%s", d.raw)
	}
	if got := visibleText(d.byID("call")); got != "Bitte zu "+st.CounterName {
		t.Errorf("call %q", got)
	}
}

// TestTicketLang: ?lang= first, then the phone's Accept-Language, else
// German.
func TestTicketLang(t *testing.T) {
	for _, c := range []struct{ query, accept, want string }{
		{"", "", "de"},
		{"?lang=ar", "en", "ar"},
		{"?lang=xx", "tr-TR,tr;q=0.9", "tr"},
		{"", "uk-UA, ru;q=0.8", "uk"},
		{"", "ru", "ru"},
		{"", "ar-SY", "ar"},
		{"", "en-GB,en;q=0.9,de;q=0.5", "en"},
		{"", "fr-FR", "de"},
		{"", "de-AT", "de"},
	} {
		r := httptest.NewRequest(http.MethodGet, "/t/x"+c.query, nil)
		r.Header.Set("Accept-Language", c.accept)
		if got := ticketLang(r); got != c.want {
			t.Errorf("ticketLang(%q, %q) = %q, want %q", c.query, c.accept, got, c.want)
		}
	}
}

// TestTicketTextsComplete: every language has every text, and a text for
// every plural form its grammar uses for the minutes.
func TestTicketTextsComplete(t *testing.T) {
	isPlural := func(k string) bool { return strings.HasPrefix(k, "minutes_") }
	base := slices.DeleteFunc(slices.Sorted(maps.Keys(ticketTexts["de"])), isPlural)
	placeholders := regexp.MustCompile(`\{\w+\}`)
	for _, lang := range ticketLangs {
		keys := slices.DeleteFunc(slices.Sorted(maps.Keys(ticketTexts[lang])), isPlural)
		if !slices.Equal(keys, base) {
			t.Errorf("%s.json has the keys %q, de.json %q", lang, keys, base)
		}
		for _, k := range keys {
			v := ticketTexts[lang][k]
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s.json: %s is empty", lang, k)
			}
			if got, want := placeholders.FindAllString(v, -1), placeholders.FindAllString(ticketTexts["de"][k], -1); !slices.Equal(got, want) {
				t.Errorf("%s.json: %s has the placeholders %q, German %q", lang, k, got, want)
			}
		}
		if ticketTexts[lang]["minutes_other"] == "" {
			t.Errorf("%s.json has no minutes_other", lang)
		}
		for n := 1; n <= 200; n++ {
			k := ticketPluralKey(lang, n)
			if !strings.Contains(ticketTexts[lang][k], "{n}") && n != 1 && n != 2 {
				t.Errorf("%s: %d minutes reads %q", lang, n, ticketTexts[lang][k])
			}
		}
	}
	for _, c := range []struct {
		lang string
		n    int
		want string
	}{
		{"de", 1, "etwa 1 Minute"}, {"de", 12, "etwa 12 Minuten"}, {"ru", 2, "примерно 2 минуты"},
		{"ru", 5, "примерно 5 минут"}, {"ru", 21, "примерно 21 минута"}, {"uk", 3, "приблизно 3 хвилини"},
		{"ar", 2, "حوالي دقيقتين"}, {"ar", 5, "حوالي 5 دقائق"}, {"tr", 7, "yaklaşık 7 dakika"}, {"en", 0, "any moment"},
	} {
		got := strings.NewReplacer("<bdi>", "", "</bdi>", "").Replace(string(ticketWaitText(c.lang, c.n)))
		if got != c.want {
			t.Errorf("%s, %d minutes: %q, want %q", c.lang, c.n, got, c.want)
		}
	}
}

// TestTicketAssets: the script and style come from the hub, versioned and
// kept long; an unversioned request revalidates.
func TestTicketAssets(t *testing.T) {
	m := http.NewServeMux()
	ticketAssetRoutes(m)
	// The routes must live beside the ticket's own.
	m.HandleFunc("GET /t/{token}/status", http.NotFound)
	m.HandleFunc("GET /t/{token}", http.NotFound)
	for name, a := range ticketAssets {
		w := httptest.NewRecorder()
		m.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/t/assets/"+name+"?v="+a.version, nil))
		if w.Code != 200 || !strings.Contains(w.Header().Get("Cache-Control"), "max-age=31536000") || w.Body.Len() != len(a.body) {
			t.Errorf("%s: %d %q %d bytes", name, w.Code, w.Header().Get("Cache-Control"), w.Body.Len())
		}
		r := httptest.NewRequest(http.MethodGet, "/t/assets/"+name, nil)
		r.Header.Set("If-None-Match", w.Header().Get("ETag"))
		w = httptest.NewRecorder()
		m.ServeHTTP(w, r)
		if w.Code != http.StatusNotModified || w.Header().Get("Cache-Control") != "no-cache" {
			t.Errorf("%s revalidated: %d %q", name, w.Code, w.Header().Get("Cache-Control"))
		}
	}
	d := renderTicket(t, "de", "", api.TicketStatus{State: api.StatusWaiting, Number: "A1"}, 200)
	for _, name := range []string{"ticket.js", "ticket.css"} {
		if !strings.Contains(d.raw, "/t/assets/"+name+"?v="+ticketAssets[name].version) {
			t.Errorf("the page does not name %s at its version", name)
		}
	}
}
