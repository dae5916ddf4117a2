package ui

import (
	"context"
	"image/color"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"

	"lotse/hub/api"
	"lotse/kiosk/internal/fakehub"
)

// TestDoubleTapAfterScreenChange checks that the second tap of a double
// tap on a button that changes the screen does nothing on the next screen:
// an OK's double tap used to land on the idle screen's language bar and
// switch the next citizen's kiosk to Turkish.
func TestDoubleTapAfterScreenChange(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(h *harness)
		button string
	}{
		{"OK on a message", func(h *harness) { h.scan(fakehub.CodeTooLate); h.waitScreen(ScreenMessage) }, "OK"},
		{"Fertig on a ticket", func(h *harness) { h.scan(fakehub.CodeGood); h.waitScreen(ScreenTicket) }, "Fertig"},
		{"Zurück on the walk-in screen", func(h *harness) { h.tap("Ohne Termin"); h.waitScreen(ScreenWalkIn) }, "Zurück"},
		{"Zurück on the birth-date screen", func(h *harness) {
			h.tap("Mit Geburtsdatum anmelden")
			h.waitScreen(ScreenBirthDate)
		}, "Zurück"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, size := range []fyne.Size{landscape, wide, portrait} {
				h := newHarness(t, size)
				tt.setup(h)
				h.doubleTap(tt.button)
				if s := h.screen(); s != ScreenIdle {
					t.Errorf("%v: screen %q after a double tap, want idle", size, s)
				}
				if l := h.lang(); l != "de" {
					t.Errorf("%v: language %q after a double tap, want de", size, l)
				}
			}
		})
	}
}

// TestTapsAfterThePause checks that the pause after a screen change is
// short: a tap a moment later works.
func TestTapsAfterThePause(t *testing.T) {
	h := newHarness(t, landscape)
	h.scan(fakehub.CodeTooLate)
	h.waitScreen(ScreenMessage)
	h.tapNow("OK") // at once: still the pause
	if s := h.screen(); s != ScreenMessage {
		t.Fatalf("a tap at the moment the message appeared was taken: screen %q", s)
	}
	h.tap("OK")
	h.waitScreen(ScreenIdle)
	h.tap("English")
	if l := h.lang(); l != "en" {
		t.Errorf("language %q after tapping English, want en", l)
	}

	// The clock set back (by NTP, by hand) does not lock the screen.
	h.tap("Without appointment")
	h.waitScreen(ScreenWalkIn)
	h.clock.Set(h.clock.Now().Add(-time.Hour))
	h.tapNow("Back")
	if s := h.screen(); s != ScreenIdle {
		t.Errorf("screen %q after the clock went back, want idle", s)
	}
}

// TestLanguageKeptDuringVisit checks that "Zurück" and OK keep the
// citizen's language; the ticket and the idle timeout end the visit and
// return to German.
func TestLanguageKeptDuringVisit(t *testing.T) {
	back := []struct {
		name string
		path func(h *harness)
	}{
		{"Back from the birth date", func(h *harness) {
			h.tap("Check in with date of birth")
			h.waitScreen(ScreenBirthDate)
			h.tap("Back")
		}},
		{"Back from the walk-in choice", func(h *harness) {
			h.tap("Without appointment")
			h.waitScreen(ScreenWalkIn)
			h.tap("Back")
		}},
		{"OK on a message", func(h *harness) {
			h.scan(fakehub.CodeTooEarly)
			h.waitScreen(ScreenMessage)
			h.wantText("You are welcome to wait here.")
			h.tap("OK")
		}},
		{"tap on a message", func(h *harness) {
			h.scan(fakehub.CodeTooLate)
			h.waitScreen(ScreenMessage)
			h.clock.Advance(inputPause)
			h.do(func() { h.kiosk.guarded(h.kiosk.touch)() })
		}},
		{"Escape on the birth date", func(h *harness) {
			h.tap("Check in with date of birth")
			h.waitScreen(ScreenBirthDate)
			h.do(func() { h.kiosk.typed([]rune{0x1b}) })
		}},
	}
	for _, tt := range back {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, landscape)
			h.tap("English")
			tt.path(h)
			h.waitScreen(ScreenIdle)
			if l := h.lang(); l != "en" {
				t.Fatalf("language %q back on the idle screen, want en", l)
			}
			h.wantText("Please hold the QR code")
			// The visit goes on in English, and its ticket ends it.
			h.scan(fakehub.CodeGood)
			h.waitScreen(ScreenTicket)
			h.wantText("Your number")
			h.tap("Done")
			h.waitScreen(ScreenIdle)
			if l := h.lang(); l != "de" {
				t.Errorf("language %q after the ticket, want de", l)
			}
		})
	}

	t.Run("idle timeout after Back", func(t *testing.T) {
		h := newHarness(t, landscape)
		h.tap("English")
		h.tap("Without appointment")
		h.tap("Back")
		h.waitScreen(ScreenIdle)
		// Fire the idle timer now rather than wait for a short one: a
		// short timeout could expire between two taps on a slow machine.
		h.do(func() {
			if h.kiosk.timeout.timer == nil {
				t.Fatal("no idle timer armed on the idle screen in English")
			}
			h.kiosk.timeout.timer.Reset(0)
		})
		waitFor(t, func() bool { return h.lang() == "de" }, "fallback to German")
		h.wantText("Bitte halten Sie den QR-Code")
	})
	t.Run("message timeout", func(t *testing.T) {
		h := newHarness(t, landscape, func(o *Options) { o.ResultTimeout = 200 * time.Millisecond })
		h.tap("English")
		h.scan(fakehub.CodeTooLate)
		h.waitSeen(ScreenMessage)
		waitFor(t, func() bool { return h.lang() == "de" && h.screen() == ScreenIdle }, "fallback to German")
	})
}

// birthDisplay returns the birth-date display: the typed part and the
// mask's rest, with their colours.
func (h *harness) birthDisplay() (typed, hint string, typedColor, hintColor color.Color) {
	var parts []*canvas.Text
	h.do(func() {
		walk(h.window.Canvas().Content(), func(o fyne.CanvasObject) {
			if t, ok := o.(*canvas.Text); ok && t.TextStyle.Monospace {
				parts = append(parts, t)
			}
		})
	})
	if len(parts) != 2 {
		h.t.Fatalf("birth-date display has %d parts, want 2", len(parts))
	}
	return parts[0].Text, parts[1].Text, parts[0].Color, parts[1].Color
}

// wantBirthShown fails unless the birth-date display reads want.
func (h *harness) wantBirthShown(want string) {
	h.t.Helper()
	typed, hint, _, _ := h.birthDisplay()
	if typed+hint != want {
		h.t.Errorf("birth date shown as %q, want %q", typed+hint, want)
	}
}

// TestBirthDateNaturalTyping checks the ways people type a birth date:
// with or without leading zeros, with the keypad's dot or a keyboard's
// space, all reaching the same appointment; a two-digit year gets a hint
// and no hub call.
func TestBirthDateNaturalTyping(t *testing.T) {
	tests := []struct {
		name  string
		keys  string // tapped on the keypad; '.' is the dot key
		typed string // typed on a keyboard instead, if set
		shown string
	}{
		{name: "leading zeros", keys: "15031950", shown: "15.03.1950"},
		{name: "dots", keys: "15.3.1950", shown: "15.03.1950"},
		{name: "no zero, no dot", keys: "1531950", shown: "15.03.1950"},
		{name: "spaces on a keyboard", typed: "15 3 1950", shown: "15.03.1950"},
		{name: "slashes on a keyboard", typed: "15/03/1950", shown: "15.03.1950"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, landscape)
			h.tap("Mit Geburtsdatum anmelden")
			h.waitScreen(ScreenBirthDate)
			if tt.typed != "" {
				h.do(func() { h.kiosk.typed([]rune(tt.typed)) })
			}
			for _, r := range tt.keys {
				h.tap(string(r))
			}
			h.wantBirthShown(tt.shown)
			h.tap("Weiter")
			h.waitScreen(ScreenTicket)
			h.wantText("A003")
		})
	}

	t.Run("two-digit year", func(t *testing.T) {
		h := newHarness(t, landscape)
		h.tap("Mit Geburtsdatum anmelden")
		h.typeDigits("15.3.50")
		h.wantBirthShown("15.03.50JJ")
		h.tap("Weiter")
		if s := h.screen(); s != ScreenBirthDate {
			t.Fatalf("screen %q, want the keypad with a hint", s)
		}
		h.wantText("das Jahr mit vier Ziffern ein")
		if got := len(h.hub.Requests()); got != 1 { // only GET offices
			t.Errorf("an incomplete date reached the hub: %q", h.hub.Requests())
		}
	})
}

// TestBirthDatePlaceholderLighter checks that the mask's letters are drawn
// lighter than the typed digits, so "15.0M" is not read as typed.
func TestBirthDatePlaceholderLighter(t *testing.T) {
	h := newHarness(t, landscape)
	h.tap("Mit Geburtsdatum anmelden")
	h.typeDigits("150")
	typed, hint, tc, hc := h.birthDisplay()
	if typed != "15.0" || hint != "M.JJJJ" {
		t.Fatalf("display %q + %q, want %q + %q", typed, hint, "15.0", "M.JJJJ")
	}
	if lt, lh := luminance(tc), luminance(hc); lh < lt+0.1 {
		t.Errorf("placeholder luminance %.2f, typed %.2f: not visibly lighter", lh, lt)
	}
}

func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	return (0.2126*float64(r) + 0.7152*float64(g) + 0.0722*float64(b)) / 0xffff
}

// errHub answers every check-in and walk-in with err.
type errHub struct {
	HubClient
	err error
}

func (e errHub) CheckIn(context.Context, string, api.CheckInRequest) (api.Ticket, error) {
	return api.Ticket{}, e.err
}

func (e errHub) WalkIn(context.Context, string, api.WalkInRequest) (api.Ticket, error) {
	return api.Ticket{}, e.err
}

// TestRateLimitSaysHowLong checks that the rate-limit message says how
// long to wait, from the hub's retryAfter, for check-in and walk-in.
func TestRateLimitSaysHowLong(t *testing.T) {
	tests := []struct {
		retryAfter int
		want       string
	}{
		{30, "Bitte warten Sie 30 Sekunden"},
		{90, "Bitte warten Sie 90 Sekunden"},
		{300, "Bitte warten Sie etwa 5 Minuten"},
		{301, "Bitte warten Sie etwa 6 Minuten"},
		{0, "Bitte warten Sie einen Moment"},
	}
	for _, tt := range tests {
		for _, walkIn := range []bool{false, true} {
			h := newHarness(t, landscape)
			err := &api.Error{Status: 429, ErrorDetail: api.ErrorDetail{Code: api.CodeRateLimited, RetryAfter: tt.retryAfter}}
			h.do(func() { h.kiosk.hub = errHub{h.kiosk.hub, err} })
			if walkIn {
				h.tap("Ohne Termin")
				h.tap("Reisepass")
			} else {
				h.scan(fakehub.CodeGood)
			}
			h.waitScreen(ScreenMessage)
			h.wantText(tt.want)
		}
	}
}
