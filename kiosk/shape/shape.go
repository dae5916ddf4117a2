// Package shape lays out and draws text in scripts that run right to left
// (Arabic, Persian), which Fyne cannot do yet (fyne-io/fyne#90): Fyne's
// labels place every run of a line left to right, so full stops, digits
// and whole words land on the wrong side.
//
// It uses go-text/typesetting, which Fyne itself is built on: the Unicode
// bidi algorithm splits a paragraph into runs, the HarfBuzz port joins the
// Arabic letters, the line wrapper breaks lines and puts the runs of each
// line into visual order. The glyphs come from Noto Sans Arabic, embedded
// in the assets, and from Fyne's own Noto Sans for Latin letters and
// digits, so the kiosk needs no system font.
package shape

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"sort"
	"sync"
	"unicode"

	"fyne.io/fyne/v2/theme"
	"github.com/go-text/render"
	"github.com/go-text/typesetting/di"
	"github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/shaping"
	"golang.org/x/image/math/fixed"
	"golang.org/x/text/language"
	"golang.org/x/text/unicode/bidi"

	"lotse/assets"
)

// ErrFont means an embedded font could not be read: the build is broken.
var ErrFont = errors.New("shape: embedded font unusable")

// IsRTL reports whether s is a right-to-left paragraph: whether its first
// strongly directional letter is Arabic or Hebrew (rule P2 of the Unicode
// bidi algorithm). Digits, punctuation and spaces have no direction of
// their own, so "10:30" or "A042" stay left to right.
func IsRTL(s string) bool {
	for _, r := range s {
		p, _ := bidi.LookupRune(r)
		switch p.Class() {
		case bidi.L:
			return false
		case bidi.R, bidi.AL:
			return true
		}
	}
	return false
}

// rtlScripts are the scripts written right to left that a kiosk language
// could use.
var rtlScripts = map[string]bool{"Arab": true, "Hebr": true, "Syrc": true, "Thaa": true, "Nkoo": true, "Adlm": true, "Rohg": true}

// IsRTLLanguage reports whether the language tag (BCP 47, "ar", "fa",
// "ar-SY") is written right to left, so its screens are mirrored.
func IsRTLLanguage(tag string) bool {
	t, err := language.Parse(tag)
	if err != nil {
		return false
	}
	s, _ := t.Script()
	return rtlScripts[s.String()]
}

// Style is how a text is set.
type Style struct {
	Size float32 // the em size in pixels
	Bold bool
}

// Paragraph is a laid-out text: its lines, each with its runs in visual
// order (left to right on the screen).
type Paragraph struct {
	Lines     []Line
	Direction di.Direction // of the paragraph as a whole
	Size      float32      // the em size in pixels
}

// Line is one line of a paragraph.
type Line struct {
	Runs            []shaping.Output // in visual order, left to right
	Width           fixed.Int26_6
	Ascent, Descent fixed.Int26_6 // Descent is positive, below the baseline
}

// Width is the width of the widest line in whole pixels.
func (p Paragraph) Width() int {
	var w fixed.Int26_6
	for _, l := range p.Lines {
		w = max(w, l.Width)
	}
	return w.Ceil()
}

// Height is the height of all lines in whole pixels.
func (p Paragraph) Height() int {
	var h fixed.Int26_6
	for _, l := range p.Lines {
		h += l.Ascent + l.Descent
	}
	return h.Ceil()
}

// Glyphs returns the glyph ids of line i in visual order, left to right.
func (p Paragraph) Glyphs(i int) []font.GID {
	var out []font.GID
	for _, r := range p.Lines[i].Runs {
		for _, g := range r.Glyphs {
			out = append(out, g.GlyphID)
		}
	}
	return out
}

// Shaper lays out texts. It is safe for concurrent use.
type Shaper struct {
	mu sync.Mutex
	// done keeps recent layouts: the kiosk rebuilds a screen on every
	// change and lays the same texts out again, and shaping is the costly
	// part. Paragraphs are never changed once made, so they can be shared.
	done    map[layoutKey]Paragraph
	regular fontmap
	bold    fontmap
	hb      shaping.HarfbuzzShaper
	seg     shaping.Segmenter
	wrap    shaping.LineWrapper
}

// fontmap takes each letter from the first face that has it: Latin
// letters and digits from Fyne's font, so they match the rest of the
// kiosk, Arabic letters from Noto Sans Arabic, symbols from Fyne's
// symbol font.
type fontmap []*font.Face

func (m fontmap) ResolveFace(r rune) *font.Face {
	for _, f := range m {
		if _, ok := f.NominalGlyph(r); ok {
			return f
		}
	}
	return m[0]
}

var defaultShaper = sync.OnceValues(newShaper)

// Default returns the shaper with the embedded fonts, loaded once.
func Default() (*Shaper, error) { return defaultShaper() }

func newShaper() (*Shaper, error) {
	parse := func(name string, data []byte) (*font.Face, error) {
		f, err := font.ParseTTF(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrFont, name, err)
		}
		return f, nil
	}
	embedded := func(name string) (*font.Face, error) {
		data, err := assets.FS.ReadFile("fonts/" + name)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrFont, err)
		}
		return parse(name, data)
	}
	// Symbols such as the backspace key's ⌫ are in neither.
	symbols, err := parse("Fyne's symbol font", theme.DefaultSymbolFont().Content())
	if err != nil {
		return nil, err
	}
	s := &Shaper{}
	for _, m := range []struct {
		into   *fontmap
		latin  []byte
		arabic string
	}{
		{&s.regular, theme.DefaultTextFont().Content(), "NotoSansArabic-Regular.ttf"},
		{&s.bold, theme.DefaultTextBoldFont().Content(), "NotoSansArabic-Bold.ttf"},
	} {
		latin, err := parse("Fyne's text font", m.latin)
		if err != nil {
			return nil, err
		}
		arabic, err := embedded(m.arabic)
		if err != nil {
			return nil, err
		}
		*m.into = fontmap{latin, arabic, symbols}
	}
	return s, nil
}

type layoutKey struct {
	text     string
	style    Style
	maxWidth int
}

// cacheSize bounds Shaper.done: a few screens' worth of texts.
const cacheSize = 512

// Layout sets text in style, wrapping lines at maxWidth pixels (0: no
// wrapping). The paragraph runs right to left if IsRTL(text). The
// paragraph may be shared with other callers; it must not be changed.
func (s *Shaper) Layout(text string, st Style, maxWidth int) Paragraph {
	s.mu.Lock()
	defer s.mu.Unlock()
	if maxWidth <= 0 {
		maxWidth = math.MaxInt32
	}
	key := layoutKey{text, st, maxWidth}
	if p, ok := s.done[key]; ok {
		return p
	}
	p := s.layout(text, st, maxWidth)
	if len(s.done) >= cacheSize || s.done == nil {
		s.done = make(map[layoutKey]Paragraph, cacheSize)
	}
	s.done[key] = p
	return p
}

func (s *Shaper) layout(text string, st Style, maxWidth int) Paragraph {
	dir := di.DirectionLTR
	if IsRTL(text) {
		dir = di.DirectionRTL
	}
	p := Paragraph{Direction: dir, Size: st.Size}
	runes := []rune(text)
	if len(runes) == 0 {
		return p
	}
	faces := s.regular
	if st.Bold {
		faces = s.bold
	}
	in := shaping.Input{
		Text:      runes,
		RunEnd:    len(runes),
		Direction: dir,
		Face:      faces[0],
		Size:      fixed.Int26_6(math.Round(float64(st.Size) * 64)),
	}
	latin := s.hb.Shape(shaping.Input{Text: []rune{' '}, RunEnd: 1, Direction: di.DirectionLTR, Face: faces[0], Size: in.Size}).LineBounds
	var runs []shaping.Output
	for _, part := range spacesApart(s.seg.Split(in, faces), faces[0]) {
		runs = append(runs, s.hb.Shape(part))
	}
	lines, _ := s.wrap.WrapParagraph(shaping.WrapConfig{Direction: dir}, maxWidth, runes, shaping.NewSliceIterator(runs))
	for _, l := range lines {
		// The wrapper reuses its lines; the runs' glyphs are ours.
		line := Line{Runs: append([]shaping.Output(nil), l...)}
		sort.Slice(line.Runs, func(i, j int) bool { return line.Runs[i].VisualIndex < line.Runs[j].VisualIndex })
		// Lines are as high as Fyne's font's lines, and higher only where
		// a glyph reaches beyond them: Noto Sans Arabic's own line height
		// makes room for stacked marks the kiosk's texts hardly use, and
		// would make an Arabic tile taller than its neighbours.
		line.Ascent, line.Descent = latin.Ascent, -latin.Descent+latin.Gap
		for _, r := range line.Runs {
			line.Width += r.Advance
			b := r.LineBounds
			if r.Face != faces[0] {
				b = r.GlyphBounds
			}
			line.Ascent = max(line.Ascent, b.Ascent)
			line.Descent = max(line.Descent, -b.Descent+b.Gap)
		}
		p.Lines = append(p.Lines, line)
	}
	return p
}

// spacesApart moves spaces that their run's face has no glyph for into
// runs of their own in face: the segmenter leaves a space in the run
// before it (a space alone should not change the font), which after a
// symbol from the symbol font would draw a missing-glyph box.
func spacesApart(parts []shaping.Input, face *font.Face) []shaping.Input {
	var out []shaping.Input
	for _, part := range parts {
		start := part.RunStart
		for i := part.RunStart; i < part.RunEnd; i++ {
			r := part.Text[i]
			if _, ok := part.Face.NominalGlyph(r); ok || !unicode.IsSpace(r) {
				continue
			}
			if i > start {
				out = append(out, withRange(part, start, i, part.Face))
			}
			out = append(out, withRange(part, i, i+1, face))
			start = i + 1
		}
		if start < part.RunEnd {
			out = append(out, withRange(part, start, part.RunEnd, part.Face))
		}
	}
	return out
}

func withRange(in shaping.Input, start, end int, face *font.Face) shaping.Input {
	in.RunStart, in.RunEnd, in.Face = start, end, face
	return in
}

// Align is where each line sits within the drawing's width.
type Align int

// Alignments of lines.
const (
	AlignCenter Align = iota
	AlignStart        // left in a left-to-right paragraph, right in a right-to-left one
)

// Draw draws p in colour c into a new image of width pixels (at least the
// paragraph's width), each line aligned by a.
func Draw(p Paragraph, c color.Color, width int, a Align) *image.NRGBA {
	width = max(width, p.Width(), 1)
	img := image.NewNRGBA(image.Rect(0, 0, width, max(p.Height(), 1)))
	r := render.Renderer{FontSize: p.Size, PixScale: 1, Color: c}
	var y fixed.Int26_6
	for _, l := range p.Lines {
		y += l.Ascent
		var x fixed.Int26_6
		switch {
		case a == AlignCenter:
			x = (fixed.I(width) - l.Width) / 2
		case p.Direction.Progression() == di.TowardTopLeft:
			x = fixed.I(width) - l.Width
		}
		for _, run := range l.Runs {
			r.DrawShapedRunAt(run, draw.Image(img), x.Round(), y.Round())
			x += run.Advance
		}
		y += l.Descent
	}
	return img
}
