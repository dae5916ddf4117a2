package ui

import (
	"image/color"
	"math"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
)

// tiles returns every tile on screen with its position on the canvas.
func (h *harness) tiles() (out []struct {
	text string
	pos  fyne.Position
	size fyne.Size
}) {
	h.do(func() {
		d := fyne.CurrentApp().Driver()
		walk(h.window.Canvas().Content(), func(o fyne.CanvasObject) {
			if t, ok := o.(*tile); ok {
				out = append(out, struct {
					text string
					pos  fyne.Position
					size fyne.Size
				}{t.text, d.AbsolutePositionForObject(t), t.Size()})
			}
		})
	})
	return out
}

// TestWheelchairLayout checks that the wheelchair button moves every
// control of every screen into the lower part of a portrait kiosk screen
// (reachFraction, within 120 cm on a floor-standing 32″ kiosk), and that
// the layout lasts for the visit: through "Zurück", not past its end.
func TestWheelchairLayout(t *testing.T) {
	h := newHarness(t, portrait)
	reach := portrait.Height * (1 - reachFraction)
	h.tap("Rollstuhl")
	for _, lang := range DefaultLanguages {
		for _, sc := range screenSetups {
			if sc.name == "staff" {
				continue // staff stand
			}
			h.do(func() {
				h.kiosk.goBack() // within the visit: the layout stays
				h.kiosk.setLanguage(lang)
				sc.setup(h.kiosk)
				h.window.Resize(portrait)
			})
			tiles := h.tiles()
			if len(tiles) == 0 {
				t.Fatalf("%s/%s: no controls", lang, sc.name)
			}
			for _, tl := range tiles {
				if tl.pos.Y < reach {
					t.Errorf("%s/%s: %q at y=%.0f, above the reach line y=%.0f", lang, sc.name, tl.text, tl.pos.Y, reach)
				}
				if tl.pos.Y+tl.size.Height > portrait.Height+0.5 {
					t.Errorf("%s/%s: %q off the screen", lang, sc.name, tl.text)
				}
			}
		}
	}
	h.do(func() {
		h.kiosk.goIdle()
		h.kiosk.show(ScreenBirthDate) // its keypad sits mid-screen as usual
	})
	for _, tl := range h.tiles() {
		if tl.pos.Y < reach {
			return // the next visitor gets the usual layout
		}
	}
	t.Error("the wheelchair layout outlasted the visit")
}

// TestHighContrast checks that the contrast button switches to white on
// black with larger text for one visit.
func TestHighContrast(t *testing.T) {
	h := newHarness(t, landscape)
	var textBefore float32
	h.do(func() { textBefore = h.kiosk.view.theme.Size(theme.SizeNameText) })
	h.do(func() {
		h.window.Resize(portrait)
		h.kiosk.resized(portrait)
	})
	h.tap("Kontrast")
	h.tap("Mit Geburtsdatum anmelden")
	h.waitScreen(ScreenBirthDate)
	h.do(func() {
		th := fyne.CurrentApp().Settings().Theme()
		if c := th.Color(theme.ColorNameBackground, 0); c != contrastBackground {
			t.Errorf("background %v in high contrast, want black", c)
		}
		if s := th.Size(theme.SizeNameText); s < textBefore*1.2 {
			t.Errorf("text %.0f in high contrast, was %.0f: not larger", s, textBefore)
		}
	})
	h.tap("Zurück")
	h.do(func() {
		if !h.kiosk.access.contrast {
			t.Error("contrast ended with Zurück, want it to last the visit")
		}
		h.kiosk.goIdle()
		if c := fyne.CurrentApp().Settings().Theme().Color(theme.ColorNameBackground, 0); c != paletteBackground {
			t.Errorf("background %v after the visit, want the usual white", c)
		}
	})
}

// TestScreensFitAccessModes checks that every screen still fits every
// supported screen in high contrast with large text, in German, easy
// German and Ukrainian (the longest texts). The wheelchair layout needs no
// more room than the usual one (reachLayout.MinSize).
func TestScreensFitAccessModes(t *testing.T) {
	modes := []struct {
		name string
		set  func(a *access)
	}{
		{"contrast", func(a *access) { a.contrast = true }},
	}
	for _, sz := range screenSizes {
		t.Run(sz.name, func(t *testing.T) {
			h := newHarness(t, sz.size)
			for _, m := range modes {
				for _, lang := range []string{"de", "de-LS", "uk"} {
					for _, sc := range screenSetups {
						if sc.name == "staff" {
							continue // staff choose no contrast
						}
						var min fyne.Size
						h.do(func() {
							h.kiosk.goBack() // within the visit: the mode stays
							if !h.kiosk.access.contrast {
								h.kiosk.resized(sz.size)
								m.set(&h.kiosk.access)
								h.kiosk.applyTheme()
							}
							h.kiosk.setLanguage(lang)
							sc.setup(h.kiosk)
							h.window.Resize(sz.size)
							min = h.window.Content().MinSize()
						})
						if min.Width > sz.size.Width || min.Height > sz.size.Height {
							t.Errorf("%s/%s/%s needs %v, screen is %v", m.name, lang, sc.name, min, sz.size)
						}
					}
				}
			}
		})
	}
}

// contrastRatio is WCAG 2's contrast ratio of two opaque colours.
func contrastRatio(a, b color.Color) float64 {
	lum := func(c color.Color) float64 {
		r, g, b, _ := c.RGBA()
		ch := func(v uint32) float64 {
			s := float64(v) / 0xffff
			if s <= 0.04045 {
				return s / 12.92
			}
			return math.Pow((s+0.055)/1.055, 2.4)
		}
		return 0.2126*ch(r) + 0.7152*ch(g) + 0.0722*ch(b)
	}
	la, lb := lum(a), lum(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// textPairs are the theme colours the kiosk draws text in, each on the
// colour it lies on: labels, tiles (tile.colors), the ticket number, the
// problems under the keypad (danger labels), the birth-date mask and
// notices.
var textPairs = []struct {
	name   string
	fg, bg fyne.ThemeColorName
}{
	{"labels", theme.ColorNameForeground, theme.ColorNameBackground},
	{"primary tiles", theme.ColorNameForegroundOnPrimary, theme.ColorNamePrimary},
	{"secondary tiles", theme.ColorNameForeground, colorTile},
	{"disabled tiles", theme.ColorNameDisabled, theme.ColorNameDisabledButton},
	{"ticket number", theme.ColorNamePrimary, theme.ColorNameBackground},
	{"problems", theme.ColorNameError, theme.ColorNameBackground},
	{"birth-date mask", colorMask, theme.ColorNameBackground},
	{"notices", theme.ColorNameForeground, colorNotice},
}

// TestThemeContrast computes the contrast ratio of every text colour pair
// of the usual and the high-contrast theme: at least 7:1 (WCAG AAA), which
// public terminals should meet.
func TestThemeContrast(t *testing.T) {
	for _, th := range []struct {
		name  string
		theme kioskTheme
	}{{"usual", kioskTheme{scale: 1}}, {"high contrast", kioskTheme{scale: 1, contrast: true}}} {
		for _, p := range textPairs {
			r := contrastRatio(th.theme.Color(p.fg, 0), th.theme.Color(p.bg, 0))
			if r < 7 {
				t.Errorf("%s: %s (%s on %s) %.2f:1, want at least 7:1", th.name, p.name, p.fg, p.bg, r)
			} else {
				t.Logf("%s: %s %.1f:1", th.name, p.name, r)
			}
		}
	}
}

// mmPerPixel is the pixel pitch of a 22″ 16:9 screen at 1920×1080: 487 mm
// wide.
var mmPerPixel = 22 * 25.4 * 16 / math.Hypot(16, 9) / 1920

// TestSizesInMillimetres measures the rendered text and touch targets of
// every screen at 1080p on a 22″ screen: every tile at least 20 mm on its
// shorter side, every text at least 8 mm (its em, about 24 pt), with large
// text (high contrast on a portrait screen) at least 10 mm.
func TestSizesInMillimetres(t *testing.T) {
	modes := []struct {
		name      string
		contrast  bool
		minTextMM float64
		size      fyne.Size
	}{{"usual", false, 8, wide}, {"high contrast", true, 8, wide}, {"high contrast, portrait", true, 10, portrait}}
	h := newHarness(t, wide)
	for _, m := range modes {
		minTile, minText := math.Inf(1), math.Inf(1)
		for _, lang := range DefaultLanguages {
			for _, sc := range screenSetups {
				h.do(func() {
					// Within one visit (goBack), so that the theme is
					// set once a mode: setting it redraws everything.
					h.kiosk.goBack()
					if h.kiosk.access.contrast != m.contrast || h.kiosk.view.portrait != (m.size.Height > m.size.Width) {
						h.window.Resize(m.size)
						h.kiosk.resized(m.size)
						h.kiosk.access.contrast = m.contrast
						h.kiosk.applyTheme()
					}
					h.kiosk.setLanguage(lang)
					sc.setup(h.kiosk)
					h.window.Resize(m.size)
					walk(h.window.Canvas().Content(), func(o fyne.CanvasObject) {
						switch o := o.(type) {
						case *tile:
							s := o.Size()
							mm := float64(min(s.Width, s.Height)) * mmPerPixel
							minTile = min(minTile, mm)
							if mm < 20 {
								t.Errorf("%s/%s/%s: button %q is %.1f mm, want at least 20 mm", m.name, lang, sc.name, o.text, mm)
							}
						case *canvas.Text:
							if o.Text == "" || o.Text == " " {
								return
							}
							mm := float64(o.TextSize) * mmPerPixel
							minText = min(minText, mm)
							if mm < m.minTextMM {
								t.Errorf("%s/%s/%s: text %q is %.1f mm, want at least %.0f mm", m.name, lang, sc.name, o.Text, mm, m.minTextMM)
							}
						}
					})
				})
			}
		}
		t.Logf("%s: smallest button %.1f mm, smallest text %.1f mm (%.4f mm a pixel)", m.name, minTile, minText, mmPerPixel)
	}
}

// TestAccessEndsWithIdleTimeout checks that a mode chosen on the idle
// screen in German ends when nobody touches the kiosk, although the German
// idle screen has no timeout of its own: the next person must not find
// the last one's layout.
func TestAccessEndsWithIdleTimeout(t *testing.T) {
	for _, button := range []string{"Rollstuhl", "Kontrast", "Vorlesen"} {
		t.Run(button, func(t *testing.T) {
			h := newHarness(t, landscape, func(o *Options) { o.IdleTimeout = 100 * time.Millisecond })
			h.tap(button)
			waitFor(t, func() (off bool) {
				h.do(func() { off = !h.kiosk.access.on() })
				return off
			}, "%s to end with the idle timeout", button)
		})
	}
}
