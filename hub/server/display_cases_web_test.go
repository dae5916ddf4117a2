package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"testing"

	"github.com/chromedp/chromedp"
)

// boardCasesFile is the table of board cases that the Fyne board's tests
// (display/board) play too: both boards must answer the same messages with
// the same screen. Its top says what the fields mean.
const boardCasesFile = "../../display/board/testdata/cases.json"

// webBoardCase is one row of the table.
type webBoardCase struct {
	Name     string            `json:"name"`
	Lang     string            `json:"lang"`
	Lang2    string            `json:"lang2"`
	Layout   string            `json:"layout"`
	Screen   [2]int64          `json:"screen"`
	Messages []json.RawMessage `json:"messages"`
	Want     webBoardShown     `json:"want"`
}

// webBoardShown is what a board makes of a case's messages.
type webBoardShown struct {
	Outcomes    []string `json:"outcomes"`
	Seq         int64    `json:"seq"`
	Layout      string   `json:"layout"`
	Grid        []int    `json:"grid,omitempty"`
	Shown       []string `json:"shown"`
	Highlighted []string `json:"highlighted,omitempty"`
	Inactive    []string `json:"inactive,omitempty"`
	Spoken      []string `json:"spoken,omitempty"`
}

// webBoardShownJS reads back what the page shows, in the terms of the
// table; %d is the number of the case's messages.
const webBoardShownJS = `(() => {
	const d = lotseDisplay;
	const leaves = (root) => root ? [...root.querySelectorAll("*")].filter((e) => !e.children.length)
		.map((e) => e.textContent.trim()).filter(Boolean) : [];
	const calls = document.getElementById("calls");
	const out = { outcomes: d.stats.outcomes.slice(0, %d), seq: d.board.seq,
		layout: calls.classList.contains("tiles") ? "columns" : "list",
		shown: [document.getElementById("office").textContent, ...leaves(calls), ...leaves(document.getElementById("waiting"))],
		highlighted: leaves(calls.querySelector(".call.newest.active, .tile.newest")),
		inactive: [...calls.querySelectorAll(".call.inactive .number")].map((e) => e.textContent),
		spoken: d.spoken.slice() };
	if (!document.getElementById("ticker").hidden) out.shown.push(document.getElementById("notice").textContent);
	if (out.layout === "columns") {
		const n = (s) => Number((/repeat\((\d+)/.exec(s) || [0, 0])[1]);
		out.grid = [n(calls.style.gridTemplateColumns), n(calls.style.gridTemplateRows)];
	}
	return out;
})()`

// TestWebDisplayBoardCases plays the shared board cases on the web board in
// headless Chromium, each at its screen size, through a scripted stream.
func TestWebDisplayBoardCases(t *testing.T) {
	data, err := os.ReadFile(boardCasesFile)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Comment       []string          `json:"_comment"`
		SpokenNumbers map[string]string `json:"spokenNumbers"`
		Cases         []webBoardCase    `json:"cases"`
	}
	// A misspelt field would be a check that silently checks nothing.
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("%s: %v", boardCasesFile, err)
	}
	if len(doc.Cases) == 0 || len(doc.SpokenNumbers) == 0 {
		t.Fatalf("%s has no cases or no spoken numbers", boardCasesFile)
	}
	h := newTestHub(t)
	b := newBrowser(t)
	hubURL, err := url.Parse(h.URL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(hubURL)
	t.Run("spoken numbers", func(t *testing.T) {
		tb := b.newTab(t, h.URL)
		tb.do(chromedp.Navigate(h.URL + "/display?office=" + webOffice + "&token=demo&sound=0"))
		numbers, _ := json.Marshal(doc.SpokenNumbers)
		var got map[string]string
		tb.eval(fmt.Sprintf(`Object.fromEntries(Object.keys(%s).map((n) => [n, lotseDisplay.spokenNumber(n)]))`, numbers), &got)
		for in, want := range doc.SpokenNumbers {
			if got[in] != want {
				t.Errorf("spokenNumber(%q) = %q, want %q", in, got[in], want)
			}
		}
	})
	for _, tc := range doc.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			send := make([]any, len(tc.Messages))
			for i, m := range tc.Messages {
				send[i] = m
			}
			stream := &scriptedStream{hub: proxy, scripts: []streamScript{{send: send}}}
			srv := httptest.NewServer(stream)
			t.Cleanup(func() { srv.CloseClientConnections(); srv.Close() })
			tb := b.newTab(t, srv.URL)
			tb.do(chromedp.EmulateViewport(tc.Screen[0], tc.Screen[1]))
			q := url.Values{"office": {"mitte"}, "token": {"demo"}, "sound": {"0"}, "layout": {tc.Layout}, "lang": {tc.Lang}, "lang2": {tc.Lang2}}
			tb.do(chromedp.Navigate(srv.URL + "/display?" + q.Encode()))
			tb.waitFor("every message of the case", fmt.Sprintf(`lotseDisplay.stats.outcomes.length >= %d`, len(tc.Messages)))
			var got webBoardShown
			tb.eval(fmt.Sprintf(webBoardShownJS, len(tc.Messages)), &got)
			gotJSON, _ := json.MarshalIndent(got, "", " ")
			wantJSON, _ := json.MarshalIndent(tc.Want, "", " ")
			if string(gotJSON) != string(wantJSON) {
				t.Errorf("the web board shows\n%s\nthe case wants\n%s", gotJSON, wantJSON)
			}
		})
	}
}
