package ui

import (
	"image"
	"image/color"
	"reflect"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lotse/kiosk/shape"
)

// Right-to-left languages on the kiosk. Fyne lays out every line left to
// right (fyne-io/fyne#90), so a text whose paragraph runs right to left
// (shape.IsRTL) is shaped and drawn by package shape into an image instead,
// and the screens of a right-to-left language are mirrored. Both happen in
// localize, once per built screen, so every screen and every label made
// with text() or button() is covered without each screen knowing.

// localize adapts a freshly built screen to its texts and language:
// labels with right-to-left text become shapedText, and for a
// right-to-left language every container lays its children out mirrored,
// except the ones marked leftToRight (keypads, the birth date). Screens
// are rebuilt on every change, so a label is never set again after this.
func (k *Kiosk) localize(o fyne.CanvasObject) {
	mirror := shape.IsRTLLanguage(k.text.lang)
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		c, ok := o.(*fyne.Container)
		if !ok {
			return
		}
		if _, keep := c.Layout.(ltrLayout); keep {
			return
		}
		edges, border := borderEdges(c.Layout, c.Objects)
		replaced := false
		for i, child := range c.Objects {
			if l, ok := child.(*widget.Label); ok && mirror && l.Alignment == fyne.TextAlignLeading {
				// A left-to-right text such as the office's name moves to
				// the right edge with its place.
				l.Alignment = fyne.TextAlignTrailing
			}
			if l, ok := child.(*widget.Label); ok && shape.IsRTL(l.Text) {
				c.Objects[i] = shapedLabel(l)
				replaced = true
				for e := range edges {
					if edges[e] == child {
						edges[e] = c.Objects[i]
					}
				}
			}
			walk(c.Objects[i])
		}
		if border && replaced {
			c.Layout = layout.NewBorderLayout(edges[0], edges[1], edges[2], edges[3])
		}
		if _, done := c.Layout.(mirrorLayout); mirror && !done && c.Layout != nil {
			c.Layout = mirrorLayout{c.Layout}
		}
	}
	walk(o)
}

// borderType is the type of Fyne's border layout.
var borderType = reflect.TypeOf(layout.NewBorderLayout(nil, nil, nil, nil))

// borderEdges returns the top, bottom, left and right objects of l if it
// is a border layout. Fyne keeps them in the layout, not in the container,
// and has no accessor for them; a label replaced in the container must be
// replaced there too, or it would be laid out as the centre.
func borderEdges(l fyne.Layout, objects []fyne.CanvasObject) (edges [4]fyne.CanvasObject, ok bool) {
	v := reflect.ValueOf(l)
	if l == nil || v.Type() != borderType {
		return edges, false
	}
	for i, name := range []string{"top", "bottom", "left", "right"} {
		f := v.Elem().FieldByName(name)
		if !f.IsValid() || f.IsNil() || f.Elem().Kind() != reflect.Pointer {
			continue
		}
		for _, o := range objects {
			if ov := reflect.ValueOf(o); ov.Kind() == reflect.Pointer && ov.Pointer() == f.Elem().Pointer() {
				edges[i] = o
			}
		}
	}
	return edges, true
}

// leftToRight marks c to keep its order on mirrored screens: digits on a
// keypad and in a date read left to right in Arabic too.
func leftToRight(c *fyne.Container) *fyne.Container {
	c.Layout = ltrLayout{c.Layout}
	return c
}

// ltrLayout is a layout that localize leaves alone.
type ltrLayout struct{ inner fyne.Layout }

func (l ltrLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	l.inner.Layout(objects, size)
}

func (l ltrLayout) MinSize(objects []fyne.CanvasObject) fyne.Size { return l.inner.MinSize(objects) }

// mirrorLayout lays out like inner, reflected left to right.
type mirrorLayout struct{ inner fyne.Layout }

func (m mirrorLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	m.inner.Layout(objects, size)
	for _, o := range objects {
		p := o.Position()
		o.Move(fyne.NewPos(size.Width-p.X-o.Size().Width, p.Y))
	}
}

func (m mirrorLayout) MinSize(objects []fyne.CanvasObject) fyne.Size { return m.inner.MinSize(objects) }

// shapedText is a text drawn by package shape: right to left, with joined
// Arabic letters and embedded fonts, centred like the kiosk's labels.
type shapedText struct {
	widget.BaseWidget
	text     string
	sizeName fyne.ThemeSizeName
	bold     bool
	color    fyne.ThemeColorName
	wrap     bool
}

// shapedLabel is the shapedText standing in for label l.
func shapedLabel(l *widget.Label) *shapedText {
	c := theme.ColorNameForeground
	if l.Importance == widget.DangerImportance {
		c = theme.ColorNameError
	}
	size := l.SizeName
	if size == "" {
		size = theme.SizeNameText
	}
	return newShapedText(l.Text, size, l.TextStyle.Bold, c, l.Wrapping != fyne.TextWrapOff)
}

func newShapedText(s string, size fyne.ThemeSizeName, bold bool, c fyne.ThemeColorName, wrap bool) *shapedText {
	t := &shapedText{text: s, sizeName: size, bold: bold, color: c, wrap: wrap}
	t.ExtendBaseWidget(t)
	return t
}

func (t *shapedText) CreateRenderer() fyne.WidgetRenderer {
	img := canvas.NewImageFromImage(nil)
	img.FillMode = canvas.ImageFillStretch
	img.ScaleMode = canvas.ImageScalePixels
	return &shapedRenderer{t: t, img: img}
}

type shapedRenderer struct {
	t     *shapedText
	img   *canvas.Image
	width float32 // the width laid out at, in Fyne units
	// The last layout, reused while nothing changes: MinSize is asked often.
	key  shapedKey
	para shape.Paragraph
	// What img shows, so that an unchanged text is not drawn again.
	drawn drawKey
}

type drawKey struct {
	shapedKey
	color color.Color
	width int
}

// drawnTexts keeps the images of recently drawn texts: every screen is
// rebuilt with new widgets on each change, and drawing the same texts
// again is the costly part of showing an Arabic screen.
var drawnTexts = imageCache{m: map[drawKey]*image.NRGBA{}}

type imageCache struct {
	mu sync.Mutex
	m  map[drawKey]*image.NRGBA
}

// get returns p drawn for k, drawing it if needed. The images are only
// read once made.
func (c *imageCache) get(k drawKey, p shape.Paragraph) *image.NRGBA {
	c.mu.Lock()
	defer c.mu.Unlock()
	if img, ok := c.m[k]; ok {
		return img
	}
	// A few screens' worth of texts; then start afresh.
	if len(c.m) >= 256 {
		c.m = map[drawKey]*image.NRGBA{}
	}
	img := shape.Draw(p, k.color, k.width, shape.AlignCenter)
	c.m[k] = img
	return img
}

type shapedKey struct {
	text     string
	size     float32
	bold     bool
	maxWidth int
}

// scale is the canvas's pixels per Fyne unit.
func (r *shapedRenderer) scale() float32 {
	if c := fyne.CurrentApp().Driver().CanvasForObject(r.t); c != nil && c.Scale() > 0 {
		return c.Scale()
	}
	return 1
}

// paragraph lays the text out for a width of w units (0: one line).
func (r *shapedRenderer) paragraph(w float32) shape.Paragraph {
	th := r.t.Theme()
	s := r.scale()
	key := shapedKey{text: r.t.text, size: th.Size(r.t.sizeName) * s, bold: r.t.bold}
	if r.t.wrap && w > 0 {
		key.maxWidth = int((w - 2*th.Size(theme.SizeNameInnerPadding)) * s)
	}
	if key != r.key || r.para.Lines == nil {
		sh, err := shape.Default()
		if err != nil {
			// The fonts are embedded at build time; without them the build
			// is broken.
			panic(err)
		}
		r.key, r.para = key, sh.Layout(key.text, shape.Style{Size: key.size, Bold: key.bold}, key.maxWidth)
	}
	return r.para
}

func (r *shapedRenderer) MinSize() fyne.Size {
	th := r.t.Theme()
	pad := th.Size(theme.SizeNameInnerPadding)
	s := r.scale()
	p := r.paragraph(r.width)
	h := float32(p.Height())/s + 2*pad
	if r.t.wrap {
		// Like a wrapping label: as narrow as a letter, as high as its
		// lines at the width it was given.
		return fyne.NewSize(th.Size(r.t.sizeName)+2*pad, h)
	}
	return fyne.NewSize(float32(p.Width())/s+2*pad, h)
}

func (r *shapedRenderer) Layout(size fyne.Size) {
	r.width = size.Width
	r.draw()
}

func (r *shapedRenderer) draw() {
	th := r.t.Theme()
	pad := th.Size(theme.SizeNameInnerPadding)
	s := r.scale()
	p := r.paragraph(r.width)
	w := max(r.width-2*pad, 0)
	v := fyne.CurrentApp().Settings().ThemeVariant()
	dk := drawKey{r.key, th.Color(r.t.color, v), int(w * s)}
	if dk != r.drawn || r.img.Image == nil {
		r.img.Image = drawnTexts.get(dk, p)
		r.drawn = dk
	}
	b := r.img.Image.Bounds()
	iw, ih := float32(b.Dx())/s, float32(b.Dy())/s
	r.img.Resize(fyne.NewSize(iw, ih))
	r.img.Move(fyne.NewPos((r.width-iw)/2, max((r.t.Size().Height-ih)/2, 0)))
	r.img.Refresh()
}

func (r *shapedRenderer) Refresh() {
	r.draw()
}

func (r *shapedRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.img} }
func (r *shapedRenderer) Destroy()                     {}
