package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lotse/assets"
	"lotse/hub/api"
	"lotse/hub/booking/demo"
)

// TestWebDisplayTextsAreTranslated: the web board has no texts of its own;
// every text it shows or speaks is a key of the Fyne board's translation
// files, in every language they have.
func TestWebDisplayTextsAreTranslated(t *testing.T) {
	var keys []string
	for _, f := range []struct {
		file string
		re   *regexp.Regexp
	}{
		{"web/display/display.js", regexp.MustCompile(`\bt\("(\w+)"\)`)},
		{"web/display/display.js", regexp.MustCompile(`textsOf\([^)]*\)\.(\w+)`)},
		{"web/display/index.html", regexp.MustCompile(`data-text="(\w+)"`)},
	} {
		src, err := web.ReadFile(f.file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range f.re.FindAllStringSubmatch(string(src), -1) {
			keys = append(keys, m[1])
		}
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	if len(keys) < 10 {
		t.Fatalf("found only the keys %q in the web board: the patterns no longer match its code", keys)
	}
	for _, lang := range assets.Languages("display") {
		raw, err := assets.FS.ReadFile("translations/display/" + lang + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var texts map[string]string
		if err := json.Unmarshal(raw, &texts); err != nil {
			t.Fatalf("display/%s.json: %v", lang, err)
		}
		for _, k := range keys {
			if texts[k] == "" {
				t.Errorf("the web board uses %q, which display/%s.json does not translate", k, lang)
			}
		}
	}
}

// TestWebDisplay runs the web display in headless Chromium against a real
// hub: it shows a call, announces it once and a recall again, resubscribes
// for a fresh snapshot after a gap, and warns when the stream falls silent.
func TestWebDisplay(t *testing.T) {
	h := newTestHub(t)
	b := newBrowser(t)
	tb := b.newTab(t, h.URL)
	ctx := context.Background()

	// The gong is served where the page looks for it.
	resp, err := http.Get(h.URL + "/assets/sounds/gong.wav")
	if err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 4)
	_, _ = io.ReadFull(resp.Body, head)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(head) != "RIFF" {
		t.Fatalf("gong: %d %q", resp.StatusCode, head)
	}

	tb.do(chromedp.Navigate(fmt.Sprintf("%s/display?office=%s&token=demo&layout=list&sound=0", h.URL, webOffice)))
	tb.waitFor("the first snapshot", `document.body.classList.contains("connected")`)
	if got := tb.text("#office"); got == "" {
		t.Fatal("no office name in the header")
	}

	office := h.Offices[0]
	counter := office.Counters[0]
	ticket, err := h.Device().WalkIn(ctx, webOffice, api.WalkInRequest{Service: counter.Services[0]})
	if err != nil {
		t.Fatalf("walk-in: %v", err)
	}
	if _, err := h.Clerk().Act(ctx, webOffice, counter.ID, api.ActionCall, api.ActionRequest{Ticket: ticket.ID}); err != nil {
		t.Fatalf("call: %v", err)
	}
	tb.waitFor("the call on top", fmt.Sprintf(`(document.querySelector(".call.newest .number")||{}).textContent === %q`, ticket.Number))
	if got := tb.text(".call.newest .counter"); got != counter.Name {
		t.Fatalf("newest call goes to %q, want %q", got, counter.Name)
	}
	tb.shot("web_display_call")

	// The blink, as on the Fyne board: the bar turns white in the off
	// phase and the number stays black. The animation is paused at a time
	// of each phase and the computed colours read. A render sets the
	// blink's delay to minus the time since the call arrived, so that a
	// later render continues the blink; that delay is cleared first, or
	// the times below would be shifted by it (a render 300-400 ms after
	// the call put both in white phases).
	phase := func(ms int) (look string) {
		tb.eval(fmt.Sprintf(`(() => {
			const e = document.querySelector(".call.newest");
			e.style.animationDelay = "0s";
			e.classList.remove("blink"); void e.offsetWidth; e.classList.add("blink");
			e.getAnimations().forEach(a => { a.pause(); a.currentTime = %d; });
			return getComputedStyle(e).backgroundColor + " / " + getComputedStyle(e.querySelector(".number")).color;
		})()`, ms), &look)
		return look
	}
	if on, off := phase(200), phase(600); on != "rgb(255, 212, 0) / rgb(0, 0, 0)" || off != "rgb(255, 255, 255) / rgb(0, 0, 0)" {
		t.Fatalf("blink: on phase %s, off phase %s; want black on yellow, then black on white", on, off)
	}
	tb.eval(`document.querySelector(".call.newest").getAnimations().forEach(a => a.finish()), 1`, nil)

	if _, err := h.Clerk().Act(ctx, webOffice, counter.ID, api.ActionRecall, api.ActionRequest{}); err != nil {
		t.Fatalf("recall: %v", err)
	}
	tb.waitFor("the recall announced", `lotseDisplay.announced.length === 2`)
	var announced []string
	tb.eval(`lotseDisplay.announced`, &announced)
	want := []string{ticket.Number + " " + counter.Name, "recall " + ticket.Number + " " + counter.Name}
	if fmt.Sprint(announced) != fmt.Sprint(want) {
		t.Fatalf("announced %q, want %q", announced, want)
	}

	// A gap: pretend an event went missing, then cause the next one.
	tb.eval(`lotseDisplay.board.seq -= 1`, nil)
	var before int
	tb.eval(`lotseDisplay.stats.connections.length`, &before)
	if _, err := h.Clerk().Act(ctx, webOffice, counter.ID, api.ActionStart, api.ActionRequest{}); err != nil {
		t.Fatalf("start: %v", err)
	}
	tb.waitFor("a fresh subscription", fmt.Sprintf(`lotseDisplay.stats.connections.length > %d && lotseDisplay.stats.connections[%d] === 0`, before, before))
	tb.waitFor("the fresh snapshot", `document.body.classList.contains("connected")`)

	// Silence: the warning shows; the next message clears it.
	// Backdated on every poll: a ping arriving before the page's next
	// tick would otherwise undo a single backdating.
	tb.waitFor("the connection warning", `(lotseDisplay.board.lastMessage = Date.now() - 60000, document.body.classList.contains("stale"))`)
	tb.shot("web_display_stale")
	tb.waitFor("the warning to clear with the next ping", `!document.body.classList.contains("stale")`)
}

// TestWebDisplayLanguages: the web board shows the texts of its language's
// translation file, and German for a language that has none, as before
// the texts were taken from the files.
func TestWebDisplayLanguages(t *testing.T) {
	h := newTestHub(t)
	b := newBrowser(t)
	tests := []struct{ lang, want string }{
		{"en", "en"},
		{"de", "de"},
		{"fr", "de"}, // no display/fr.json
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			want, err := assets.Messages("display", tt.want)
			if err != nil {
				t.Fatal(err)
			}
			tb := b.newTab(t, h.URL)
			tb.do(chromedp.Navigate(fmt.Sprintf("%s/display?office=%s&token=demo&sound=0&lang=%s", h.URL, webOffice, tt.lang)))
			tb.waitFor("the first snapshot", `document.body.classList.contains("connected")`)
			var got []string
			tb.eval(`[document.title, document.querySelector("#waiting h2").textContent, document.querySelector("#unmute").textContent]`, &got)
			if w := []string{want["window_title"], want["waiting"], want["sound_on"]}; !slices.Equal(got, w) {
				t.Fatalf("lang=%s shows %q, want %q", tt.lang, got, w)
			}
		})
	}
}

// displayTexts are the German texts of the boards.
func displayTexts(t *testing.T, lang string) map[string]string {
	t.Helper()
	m, err := assets.Messages("display", lang)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestDemoPageLinksEachBoard: the demo page links every office's board
// with the office and a token the hub lets in (a display's before a
// kiosk's, none of another office), and the link opens a live board.
func TestDemoPageLinksEachBoard(t *testing.T) {
	tests := []struct {
		name    string
		devices []Device
		want    map[string]string // office → token in the link
	}{
		{"a display for every office", []Device{{Name: "tv", Token: "tv-token", Role: RoleDisplay}},
			map[string]string{demo.Mitte: "tv-token", demo.Nord: "tv-token"}},
		{"a display of one office", []Device{{Name: "tv-nord", Token: "tv-nord", Role: RoleDisplay, Office: demo.Nord}},
			map[string]string{demo.Mitte: "demo", demo.Nord: "tv-nord"}},
		{"only the kiosk", nil, map[string]string{demo.Mitte: "demo", demo.Nord: "demo"}},
	}
	b := newBrowser(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newTestHub(t, func(c *Config) { c.Auth.devices = append(tt.devices, c.Auth.devices...) })
			resp, err := http.Get(h.URL + "/demo")
			if err != nil {
				t.Fatal(err)
			}
			page, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			links := regexp.MustCompile(`class="display-link" href="([^"]+)"`).FindAllStringSubmatch(string(page), -1)
			got := map[string]string{}
			var first string
			for _, l := range links {
				u, err := url.Parse(strings.ReplaceAll(l[1], "&amp;", "&"))
				if err != nil || u.Path != "/display" {
					t.Fatalf("display link %q", l[1])
				}
				got[u.Query().Get("office")] = u.Query().Get("token")
				if first == "" {
					first = u.String()
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("the demo page links the boards %v, want %v", got, tt.want)
			}
			tb := b.newTab(t, h.URL)
			tb.do(chromedp.Navigate(h.URL + first + "&sound=0"))
			tb.waitFor("the linked board live", `document.body.classList.contains("connected")`)
		})
	}
}

// TestWebDisplayNamesARefusedToken: a board the hub does not let in says
// why, in red, instead of "Verbindung unterbrochen".
func TestWebDisplayNamesARefusedToken(t *testing.T) {
	h := newTestHub(t)
	b := newBrowser(t)
	de := displayTexts(t, "de")
	tests := []struct{ name, query, want string }{
		{"no token", "office=" + webOffice, de["no_token"]},
		{"wrong token", "office=" + webOffice + "&token=wrong", de["bad_token"]},
		{"unknown office", "office=atlantis&token=demo", strings.ReplaceAll(de["unknown_office"], "{office}", "atlantis")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := b.newTab(t, h.URL)
			tb.do(chromedp.Navigate(h.URL + "/display?sound=0&" + tt.query))
			tb.waitFor("the refusal", `document.body.classList.contains("refused")`)
			if got := tb.text("#office"); got != tt.want {
				t.Fatalf("the board says %q, want %q", got, tt.want)
			}
			tb.shot("web_display_refused_" + strings.ReplaceAll(tt.name, " ", "_"))
		})
	}
	if de["no_token"] != "Anzeige nicht angemeldet – Zugangsschlüssel fehlt" || de["bad_token"] != "Anzeige nicht angemeldet – Zugangsschlüssel falsch" {
		t.Fatalf("the German texts are %q and %q", de["no_token"], de["bad_token"])
	}
}

// streamGate passes requests to the hub, or refuses the stream while
// closed: a hub that serves the page but whose stream is away.
type streamGate struct {
	hub    http.Handler
	closed atomic.Bool
}

func (g *streamGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if g.closed.Load() && strings.HasSuffix(r.URL.Path, "/stream") {
		http.Error(w, "away", http.StatusServiceUnavailable)
		return
	}
	g.hub.ServeHTTP(w, r)
}

// TestWebDisplayShowsOfficeTime: a board on a TV set to another time
// zone shows the office's time, from the snapshot, and also after a
// restart while the stream is away (the zone it remembered).
func TestWebDisplayShowsOfficeTime(t *testing.T) {
	h := newTestHub(t)
	hubURL, err := url.Parse(h.URL)
	if err != nil {
		t.Fatal(err)
	}
	berlin := mustBerlin()
	for _, tz := range []string{"America/New_York", "Asia/Tokyo"} {
		t.Run(tz, func(t *testing.T) {
			gate := &streamGate{hub: httputil.NewSingleHostReverseProxy(hubURL)}
			front := httptest.NewServer(gate)
			t.Cleanup(func() { front.CloseClientConnections(); front.Close() })
			b := newBrowser(t, chromedp.Env("TZ="+tz))
			tb := b.newTab(t, front.URL)
			clock := func() {
				t.Helper()
				// The page's clock is the real one; read between two
				// readings of ours, it shows one of their minutes.
				before := time.Now().In(berlin).Format("15:04")
				got := tb.text("#clock")
				after := time.Now().In(berlin).Format("15:04")
				var tv string
				tb.eval(`String(new Date().getHours()).padStart(2, "0") + ":" + String(new Date().getMinutes()).padStart(2, "0")`, &tv)
				if tv == before {
					t.Fatalf("the browser is not in %s: its time %s is Berlin's", tz, tv)
				}
				if got != before && got != after {
					t.Fatalf("the board shows %q, the office's time is %s (the TV's %s)", got, before, tv)
				}
			}
			tb.do(chromedp.Navigate(front.URL + "/display?office=" + webOffice + "&token=demo&sound=0"))
			tb.waitFor("the first snapshot", `document.body.classList.contains("connected")`)
			clock()
			gate.closed.Store(true)
			tb.do(chromedp.Reload())
			tb.waitFor("the texts", `document.querySelector("#clock").textContent !== "--:--"`)
			clock()
		})
	}
}

// TestWebDisplayBellIsDrawn: the sound button's bell is an SVG of the
// page, not an emoji that a TV without an emoji font shows as a box.
func TestWebDisplayBellIsDrawn(t *testing.T) {
	h := newTestHub(t)
	b := newBrowser(t)
	tb := b.newTab(t, h.URL)
	tb.do(chromedp.EmulateViewport(1920, 1080))
	tb.do(chromedp.Navigate(h.URL + "/display?office=" + webOffice + "&token=demo&sound=0"))
	tb.waitFor("the first snapshot", `document.body.classList.contains("connected")`)
	var bell struct {
		Text          string
		Width, Height float64
	}
	tb.eval(`(() => { const b = document.querySelector("#unmute"); b.hidden = false;
		const svg = b.querySelector("svg path") && b.querySelector("svg").getBoundingClientRect();
		return { text: b.textContent, width: svg ? svg.width : 0, height: svg ? svg.height : 0 }; })()`, &bell)
	tb.shot("web_display_unmute")
	if bell.Width < 16 || bell.Height < 16 {
		t.Fatalf("the sound button's bell is %vx%v px, want an SVG", bell.Width, bell.Height)
	}
	for _, r := range bell.Text {
		if r > 0xFFFF || (r >= 0x2600 && r <= 0x27BF) {
			t.Fatalf("the sound button's text %q has the symbol %U, which TVs may lack", bell.Text, r)
		}
	}
}

// boardWithCalls gives a test hub a notice and ten calls at its counters,
// more than any screen's list can show.
func boardWithCalls(t *testing.T) *testHub {
	h := newTestHub(t)
	ctx := context.Background()
	clerk := h.Clerk()
	for i := range 10 {
		c := h.Offices[0].Counters[i%len(h.Offices[0].Counters)]
		if _, err := clerk.Act(ctx, webOffice, c.ID, api.ActionOpen, api.ActionRequest{}); err != nil {
			t.Fatalf("open %s: %v", c.ID, err)
		}
		tk := h.WalkIn(t, webOffice, c.Services[0])
		if _, err := clerk.Act(ctx, webOffice, c.ID, api.ActionCall, api.ActionRequest{Ticket: tk.ID, Current: api.CurrentServed}); err != nil {
			t.Fatalf("call %s at %s: %v", tk.Number, c.ID, err)
		}
	}
	return h
}

// TestWebDisplayListRowsFit: the list shows only whole rows, on the
// screens of TVs and PCs, with the ticker below it, and as many as fit.
func TestWebDisplayListRowsFit(t *testing.T) {
	h := boardWithCalls(t)
	b := newBrowser(t)
	for _, size := range [][2]int64{{1920, 1080}, {1280, 720}, {1366, 768}, {1024, 768}, {1080, 1920}, {3840, 2160}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			tb := b.newTab(t, h.URL)
			tb.do(chromedp.EmulateViewport(size[0], size[1]))
			tb.do(chromedp.Navigate(h.URL + "/display?office=" + webOffice + "&token=demo&sound=0&layout=list"))
			tb.waitFor("the calls", `document.body.classList.contains("connected") && document.querySelectorAll(".call").length > 1 && !document.querySelector("#ticker").hidden`)
			var got struct {
				Rows, Cut   int
				Free, RowPx float64
			}
			tb.eval(`(() => {
				const box = document.querySelector("#calls").getBoundingClientRect();
				const rows = [...document.querySelectorAll(".call")];
				const last = rows[rows.length - 1].getBoundingClientRect();
				return { rows: rows.length, cut: rows.filter((r) => r.getBoundingClientRect().bottom > box.bottom + 0.5).length,
					free: box.bottom - last.bottom, rowPx: last.height };
			})()`, &got)
			tb.shot(fmt.Sprintf("web_display_list_%dx%d", size[0], size[1]))
			if got.Cut > 0 {
				t.Fatalf("%d of %d rows are cut at the bottom", got.Cut, got.Rows)
			}
			if got.Rows < 10 && got.Free >= got.RowPx {
				t.Fatalf("%d rows and room for another (%.0f px free, a row is %.0f px)", got.Rows, got.Free, got.RowPx)
			}
		})
	}
}

// TestWebDisplayWaitingLinesReadable: the waiting lines are read from 5 m:
// at least 4.4 % of the screen's height (48 px at 1080p), on one line,
// and every service is shown whole.
func TestWebDisplayWaitingLinesReadable(t *testing.T) {
	h := boardWithCalls(t)
	b := newBrowser(t)
	for _, size := range [][2]int64{{1920, 1080}, {1280, 720}, {3840, 2160}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			tb := b.newTab(t, h.URL)
			tb.do(chromedp.EmulateViewport(size[0], size[1]))
			tb.do(chromedp.Navigate(h.URL + "/display?office=" + webOffice + "&token=demo&sound=0&layout=list"))
			tb.waitFor("the waiting lines", `document.body.classList.contains("connected") && document.querySelectorAll(".service").length > 0`)
			var got struct {
				Services, Want, Cut int
				Sizes               []float64
			}
			tb.eval(`(() => {
				const box = document.querySelector("#waiting").getBoundingClientRect();
				const list = [...document.querySelectorAll(".service")];
				return { services: list.length, want: lotseDisplay.board.waiting.length,
					cut: list.filter((s) => s.getBoundingClientRect().bottom > box.bottom + 0.5).length,
					sizes: list.map((s) => { const w = s.querySelector(".wait");
						return w.getClientRects().length > 1 || w.scrollWidth > w.clientWidth ? 0 : parseFloat(getComputedStyle(w).fontSize); }) };
			})()`, &got)
			if got.Services != got.Want || got.Cut > 0 {
				t.Fatalf("%d of %d services shown, %d cut", got.Services, got.Want, got.Cut)
			}
			for i, px := range got.Sizes {
				if min := 0.044 * float64(size[1]); px < min {
					t.Fatalf("waiting line %d is %.1f px high (0: more than one line), want at least %.0f", i, px, min)
				}
			}
		})
	}
}

// TestWebDisplayClosedCountersLookDifferent: a counter nobody works at
// (closed) does not look like an open one waiting for its next number.
// The board knows only whether a counter is open: a logged-out counter
// and a paused one both read as closed.
func TestWebDisplayClosedCountersLookDifferent(t *testing.T) {
	h := newTestHub(t)
	ctx := context.Background()
	counters := h.Offices[0].Counters
	if _, err := h.Clerk().Act(ctx, webOffice, counters[0].ID, api.ActionOpen, api.ActionRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Clerk().Act(ctx, webOffice, counters[1].ID, api.ActionPause, api.ActionRequest{}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)
	tb := b.newTab(t, h.URL)
	tb.do(chromedp.EmulateViewport(1920, 1080))
	tb.do(chromedp.Navigate(h.URL + "/display?office=" + webOffice + "&token=demo&sound=0&layout=columns"))
	tb.waitFor("the tiles", fmt.Sprintf(`!!document.querySelector('.tile[data-counter=%q]') && !!document.querySelector('.tile[data-counter=%q]')`, counters[0].ID, counters[1].ID))
	look := func(id string) string {
		var s string
		tb.eval(fmt.Sprintf(`(() => { const e = document.querySelector('.tile[data-counter=%q]'), s = getComputedStyle(e);
			return s.backgroundColor + " " + s.borderTopStyle + " " + getComputedStyle(e.querySelector(".name")).color; })()`, id), &s)
		return s
	}
	tb.shot("web_display_closed_tiles")
	if open, closed := look(counters[0].ID), look(counters[1].ID); open == closed {
		t.Fatalf("an open idle counter and a closed one both look %q", open)
	}
	if got := tb.text(fmt.Sprintf(`.tile[data-counter=%q] .closed-text`, counters[1].ID)); got != displayTexts(t, "de")["closed"] {
		t.Fatalf("the closed counter says %q", got)
	}
}

// TestWebDisplaySpeaksKioskLanguages: the board shows and announces in
// every language of the kiosk; the call is spoken in German and the
// second language with that language's sentence and speech tag, and
// Arabic is laid out right to left.
func TestWebDisplaySpeaksKioskLanguages(t *testing.T) {
	h := newTestHub(t)
	b := newBrowser(t)
	ctx := context.Background()
	counter := h.Offices[0].Counters[0]
	for _, lang := range assets.Languages("kiosk") {
		t.Run(lang, func(t *testing.T) {
			texts := displayTexts(t, lang)
			if lang != "de" && texts["speech"] == displayTexts(t, "de")["speech"] {
				t.Fatalf("display/%s.json has no sentence of its own", lang)
			}
			tb := b.newTab(t, h.URL)
			tb.do(chromedp.Navigate(fmt.Sprintf("%s/display?office=%s&token=demo&sound=0&lang=%s&lang2=%s", h.URL, webOffice, lang, lang)))
			tb.waitFor("the first snapshot", `document.body.classList.contains("connected")`)
			var shown struct{ Title, Dir, Tag string }
			tb.eval(fmt.Sprintf(`({ title: document.title, dir: document.documentElement.dir, tag: lotseDisplay.speechTag(%q) })`, lang), &shown)
			wantDir := "ltr"
			if lang == "ar" || lang == "fa" {
				wantDir = "rtl"
			}
			// Easy German is spoken by a German voice.
			voice, _, _ := strings.Cut(lang, "-")
			if shown.Title != texts["window_title"] || shown.Dir != wantDir || !strings.HasPrefix(shown.Tag, voice+"-") {
				t.Fatalf("lang=%s: title %q dir %q speech tag %q; want %q, %s, %s-…", lang, shown.Title, shown.Dir, shown.Tag, texts["window_title"], wantDir, voice)
			}
			tk := h.WalkIn(t, webOffice, counter.Services[0])
			if _, err := h.Clerk().Act(ctx, webOffice, counter.ID, api.ActionCall, api.ActionRequest{Ticket: tk.ID, Current: api.CurrentServed}); err != nil {
				t.Fatal(err)
			}
			tb.waitFor("the call spoken", `lotseDisplay.spoken.length > 0`)
			var spoken []string
			tb.eval(`lotseDisplay.spoken`, &spoken)
			if last := spoken[len(spoken)-1]; !strings.HasPrefix(last, strings.Split(texts["speech"], "{")[0]) {
				t.Fatalf("lang2=%s speaks %q, want the sentence %q", lang, last, texts["speech"])
			}
			if lang == "ar" {
				tb.do(chromedp.EmulateViewport(1920, 1080))
				tb.shot("web_display_ar")
			}
		})
	}
}
