package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lotse/kiosk/shape"
)

// tileStyle is how a tile looks.
type tileStyle int

const (
	tilePrimary   tileStyle = iota // white on dark blue: the main action
	tileSecondary                  // dark on light blue: other choices
)

// tile is the kiosk's button: a large touch target whose text wraps instead
// of widening the screen, in the theme's text colours. Fyne's Button neither
// wraps nor grows to a 2 cm target on its own.
type tile struct {
	widget.BaseWidget
	text     string
	style    tileStyle
	sizeName fyne.ThemeSizeName
	disabled bool
	noWrap   bool // short labels (digits, language names) stay on one line
	onTap    func()
}

func newTile(text string, style tileStyle, onTap func()) *tile {
	t := &tile{text: text, style: style, sizeName: theme.SizeNameSubHeadingText, onTap: onTap}
	t.ExtendBaseWidget(t)
	return t
}

// button is a tile of the kiosk's screens: it ignores taps in the pause
// after a screen change (inputPause).
func (k *Kiosk) button(text string, style tileStyle, onTap func()) *tile {
	return newTile(text, style, k.guarded(onTap))
}

// Tapped implements fyne.Tappable.
func (t *tile) Tapped(*fyne.PointEvent) {
	if t.disabled || t.onTap == nil {
		return
	}
	t.onTap()
}

// Cursor hides the mouse pointer: kiosks are used by touch.
func (t *tile) Cursor() desktop.Cursor { return desktop.HiddenCursor }

func (t *tile) colors() (bg, fg fyne.ThemeColorName) {
	switch {
	case t.disabled:
		return theme.ColorNameDisabledButton, theme.ColorNameDisabled
	case t.style == tilePrimary:
		return theme.ColorNamePrimary, theme.ColorNameForegroundOnPrimary
	}
	return colorTile, theme.ColorNameForeground
}

func (t *tile) CreateRenderer() fyne.WidgetRenderer {
	bg := canvas.NewRectangle(color.Transparent)
	text := widget.NewRichText()
	r := &tileRenderer{tile: t, bg: bg, text: text}
	r.Refresh()
	return r
}

type tileRenderer struct {
	tile *tile
	bg   *canvas.Rectangle
	text *widget.RichText
	// shaped replaces text when the tile's text runs right to left.
	shaped *shapedText
}

func (r *tileRenderer) Layout(size fyne.Size) {
	r.bg.Resize(size)
	pad := r.tile.Theme().Size(theme.SizeNameInnerPadding)
	width := max(size.Width-2*pad, 0)
	text := r.content()
	text.Resize(fyne.NewSize(width, text.MinSize().Height))
	h := text.MinSize().Height
	text.Resize(fyne.NewSize(width, h))
	text.Move(fyne.NewPos(pad, max((size.Height-h)/2, 0)))
}

// content is what shows the tile's text: the rich text, or for a
// right-to-left text the shaped one (see rtl.go).
func (r *tileRenderer) content() fyne.CanvasObject {
	if r.shaped != nil {
		return r.shaped
	}
	return r.text
}

func (r *tileRenderer) MinSize() fyne.Size {
	th := r.tile.Theme()
	pad := th.Size(theme.SizeNameInnerPadding)
	touch := th.Size(sizeTouch)
	m := r.content().MinSize()
	return fyne.NewSize(max(m.Width+2*pad, touch), max(m.Height+2*pad, touch))
}

func (r *tileRenderer) Refresh() {
	th := r.tile.Theme()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	bg, fg := r.tile.colors()
	r.bg.FillColor = th.Color(bg, v)
	r.bg.CornerRadius = th.Size(theme.SizeNameInputRadius)
	r.bg.Refresh()
	r.text.Wrapping = fyne.TextWrapWord
	if r.tile.noWrap {
		r.text.Wrapping = fyne.TextWrapOff
	}
	r.text.Segments = []widget.RichTextSegment{&widget.TextSegment{
		Text: r.tile.text,
		Style: widget.RichTextStyle{
			Alignment: fyne.TextAlignCenter,
			ColorName: fg,
			SizeName:  r.tile.sizeName,
			TextStyle: fyne.TextStyle{Bold: true},
		},
	}}
	r.text.Refresh()
	r.shaped = nil
	if shape.IsRTL(r.tile.text) {
		r.shaped = newShapedText(r.tile.text, r.tile.sizeName, true, fg, !r.tile.noWrap)
		r.Layout(r.tile.Size())
	}
}

func (r *tileRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.bg, r.content()} }
func (r *tileRenderer) Destroy()                     {}

// surface is an invisible, tappable area: the screen background (every
// touch counts as activity) and the hidden staff corner.
type surface struct {
	widget.BaseWidget
	onTap   func()
	minSize fyne.ThemeSizeName
}

func newSurface(minSize fyne.ThemeSizeName, onTap func()) *surface {
	s := &surface{onTap: onTap, minSize: minSize}
	s.ExtendBaseWidget(s)
	return s
}

// Tapped implements fyne.Tappable.
func (s *surface) Tapped(*fyne.PointEvent) {
	if s.onTap != nil {
		s.onTap()
	}
}

// Cursor hides the mouse pointer.
func (s *surface) Cursor() desktop.Cursor { return desktop.HiddenCursor }

func (s *surface) MinSize() fyne.Size {
	if s.minSize == "" {
		return fyne.NewSize(0, 0)
	}
	v := s.Theme().Size(s.minSize)
	return fyne.NewSize(v, v)
}

func (s *surface) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(canvas.NewRectangle(color.Transparent))
}

// text returns a wrapping, centred label in the given size.
func text(s string, size fyne.ThemeSizeName, bold bool) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	l.Alignment = fyne.TextAlignCenter
	l.SizeName = size
	l.TextStyle.Bold = bold
	return l
}

// maxWidth centres its content and limits its width, so that a keypad on a
// wide screen stays a keypad and does not become a row of bars.
type maxWidth struct {
	width fyne.ThemeSizeName
	scale float32 // multiples of the theme size
}

func (m maxWidth) limit() float32 {
	return fyne.CurrentApp().Settings().Theme().Size(m.width) * m.scale
}

func (m maxWidth) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	w := min(size.Width, max(m.limit(), m.MinSize(objects).Width))
	for _, o := range objects {
		o.Resize(fyne.NewSize(w, size.Height))
		o.Move(fyne.NewPos((size.Width-w)/2, 0))
	}
}

func (m maxWidth) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objects {
		s = s.Max(o.MinSize())
	}
	return s
}

// fixedWidth gives its content a fixed width and the full height, so that
// wrapping labels in it wrap at that width instead of shrinking to a word.
type fixedWidth struct {
	width fyne.ThemeSizeName
	scale float32 // multiples of the theme size
}

func (f fixedWidth) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	w := min(size.Width, fyne.CurrentApp().Settings().Theme().Size(f.width)*f.scale)
	for _, o := range objects {
		o.Resize(fyne.NewSize(w, size.Height))
		o.Move(fyne.NewPos(0, 0))
	}
}

func (f fixedWidth) MinSize(objects []fyne.CanvasObject) fyne.Size {
	s := fyne.NewSize(fyne.CurrentApp().Settings().Theme().Size(f.width)*f.scale, 0)
	for _, o := range objects {
		s.Height = max(s.Height, o.MinSize().Height)
	}
	return s
}

// cornerLayout puts its only object into the top left corner at its
// minimum size.
type cornerLayout struct{}

func (cornerLayout) Layout(objects []fyne.CanvasObject, _ fyne.Size) {
	for _, o := range objects {
		o.Resize(o.MinSize())
		o.Move(fyne.NewPos(0, 0))
	}
}

func (cornerLayout) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.NewSize(0, 0) }

// sizeWatcher is a layout that stretches its objects like a stack and
// reports every new size, so the kiosk can scale its theme to the screen.
type sizeWatcher struct {
	onSize func(fyne.Size)
	last   fyne.Size
}

func (w *sizeWatcher) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Resize(size)
		o.Move(fyne.NewPos(0, 0))
	}
	if size != w.last {
		w.last = size
		if w.onSize != nil {
			w.onSize(size)
		}
	}
}

func (w *sizeWatcher) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objects {
		s = s.Max(o.MinSize())
	}
	return s
}
