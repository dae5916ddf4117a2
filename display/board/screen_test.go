package board

import (
	"fmt"
	"image/color"
	"image/png"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"lotse/assets"
	"lotse/hub/api"
)

// office builds a snapshot with counters counters of which active have a
// called ticket, the newest at the first counter.
func office(counters, active int, notice string) api.Message {
	s := &api.Snapshot{
		Type:   api.TypeSnapshot,
		Seq:    100,
		Office: api.OfficeRef{ID: "mitte", Name: "Bürgerbüro Mitte"},
		Notice: notice,
		Waiting: []api.ServiceWait{
			{Service: "anm", Name: "Anmeldung einer Wohnung", Waiting: 7, WaitMinutes: 25},
			{Service: "pass", Name: "Personalausweis und Reisepass", Waiting: 3, WaitMinutes: 10},
			{Service: "fz", Name: "Führungszeugnis", Waiting: 0, WaitMinutes: 0},
			{Service: "kfz", Name: "Kfz-Zulassung", Waiting: 2, WaitMinutes: -1},
		},
	}
	for i := range counters {
		open := i < active || i%3 != 2
		c := api.CounterState{ID: fmt.Sprintf("c%d", i+1), Name: fmt.Sprintf("Schalter %d", i+1), Open: open, Staffed: true, Closed: !open}
		if i < active {
			number := fmt.Sprintf("%c%03d", 'A'+i%3, 42-i)
			c.Ticket = &api.Ticket{ID: fmt.Sprintf("t%d", i), Number: number, State: api.StateCalled}
			s.Calls = append(s.Calls, api.Call{Ticket: c.Ticket.ID, Number: number, Counter: c.ID, CounterName: c.Name, At: t0.Add(-time.Duration(i) * time.Minute)})
		}
		s.Counters = append(s.Counters, c)
	}
	return api.Message{Snapshot: s}
}

func TestScreenRenders(t *testing.T) {
	landscape, portrait := fyne.NewSize(1920, 1080), fyne.NewSize(1080, 1920)
	tests := []struct {
		name     string
		lang     string
		layout   string
		size     fyne.Size
		counters int
		active   int
		notice   string
	}{
		{"list_1_landscape", "de", LayoutAuto, landscape, 6, 1, ""},
		{"list_6_landscape_notice", "de", LayoutList, landscape, 6, 6, "Heute wegen einer Betriebsversammlung nur bis 12 Uhr geöffnet. Bitte beachten Sie die Aushänge."},
		{"columns_12_landscape", "de", LayoutAuto, landscape, 12, 12, ""},
		{"list_1_portrait_en", "en", LayoutAuto, portrait, 4, 1, "Closed tomorrow"},
		{"columns_12_portrait", "de", LayoutColumns, portrait, 12, 12, ""},
		{"columns_12_1_landscape_en", "en", LayoutColumns, landscape, 12, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			test.NewTempApp(t)
			msgs, err := assets.Messages("display", tt.lang)
			if err != nil {
				t.Fatal(err)
			}
			now := t0.Add(90 * time.Second)
			s := NewScreen(ScreenOptions{Messages: msgs, Layout: tt.layout, Now: func() time.Time { return now }})
			w := test.NewTempWindow(t, s)
			w.SetPadded(false)
			w.Resize(tt.size)
			if out := s.Apply(office(tt.counters, tt.active, tt.notice)); out != Applied {
				t.Fatalf("outcome %v", out)
			}
			test.AssertRendersToMarkup(t, "board_"+tt.name+".xml", w.Canvas())
			shoot(t, w.Canvas(), tt.name)
		})
	}
}

// shoot writes a PNG of the canvas into $LOTSE_SHOTS, for people to look at.
func shoot(t *testing.T, c fyne.Canvas, name string) {
	dir := os.Getenv("LOTSE_SHOTS")
	if dir == "" {
		return
	}
	f, err := os.Create(filepath.Join(dir, name+".png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, c.Capture()); err != nil {
		t.Fatal(err)
	}
}

func TestScreenConnectionStates(t *testing.T) {
	test.NewTempApp(t)
	msgs, _ := assets.Messages("display", "de")
	now := t0
	s := NewScreen(ScreenOptions{Messages: msgs, Now: func() time.Time { return now }})
	w := test.NewTempWindow(t, s)
	w.SetPadded(false)
	w.Resize(fyne.NewSize(1280, 720))
	s.Refresh()
	test.AssertRendersToMarkup(t, "board_connecting.xml", w.Canvas())

	s.Apply(office(3, 1, ""))
	now = now.Add(StaleAfter + time.Second)
	s.Refresh()
	test.AssertRendersToMarkup(t, "board_offline.xml", w.Canvas())
	shoot(t, w.Canvas(), "offline")
}

func TestScreenAnnouncesCalls(t *testing.T) {
	test.NewTempApp(t)
	var got []string
	s := NewScreen(ScreenOptions{OnCall: func(c Call) { got = append(got, c.Number) }})
	s.Apply(office(3, 1, ""))
	s.Apply(event(101, api.EventCalled, "x", "B099", "c2"))
	s.Apply(event(102, api.EventRecalled, "x", "B099", "c2"))
	if fmt.Sprint(got) != "[B099 B099]" {
		t.Fatalf("announced %v", got)
	}
	if s.Seq() != 102 {
		t.Fatalf("seq %d", s.Seq())
	}
}

// TestScreenTickerScrolls checks that a notice wider than the screen moves
// on each step while a short one stands still.
func TestScreenTickerScrolls(t *testing.T) {
	test.NewTempApp(t)
	tests := []struct {
		notice string
		scroll bool
	}{
		{"Kurz", false},
		{strings.Repeat("Wegen einer Betriebsversammlung schließt das Bürgerbüro heute um 12 Uhr. ", 3), true},
	}
	for _, tt := range tests {
		s := NewScreen(ScreenOptions{Now: func() time.Time { return t0 }})
		w := test.NewTempWindow(t, s)
		w.Resize(fyne.NewSize(1280, 720))
		s.Apply(office(3, 1, tt.notice))
		first := tickerText(w.Canvas())
		s.mu.Lock()
		scrolls := s.scrolls
		s.marquee += 3 // what Run does every 250 ms while it scrolls
		s.mu.Unlock()
		s.Refresh()
		moved := tickerText(w.Canvas()) != first
		if scrolls != tt.scroll || moved != tt.scroll {
			t.Errorf("notice of %d runes: scrolls %v, moved %v, want %v", len(tt.notice), scrolls, moved, tt.scroll)
		}
	}
}

// tickerText returns the text drawn last, which is the ticker's.
func tickerText(c fyne.Canvas) string {
	objs := test.LaidOutObjects(c.Content())
	for i := len(objs) - 1; i >= 0; i-- {
		if txt, ok := objs[i].(*canvas.Text); ok {
			return txt.Text
		}
	}
	return ""
}

func TestClockShowsOfficeTime(t *testing.T) {
	utc := time.Date(2026, 11, 21, 15, 15, 0, 0, time.UTC)
	s := NewScreen(ScreenOptions{Now: func() time.Time { return utc }})
	if got := s.frame().clock; got != "15:15" {
		t.Fatalf("before a snapshot: %s, want the machine's 15:15", got)
	}
	s.board.Office = api.OfficeRef{ID: "o", Name: "O", Timezone: "Europe/Berlin"}
	if got := s.frame().clock; got != "16:15" {
		t.Fatalf("office in Berlin: %s, want 16:15", got)
	}
}

// TestBlinkKeepsTextColours checks that the newest call blinks by its
// background alone, in the list and in the tiles: its texts keep one colour,
// so the blink does not make Fyne rasterise and keep a second texture of
// each of them.
func TestBlinkKeepsTextColours(t *testing.T) {
	for _, layout := range []string{LayoutList, LayoutColumns} {
		t.Run(layout, func(t *testing.T) {
			test.NewTempApp(t)
			now := t0
			s := NewScreen(ScreenOptions{Layout: layout, Now: func() time.Time { return now }})
			w := test.NewTempWindow(t, s)
			w.SetPadded(false)
			w.Resize(fyne.NewSize(1920, 1080))
			s.Apply(office(3, 1, ""))
			s.Apply(event(101, api.EventCalled, "x", "B099", "c2"))

			look := func() (text, bar fyne.CanvasObject) {
				s.Refresh()
				objs := test.LaidOutObjects(w.Canvas().Content())
				for i, o := range objs {
					if txt, ok := o.(*canvas.Text); ok && txt.Text == "B" { // B099, drawn digit by digit
						// The bar is the last rectangle drawn before the
						// number that is not a rule between rows.
						for j := i - 1; j >= 0; j-- {
							if r, ok := objs[j].(*canvas.Rectangle); ok && r.Size().Height > 4 {
								return txt, r
							}
						}
					}
				}
				t.Fatal("B099 not on the board")
				return nil, nil
			}
			on, onBar := look()
			onColour, onBarColour := on.(*canvas.Text).Color, onBar.(*canvas.Rectangle).FillColor
			now = now.Add(blinkPhase + blinkPhase/2) // an off phase
			off, offBar := look()
			shoot(t, w.Canvas(), "blink_off_"+layout)
			if got := off.(*canvas.Text).Color; got != onColour {
				t.Errorf("number colour %v in the off phase, %v in the on phase", got, onColour)
			}
			if got := offBar.(*canvas.Rectangle).FillColor; got == onBarColour {
				t.Errorf("the bar keeps %v in the off phase: no blink", got)
			}
			now = now.Add(blinkPhases * blinkPhase) // the blink is over
			after, afterBar := look()
			if after.(*canvas.Text).Color != onColour || afterBar.(*canvas.Rectangle).FillColor != onBarColour {
				t.Errorf("after the blink the newest call is not drawn as in the on phase")
			}
		})
	}
}

// TestRepaintLoggedWhenPainted checks that "board repainted" (what the
// bench measures a call's way to the screen by) and "board showing" are
// logged once the board's frame is painted, not already when its objects
// are laid out, and once per board, however often the frame is painted.
func TestRepaintLoggedWhenPainted(t *testing.T) {
	for _, layout := range []string{LayoutList, LayoutColumns} {
		t.Run(layout, func(t *testing.T) {
			test.NewTempApp(t)
			var logged strings.Builder
			log := slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
			shown := 0
			s := NewScreen(ScreenOptions{Layout: layout, Now: func() time.Time { return t0 }, Log: log, OnShown: func() { shown++ }})
			w := test.NewTempWindow(t, s)
			w.SetPadded(false)
			w.Resize(fyne.NewSize(640, 360))
			steps := []struct {
				msg  api.Message
				want string
			}{
				{office(3, 1, ""), "seq=100"},
				{event(101, api.EventCalled, "x", "B099", "c2"), "seq=101"},
				{event(102, api.EventRecalled, "x", "B099", "c2"), "seq=102"},
			}
			for _, st := range steps {
				logged.Reset()
				s.Apply(st.msg)
				if strings.Contains(logged.String(), "board ") {
					t.Fatalf("%s: logged before any frame was painted:\n%s", st.want, logged.String())
				}
				w.Canvas().Capture() // paints a frame
				w.Canvas().Capture()
				if n := strings.Count(logged.String(), `msg="board repainted" `+st.want); n != 1 {
					t.Fatalf("%s: %d repaint lines after two frames, want 1:\n%s", st.want, n, logged.String())
				}
			}
			if shown != 1 {
				t.Errorf("OnShown called %d times, want 1", shown)
			}
		})
	}
}

// TestBurstRedrawsOnce checks that the messages of a burst (a call's
// events arrive together) that come before the UI goroutine redraws share
// one redraw, which shows the last of them: each redraw paints a whole
// frame, and the call would wait for the frames of the events before it.
func TestBurstRedrawsOnce(t *testing.T) {
	tests := []struct {
		name  string
		burst []api.Message
		want  int // redraws queued
	}{
		{"one event", []api.Message{event(101, api.EventCalled, "x", "B099", "c2")}, 1},
		{"a call's events", []api.Message{
			event(101, api.EventCalled, "x", "B099", "c2"),
			event(102, api.EventRecalled, "x", "B099", "c2"),
			event(103, api.EventCalled, "y", "C100", "c3"),
		}, 1},
		{"pings and duplicates only", []api.Message{
			{Ping: &api.Ping{Type: api.TypePing, Seq: 100}},
			event(100, api.EventCalled, "x", "B099", "c2"),
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			test.NewTempApp(t)
			s := NewScreen(ScreenOptions{Now: func() time.Time { return t0 }})
			w := test.NewTempWindow(t, s)
			w.Resize(fyne.NewSize(640, 360))
			s.Apply(office(3, 1, ""))
			var queued []func()
			s.do = func(f func()) { queued = append(queued, f) }
			for _, m := range tt.burst {
				s.Apply(m)
			}
			if len(queued) != tt.want {
				t.Fatalf("%d redraws queued, want %d", len(queued), tt.want)
			}
			for _, f := range queued {
				f()
			}
			r := test.TempWidgetRenderer(t, s).(*screenRenderer)
			r.mu.Lock()
			built := r.built
			r.mu.Unlock()
			if built != s.Seq() {
				t.Errorf("the board drawn is at seq %d, want %d", built, s.Seq())
			}
			// After the redraw ran, the next message queues a new one.
			s.Apply(event(s.Seq()+1, api.EventCalled, "z", "D001", "c1"))
			if len(queued) != tt.want+1 {
				t.Errorf("a message after the redraw queued %d redraws, want 1", len(queued)-tt.want)
			}
		})
	}
}

// TestNewCallNeedsNoNewText checks that once a board has shown every digit,
// a call with a number it never showed draws only texts it drew before, in
// the list and in the tiles: Fyne rasterises and uploads each text it has
// not drawn in that size, style and colour, in the frame that shows the
// call, and this was what made a call's frame slow.
func TestNewCallNeedsNoNewText(t *testing.T) {
	tests := []struct {
		layout string
		size   fyne.Size
	}{
		{LayoutList, fyne.NewSize(1920, 1080)},
		{LayoutColumns, fyne.NewSize(1920, 1080)},
		{LayoutColumns, fyne.NewSize(1080, 1920)},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s_%.0fx%.0f", tt.layout, tt.size.Width, tt.size.Height), func(t *testing.T) {
			test.NewTempApp(t)
			now := t0
			s := NewScreen(ScreenOptions{Layout: tt.layout, Now: func() time.Time { return now }})
			w := test.NewTempWindow(t, s)
			w.SetPadded(false)
			w.Resize(tt.size)
			type look struct {
				text  string
				size  float32
				style fyne.TextStyle
				color color.Color
			}
			drawn := map[look]bool{}
			draw := func() (fresh []string) {
				s.Refresh()
				for _, o := range test.LaidOutObjects(w.Canvas().Content()) {
					if txt, ok := o.(*canvas.Text); ok {
						l := look{txt.Text, txt.TextSize, txt.TextStyle, txt.Color}
						if !drawn[l] {
							drawn[l] = true
							fresh = append(fresh, txt.Text)
						}
					}
				}
				return fresh
			}
			s.Apply(office(3, 0, ""))
			draw()
			// A morning's calls: every digit, newest and older, at each counter.
			seq := int64(100)
			for i := range 12 {
				seq++
				s.Apply(event(seq, api.EventCalled, fmt.Sprintf("w%d", i), fmt.Sprintf("A%03d", 123*i%1000+i), fmt.Sprintf("c%d", 1+i%3)))
				draw()
			}
			seq++
			s.Apply(event(seq, api.EventCalled, "new", "A987", "c2"))
			if fresh := draw(); len(fresh) > 0 {
				t.Errorf("the call of A987 draws texts never drawn before: %q", fresh)
			}
		})
	}
}

// TestGroundIsNotPaintedAgain checks that under the screen's theme, whose
// background Fyne clears every frame with, the board paints no rectangle
// in that colour, and that it stands on the colour that leaves the least
// to paint: a software renderer shades every pixel of every rectangle
// again. The calls of the list stand on the dark background; the tiles
// stand on the panels' colour, and only the gaps between them are painted
// (on the dark ground the tiles' rectangles covered 92 % of this screen).
func TestGroundIsNotPaintedAgain(t *testing.T) {
	tests := []struct {
		layout string
		ground color.Color
		most   float32 // share of the screen the rectangles may cover
	}{
		{LayoutList, colorBackground, 0.6},
		{LayoutColumns, colorPanel, 0.3},
	}
	for _, tt := range tests {
		t.Run(tt.layout, func(t *testing.T) {
			test.NewTempApp(t)
			s := NewScreen(ScreenOptions{Layout: tt.layout, Now: func() time.Time { return t0 }})
			fyne.CurrentApp().Settings().SetTheme(s.Theme())
			w := test.NewTempWindow(t, s)
			w.SetPadded(false)
			w.Resize(fyne.NewSize(1920, 1080))
			s.Apply(office(6, 6, "Hinweis"))
			s.Refresh()
			if g := theme.Color(theme.ColorNameBackground); g != tt.ground {
				t.Errorf("the ground is %v, want %v", g, tt.ground)
			}
			covered := float32(0)
			for _, o := range test.LaidOutObjects(w.Canvas().Content()) {
				r, ok := o.(*canvas.Rectangle)
				if !ok {
					continue
				}
				if r.FillColor == tt.ground {
					t.Errorf("a %v rectangle at %v in the ground's colour", r.Size(), r.Position())
				}
				covered += r.Size().Width * r.Size().Height
			}
			if share := covered / (1920 * 1080); share > tt.most {
				t.Errorf("the rectangles cover %.0f %% of the screen, want at most %.0f %%", 100*share, 100*tt.most)
			} else {
				t.Logf("the rectangles cover %.0f %% of the screen", 100*share)
			}
		})
	}
}
