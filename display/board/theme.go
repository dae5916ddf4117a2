package board

import (
	"image/color"
	"sync/atomic"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Colours of the board: light on black for contrast from the back of the
// room (well above WCAG AAA 7:1), yellow for what is new.
var (
	colorBackground = color.NRGBA{R: 0x05, G: 0x07, B: 0x0a, A: 0xff}
	colorPanel      = color.NRGBA{R: 0x17, G: 0x1d, B: 0x26, A: 0xff}
	colorText       = color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
	colorDim        = color.NRGBA{R: 0xa8, G: 0xb0, B: 0xba, A: 0xff}
	colorAccent     = color.NRGBA{R: 0xff, G: 0xd4, B: 0x00, A: 0xff}
	colorOnAccent   = color.NRGBA{R: 0x00, G: 0x00, B: 0x00, A: 0xff}
	colorAlarm      = color.NRGBA{R: 0xc6, G: 0x28, B: 0x28, A: 0xff}
	colorTicker     = color.NRGBA{R: 0x0b, G: 0x3d, B: 0x91, A: 0xff}
	colorRule       = color.NRGBA{R: 0x3a, G: 0x44, B: 0x52, A: 0xff}
)

// Theme is the board's Fyne theme: dark, high contrast, and large sizes, so
// that anything drawn with theme sizes (dialogs, fallback widgets) is
// readable from afar too. The board itself scales its text with the window.
// Its background is the dark one, or a screen's ground (Screen.Theme).
type Theme struct {
	ground *atomic.Pointer[color.NRGBA]
}

var _ fyne.Theme = Theme{}

// Color returns the board's colours, the dark default for the rest.
func (t Theme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	switch n {
	case theme.ColorNameBackground:
		if t.ground != nil {
			if g := t.ground.Load(); g != nil {
				return *g
			}
		}
		return colorBackground
	case theme.ColorNameForeground:
		return colorText
	case theme.ColorNamePrimary, theme.ColorNameFocus:
		return colorAccent
	case theme.ColorNameError:
		return colorAlarm
	}
	return theme.DefaultTheme().Color(n, theme.VariantDark)
}

// Font returns the default font.
func (Theme) Font(s fyne.TextStyle) fyne.Resource { return theme.DefaultTheme().Font(s) }

// Icon returns the default icons.
func (Theme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

// Size makes text and spacing large.
func (Theme) Size(n fyne.ThemeSizeName) float32 {
	switch n {
	case theme.SizeNameText:
		return 32
	case theme.SizeNameHeadingText:
		return 56
	case theme.SizeNameSubHeadingText:
		return 40
	case theme.SizeNameCaptionText:
		return 24
	case theme.SizeNamePadding:
		return 12
	case theme.SizeNameInnerPadding:
		return 16
	}
	return theme.DefaultTheme().Size(n)
}
