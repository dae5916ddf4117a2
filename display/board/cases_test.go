package board

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"

	"lotse/assets"
	"lotse/hub/api"
)

// casesFile is the table of board cases. The web board's Chromium test in
// hub/server reads the same file, so that both boards answer the same
// messages with the same screen.
const casesFile = "testdata/cases.json"

// boardCase is one row of the table; testdata/cases.json says what the
// fields mean.
type boardCase struct {
	Name     string            `json:"name"`
	Lang     string            `json:"lang"`
	Lang2    string            `json:"lang2"`
	Layout   string            `json:"layout"`
	Screen   [2]float32        `json:"screen"`
	Messages []json.RawMessage `json:"messages"`
	Want     boardShown        `json:"want"`
}

// boardShown is what a board makes of a case's messages.
type boardShown struct {
	Outcomes    []string `json:"outcomes"`
	Seq         int64    `json:"seq"`
	Layout      string   `json:"layout"`
	Grid        []int    `json:"grid,omitempty"`
	Shown       []string `json:"shown"`
	Highlighted []string `json:"highlighted,omitempty"`
	Inactive    []string `json:"inactive,omitempty"`
	Spoken      []string `json:"spoken,omitempty"`
}

// boardCases is the whole table.
type boardCases struct {
	Comment []string `json:"_comment"`
	// SpokenNumbers maps ticket numbers to how they are spoken.
	SpokenNumbers map[string]string `json:"spokenNumbers"`
	Cases         []boardCase       `json:"cases"`
}

func readCases(t *testing.T) boardCases {
	t.Helper()
	data, err := os.ReadFile(casesFile)
	if err != nil {
		t.Fatal(err)
	}
	var doc boardCases
	// A misspelt field would be a check that silently checks nothing.
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("%s: %v", casesFile, err)
	}
	if len(doc.Cases) == 0 || len(doc.SpokenNumbers) == 0 {
		t.Fatalf("%s has no cases or no spoken numbers", casesFile)
	}
	return doc
}

// TestSpokenNumber spells the table's ticket numbers as the web board
// does.
func TestSpokenNumber(t *testing.T) {
	for in, want := range readCases(t).SpokenNumbers {
		if got := SpokenNumber(in); got != want {
			t.Errorf("SpokenNumber(%q) = %q, want %q", in, got, want)
		}
	}
}

var clockText = regexp.MustCompile(`^\d\d:\d\d$`)

// TestBoardCases plays the shared board cases on the Fyne board and reads
// back what it drew.
func TestBoardCases(t *testing.T) {
	for _, tc := range readCases(t).Cases {
		t.Run(tc.Name, func(t *testing.T) {
			test.NewTempApp(t)
			msgs, err := assets.Messages("display", tc.Lang)
			if err != nil {
				t.Fatal(err)
			}
			voices, err := Voices(tc.Lang2)
			if err != nil {
				t.Fatal(err)
			}
			var got boardShown
			// The newest call arrives now: its blink is in the on phase.
			now := t0
			s := NewScreen(ScreenOptions{Messages: msgs, Layout: tc.Layout, Now: func() time.Time { return now },
				OnCall: func(c Call) {
					for _, v := range voices {
						got.Spoken = append(got.Spoken, Sentence(v.Template, c))
					}
				}})
			w := test.NewTempWindow(t, s)
			w.SetPadded(false)
			w.Resize(fyne.NewSize(tc.Screen[0], tc.Screen[1]))
			for i, raw := range tc.Messages {
				m, err := api.DecodeMessage(raw)
				if err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
				out := s.Apply(m)
				got.Outcomes = append(got.Outcomes, strings.ReplaceAll(out.String(), " ", "_"))
				if (out == Gap || out == DayTurned) && i != len(tc.Messages)-1 {
					t.Fatalf("message %d is a %v: a case ends there, as the board's connection does", i, out)
				}
			}
			got.Seq = s.Seq()
			s.Refresh()
			board := s.Board()
			var names []*canvas.Text // the counters' names, to find the grid
			for _, txt := range shownTexts(test.LaidOutObjects(w.Canvas().Content())) {
				if txt.Text == "" || clockText.MatchString(txt.Text) {
					continue
				}
				got.Shown = append(got.Shown, txt.Text)
				switch {
				case txt.Color == colorOnAccent:
					got.Highlighted = append(got.Highlighted, txt.Text)
				case txt.Color == colorDim && slices.ContainsFunc(board.Calls, func(c Call) bool { return c.Number == txt.Text }):
					got.Inactive = append(got.Inactive, txt.Text)
				}
				if slices.ContainsFunc(board.Counters, func(c api.CounterState) bool { return c.Name == txt.Text }) {
					names = append(names, txt)
				}
			}
			got.Layout = LayoutColumns
			if slices.Contains(got.Shown, msgs["number"]) {
				got.Layout = LayoutList // only the list has column heads
			} else {
				cols, rows := map[float32]bool{}, map[float32]bool{}
				for _, n := range names {
					cols[n.Position().X] = true
					rows[n.Position().Y] = true
				}
				got.Grid = []int{len(cols), len(rows)}
			}
			gotJSON, _ := json.MarshalIndent(got, "", " ")
			wantJSON, _ := json.MarshalIndent(tc.Want, "", " ")
			if string(gotJSON) != string(wantJSON) {
				t.Errorf("the Fyne board shows\n%s\nthe case wants\n%s", gotJSON, wantJSON)
			}
		})
	}
}

// webBoard is the web board's code, which repeats some of this package's
// numbers.
const webBoard = "../../hub/server/web/display/display.js"

// TestWebBoardNumbers holds the web board's timings and history to the
// Fyne board's.
func TestWebBoardNumbers(t *testing.T) {
	src, err := os.ReadFile(webBoard)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		want time.Duration // in milliseconds for the JS, as a count for HISTORY
	}{
		{"STALE_MS", StaleAfter},
		{"MIN_BACKOFF_MS", api.ReconnectMin},
		{"MAX_BACKOFF_MS", api.ReconnectMax},
		{"BLINK_MS", blinkPhases * blinkPhase},
		{"HISTORY", DefaultHistory * time.Millisecond},
	}
	for _, tt := range tests {
		m := regexp.MustCompile(`const ` + tt.name + ` = (\d+);`).FindSubmatch(src)
		if m == nil {
			t.Errorf("%s: no const %s", webBoard, tt.name)
			continue
		}
		if got, _ := strconv.Atoi(string(m[1])); time.Duration(got)*time.Millisecond != tt.want {
			t.Errorf("%s: %s = %s, the Fyne board's is %d", webBoard, tt.name, m[1], tt.want.Milliseconds())
		}
	}
}

// shownTexts returns the texts among objs as a person reads them: the
// pieces that digitText draws one text in (digits and the runs between
// them, side by side) are joined again.
func shownTexts(objs []fyne.CanvasObject) []*canvas.Text {
	var texts []*canvas.Text
	for _, o := range objs {
		txt, ok := o.(*canvas.Text)
		if !ok {
			continue
		}
		if n := len(texts); n > 0 {
			last := texts[n-1]
			if last.Position().Y == txt.Position().Y && last.Position().X+last.Size().Width == txt.Position().X &&
				last.Color == txt.Color && last.TextSize == txt.TextSize && last.TextStyle == txt.TextStyle && last.Text != "" && txt.Text != "" &&
				(isDigit(last.Text[len(last.Text)-1]) || isDigit(txt.Text[0])) {
				last.Text += txt.Text
				last.Resize(fyne.NewSize(last.Size().Width+txt.Size().Width, last.Size().Height))
				continue
			}
		}
		c := *txt
		texts = append(texts, &c)
	}
	return texts
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }
