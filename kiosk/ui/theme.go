package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Sizes of the kiosk beyond Fyne's standard names.
const (
	sizeTicketNumber fyne.ThemeSizeName = "kioskTicketNumber"
	sizeKeypad       fyne.ThemeSizeName = "kioskKeypad"
	sizeTouch        fyne.ThemeSizeName = "kioskTouch"
	sizeHeadline     fyne.ThemeSizeName = "kioskHeadline"
	sizePicture      fyne.ThemeSizeName = "kioskPicture"
)

// Colours of the kiosk beyond Fyne's standard names.
const (
	colorTile   fyne.ThemeColorName = "kioskTile"
	colorNotice fyne.ThemeColorName = "kioskNotice"
	// colorMask is the birth-date mask's letters (TT.MM.JJJJ) where
	// nothing is typed yet: clearly lighter than the typed digits, still
	// readable (7.5:1 on white, like every text colour).
	colorMask fyne.ThemeColorName = "kioskMask"
)

// The palette: dark text on white, white text on a dark blue, every pair at
// a contrast of at least 7:1 (WCAG AAA, which BITV 2.0 asks for in public
// terminals); theme_test.go checks it.
var (
	paletteBackground = color.NRGBA{0xff, 0xff, 0xff, 0xff}
	paletteForeground = color.NRGBA{0x14, 0x14, 0x14, 0xff}
	palettePrimary    = color.NRGBA{0x00, 0x33, 0x66, 0xff}
	paletteOnPrimary  = color.NRGBA{0xff, 0xff, 0xff, 0xff}
	paletteTile       = color.NRGBA{0xe3, 0xe9, 0xf2, 0xff}
	paletteError      = color.NRGBA{0x9e, 0x00, 0x00, 0xff}
	paletteDisabled   = color.NRGBA{0x3d, 0x3d, 0x3d, 0xff}
	paletteNotice     = color.NRGBA{0xff, 0xf4, 0xd6, 0xff}
	paletteMask       = color.NRGBA{0x55, 0x55, 0x55, 0xff}
	// paletteDisabledButton lies under disabled tiles' text (paletteDisabled).
	paletteDisabledButton = color.NRGBA{0xe6, 0xe6, 0xe6, 0xff}
)

// The high-contrast palette (one visit's choice, access.go): white and
// yellow on black, black on yellow; every text pair at least 7:1 too.
var (
	contrastBackground     = color.NRGBA{0x00, 0x00, 0x00, 0xff}
	contrastForeground     = color.NRGBA{0xff, 0xff, 0xff, 0xff}
	contrastPrimary        = color.NRGBA{0xff, 0xeb, 0x00, 0xff}
	contrastOnPrimary      = color.NRGBA{0x00, 0x00, 0x00, 0xff}
	contrastTile           = color.NRGBA{0x00, 0x3b, 0x8e, 0xff}
	contrastError          = color.NRGBA{0xff, 0x8a, 0x80, 0xff}
	contrastDisabled       = color.NRGBA{0xc8, 0xc8, 0xc8, 0xff}
	contrastDisabledButton = color.NRGBA{0x26, 0x26, 0x26, 0xff}
	contrastNotice         = color.NRGBA{0x33, 0x2b, 0x00, 0xff}
	contrastMask           = color.NRGBA{0xb0, 0xb0, 0xb0, 0xff}
)

// largeText is how much larger text is in the high-contrast mode.
const largeText = 1.25

// textSizes are the sizes of text that the high-contrast mode enlarges:
// body text and button labels, to the size of the headlines, which stay as
// they are, so that every screen still fits without scrolling.
var textSizes = map[fyne.ThemeSizeName]bool{
	theme.SizeNameText: true, theme.SizeNameSubHeadingText: true, theme.SizeNameCaptionText: true,
}

// kioskTheme is a light theme with large text and touch targets. All sizes
// are multiplied by scale, which follows the window size so that a large
// screen gets larger type without anything needing to scroll.
type kioskTheme struct {
	scale    float32
	contrast bool // high contrast (access.go)
	// large enlarges body text and labels (access.go): with high contrast
	// on portrait screens, the only ones with room for it on every screen.
	large bool
}

// Base sizes at scale 1, in Fyne units (pixels at 96 dpi and FYNE_SCALE 1).
// 24 pt is 32 px; a 2 cm touch target is 76 px.
var baseSizes = map[fyne.ThemeSizeName]float32{
	theme.SizeNameText:            32,
	theme.SizeNameHeadingText:     44,
	theme.SizeNameSubHeadingText:  38,
	theme.SizeNameCaptionText:     32,
	theme.SizeNamePadding:         8,
	theme.SizeNameInnerPadding:    8,
	theme.SizeNameLineSpacing:     6,
	theme.SizeNameInlineIcon:      40,
	theme.SizeNameInputRadius:     10,
	theme.SizeNameSelectionRadius: 10,
	sizeTicketNumber:              180,
	sizeKeypad:                    52,
	sizeTouch:                     90,
	sizeHeadline:                  42,
	sizePicture:                   220,
}

func (t kioskTheme) Color(name fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	if t.contrast {
		return contrastColor(name)
	}
	switch name {
	case theme.ColorNameBackground, theme.ColorNameOverlayBackground, theme.ColorNameMenuBackground,
		theme.ColorNameInputBackground:
		return paletteBackground
	case theme.ColorNameForeground:
		return paletteForeground
	case theme.ColorNamePrimary, theme.ColorNameFocus, theme.ColorNameHyperlink:
		return palettePrimary
	case theme.ColorNameForegroundOnPrimary, theme.ColorNameForegroundOnError:
		return paletteOnPrimary
	case theme.ColorNameButton:
		return paletteTile
	case colorTile:
		return paletteTile
	case colorNotice:
		return paletteNotice
	case colorMask:
		return paletteMask
	case theme.ColorNameError:
		return paletteError
	case theme.ColorNameDisabled, theme.ColorNamePlaceHolder:
		return paletteDisabled
	case theme.ColorNameDisabledButton:
		return paletteDisabledButton
	}
	return theme.DefaultTheme().Color(name, theme.VariantLight)
}

// contrastColor is the high-contrast palette's colour of name.
func contrastColor(name fyne.ThemeColorName) color.Color {
	switch name {
	case theme.ColorNameBackground, theme.ColorNameOverlayBackground, theme.ColorNameMenuBackground,
		theme.ColorNameInputBackground:
		return contrastBackground
	case theme.ColorNameForeground:
		return contrastForeground
	case theme.ColorNamePrimary, theme.ColorNameFocus, theme.ColorNameHyperlink:
		return contrastPrimary
	case theme.ColorNameForegroundOnPrimary:
		return contrastOnPrimary
	case theme.ColorNameForegroundOnError:
		return contrastBackground
	case theme.ColorNameButton, colorTile:
		return contrastTile
	case colorNotice:
		return contrastNotice
	case colorMask:
		return contrastMask
	case theme.ColorNameError:
		return contrastError
	case theme.ColorNameDisabled, theme.ColorNamePlaceHolder:
		return contrastDisabled
	case theme.ColorNameDisabledButton:
		return contrastDisabledButton
	}
	return theme.DefaultTheme().Color(name, theme.VariantDark)
}

func (t kioskTheme) Font(style fyne.TextStyle) fyne.Resource {
	return theme.DefaultTheme().Font(style)
}

func (t kioskTheme) Icon(name fyne.ThemeIconName) fyne.Resource {
	return theme.DefaultTheme().Icon(name)
}

func (t kioskTheme) Size(name fyne.ThemeSizeName) float32 {
	s := t.scale
	if s <= 0 {
		s = 1
	}
	if t.large && textSizes[name] {
		s *= largeText
	}
	if v, ok := baseSizes[name]; ok {
		return v * s
	}
	return theme.DefaultTheme().Size(name) * s
}

// scaleFor returns the theme scale for a window of size: 1 up to the design
// sizes (1280×1024 and 1920×1080 landscape, 1080×1920 portrait), more on
// larger screens, never less, so text and targets never fall below their
// minimum and nothing needs to scroll.
func scaleFor(size fyne.Size) float32 {
	s := min(size.Width/1080, size.Height/1024)
	if s < 1 {
		return 1
	}
	// Round down to tenths so that small resizes do not re-theme the app.
	return float32(int(s*10)) / 10
}
