package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"testing"

	"github.com/chromedp/chromedp"

	"lotse/assets"
	"lotse/hub/api"
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
	// of each phase and the computed colours read.
	phase := func(ms int) (look string) {
		tb.eval(fmt.Sprintf(`(() => {
			const e = document.querySelector(".call.newest");
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
