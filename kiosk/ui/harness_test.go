package ui

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"lotse/hub/api"
	"lotse/hub/clocktest"
	"lotse/kiosk/internal/fakehub"
)

// testNow is the kiosk's clock in tests: 10:05 on the fake hub's day.
var testNow = fakehub.Day.Add(10*time.Hour + 5*time.Minute)

// uiMu stands in for the UI goroutine. Fyne's test driver runs fyne.Do at
// once on the calling goroutine, so the harness serialises all UI work
// (the test's taps and the kiosk's background callbacks) with this mutex,
// the way the real app's event loop would. It is global because Fyne's
// caches are: a timer left over from one test must not measure text while
// the next test lays out its screen.
var uiMu sync.Mutex

// harness runs a kiosk against a fake hub in Fyne's test driver.
type harness struct {
	t      *testing.T
	hub    *fakehub.Server
	kiosk  *Kiosk
	window fyne.Window
	// clock is the kiosk's clock. tap moves it on by inputPause first, as
	// a person takes that long at least to see a new screen; doubleTap
	// does not.
	clock *clocktest.Clock

	seenMu sync.Mutex
	seen   []Screen // every screen shown, in order

	speech *speechRecorder // what the kiosk said aloud
}

// screenRecorder is a log handler that notes the screens the kiosk shows,
// so a test can see a screen that a short timeout already replaced.
type screenRecorder struct{ h *harness }

func (r *screenRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *screenRecorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *screenRecorder) WithGroup(string) slog.Handler            { return r }
func (r *screenRecorder) Handle(_ context.Context, rec slog.Record) error {
	if rec.Message != "screen" {
		return nil
	}
	rec.Attrs(func(a slog.Attr) bool {
		if a.Key == "name" {
			r.h.seenMu.Lock()
			r.h.seen = append(r.h.seen, Screen(a.Value.String()))
			r.h.seenMu.Unlock()
		}
		return true
	})
	return nil
}

// waitSeen waits until the kiosk has shown want at some point.
func (h *harness) waitSeen(want Screen) {
	h.t.Helper()
	waitFor(h.t, func() bool {
		h.seenMu.Lock()
		defer h.seenMu.Unlock()
		for _, s := range h.seen {
			if s == want {
				return true
			}
		}
		return false
	}, "screen %q to be shown", want)
}

type harnessOption func(*Options)

func newHarness(t *testing.T, size fyne.Size, opts ...harnessOption) *harness {
	t.Helper()
	h := startHarness(t, size, nil, false, opts...)
	h.waitScreen(ScreenIdle)
	return h
}

// newHarnessWithOffice starts a kiosk whose hub lists office.
func newHarnessWithOffice(t *testing.T, size fyne.Size, office api.Office, opts ...harnessOption) *harness {
	t.Helper()
	h := startHarness(t, size, &office, false, opts...)
	h.waitScreen(ScreenIdle)
	return h
}

// newHarnessDown starts a kiosk while the hub is unreachable.
func newHarnessDown(t *testing.T, size fyne.Size, opts ...harnessOption) *harness {
	t.Helper()
	return startHarness(t, size, nil, true, opts...)
}

func startHarness(t *testing.T, size fyne.Size, office *api.Office, down bool, opts ...harnessOption) *harness {
	t.Helper()
	h := &harness{t: t, hub: fakehub.New(), clock: clocktest.New(testNow), speech: &speechRecorder{}}
	h.do(func() { test.NewTempApp(t) })
	t.Cleanup(h.hub.Close)
	if office != nil {
		h.hub.SetOffice(*office)
	}
	h.hub.SetDown(down)
	o := Options{
		Now:           h.clock.Now,
		Do:            h.do,
		Logger:        slog.New(&screenRecorder{h: h}),
		RetryInterval: 50 * time.Millisecond,
		// The office is fetched again only when a test asks for it (a
		// lost hub's retries): a periodic refresh on the wall clock took
		// an out-of-order screen back to idle in the middle of
		// TestReadAloudOnEveryScreen, and its tap was ignored as too soon.
		RefreshInterval: time.Hour,
		// Long enough that no screen times out in the middle of a test
		// on a slow machine; the timeout tests shorten them.
		ResultTimeout: time.Hour,
		IdleTimeout:   time.Hour,
		Wedge:         scanWedge(),
		Speaker:       h.speech,
	}
	for _, opt := range opts {
		opt(&o)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	h.do(func() {
		h.kiosk = New(api.NewClient(h.hub.URL, fakehub.Token), o)
		h.window = test.NewWindow(h.kiosk.Content())
		h.window.SetPadded(false)
		h.window.Resize(size)
		h.kiosk.AttachKeyboard(h.window.Canvas())
		h.kiosk.Start(ctx)
	})
	return h
}

// lang returns the language shown.
func (h *harness) lang() (l string) {
	h.do(func() { l = h.kiosk.Language() })
	return l
}

// do runs f as the UI goroutine.
func (h *harness) do(f func()) {
	uiMu.Lock()
	defer uiMu.Unlock()
	f()
}

// screen returns the screen shown.
func (h *harness) screen() (s Screen) {
	h.do(func() { s = h.kiosk.Screen() })
	return s
}

// waitScreen waits until the kiosk shows want; a slow machine gets plenty
// of time.
func (h *harness) waitScreen(want Screen) {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if h.screen() == want {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	h.t.Fatalf("screen %q, want %q; texts: %q", h.screen(), want, h.texts())
}

// texts returns every text on screen, in tree order.
func (h *harness) texts() []string {
	var out []string
	h.do(func() {
		walk(h.window.Canvas().Content(), func(o fyne.CanvasObject) {
			switch o := o.(type) {
			case *widget.Label:
				out = append(out, o.Text)
			case *canvas.Text:
				out = append(out, o.Text)
			case *widget.RichText:
				out = append(out, o.String())
			case *shapedText:
				out = append(out, o.text)
			}
		})
	})
	return out
}

// hasText reports whether a text on screen contains s.
func (h *harness) hasText(s string) bool {
	for _, t := range h.texts() {
		if strings.Contains(t, s) {
			return true
		}
	}
	return false
}

// wantText fails unless every s is on screen.
func (h *harness) wantText(s ...string) {
	h.t.Helper()
	for _, s := range s {
		if !h.hasText(s) {
			h.t.Errorf("screen %q lacks %q; texts: %q", h.screen(), s, h.texts())
		}
	}
}

// tap taps the tile whose text is label, at a person's pace.
func (h *harness) tap(label string) {
	h.t.Helper()
	h.clock.Advance(inputPause)
	h.tapNow(label)
}

// doubleTap taps the tile whose text is label twice in quick succession,
// as an impatient finger does; the second tap lands on whatever the first
// one brought to that place.
func (h *harness) doubleTap(label string) {
	h.t.Helper()
	h.clock.Advance(inputPause)
	var pos fyne.Position
	h.do(func() {
		var found *tile
		walk(h.window.Canvas().Content(), func(o fyne.CanvasObject) {
			if t, ok := o.(*tile); ok && t.text == label && found == nil {
				found = t
			}
		})
		if found == nil {
			h.t.Fatalf("no button %q on screen %q", label, h.kiosk.Screen())
		}
		pos = fyne.CurrentApp().Driver().AbsolutePositionForObject(found).AddXY(found.Size().Width/2, found.Size().Height/2)
	})
	for range 2 {
		h.do(func() { test.TapCanvas(h.window.Canvas(), pos) })
		h.clock.Advance(150 * time.Millisecond)
	}
}

// tapNow taps the tile whose text is label without letting time pass.
func (h *harness) tapNow(label string) {
	h.t.Helper()
	var found *tile
	h.do(func() {
		walk(h.window.Canvas().Content(), func(o fyne.CanvasObject) {
			if t, ok := o.(*tile); ok && t.text == label && found == nil {
				found = t
			}
		})
	})
	if found == nil {
		h.t.Fatalf("no button %q on screen %q; texts: %q", label, h.screen(), h.texts())
	}
	h.do(func() { test.Tap(found) })
}

// typeDigits taps digit keys.
func (h *harness) typeDigits(digits string) {
	h.t.Helper()
	for _, r := range digits {
		h.tap(string(r))
	}
}

// scan delivers a code as a serial scanner would.
func (h *harness) scan(code string) { h.kiosk.Scan(code) }

// walk visits every object laid out on screen.
func walk(o fyne.CanvasObject, visit func(fyne.CanvasObject)) {
	for _, obj := range test.LaidOutObjects(o) {
		if obj.Visible() {
			visit(obj)
		}
	}
}
