package shape

import (
	"image/color"
	"slices"
	"strings"
	"testing"

	"github.com/go-text/typesetting/di"
	"github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/shaping"

	"lotse/assets"
)

func shaper(t *testing.T) *Shaper {
	t.Helper()
	s, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestIsRTL(t *testing.T) {
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"رقمك", true},
		{"شماره شما", true},         // Persian
		{"«يرجى» الانتظار", true},   // punctuation first
		{"10:30 يرجى", true},        // digits have no direction of their own
		{"A042 رقمك", false},        // a Latin letter comes first
		{"Ihre Nummer A042", false}, // German
		{"10:30", false},            // nothing strong: left to right
		{"", false},                 //
		{"Номер", false},            // Cyrillic
		{"שלום", true},              // Hebrew
		{"Sıranız gelecek.", false}, // Turkish
		{"DD.MM.YYYY", false},       // the Arabic screen's date mask
		{"⌫ حذف رقم", true},         // the backspace key
		{"- ١٢٣", false},            // Arabic-Indic digits are weak (AN)
	} {
		if got := IsRTL(tc.text); got != tc.want {
			t.Errorf("IsRTL(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}

func TestIsRTLLanguage(t *testing.T) {
	for tag, want := range map[string]bool{
		"ar": true, "fa": true, "ar-SY": true, "he": true, "ur": true,
		"de": false, "en": false, "tr": false, "uk": false, "ru": false, "": false, "x!": false,
	} {
		if got := IsRTLLanguage(tag); got != want {
			t.Errorf("IsRTLLanguage(%q) = %v, want %v", tag, got, want)
		}
	}
}

// TestArabicJoins checks that the letters of Arabic words take their
// joined forms: each word, shaped as a whole, must use other glyphs than
// its letters shaped one by one (their isolated forms), the way Fyne
// draws them with a font that lacks the joining tables or without one.
func TestArabicJoins(t *testing.T) {
	s := shaper(t)
	st := Style{Size: 40}
	for _, word := range []string{"رقمك", "تسجيل", "الميلاد", "متابعة", "موعدك", "شماره"} {
		p := s.Layout(word, st, 0)
		if len(p.Lines) != 1 {
			t.Fatalf("%s: %d lines", word, len(p.Lines))
		}
		joined := p.Glyphs(0)
		var isolated []font.GID
		for _, r := range word {
			isolated = append(isolated, s.Layout(string(r), st, 0).Glyphs(0)...)
		}
		// The isolated letters in visual order: right to left.
		slices.Reverse(isolated)
		if slices.Equal(joined, isolated) {
			t.Errorf("%s: joined glyphs %v are the isolated forms", word, joined)
		}
		for _, g := range joined {
			if g == 0 {
				t.Errorf("%s: glyph 0 (no glyph in the font) in %v", word, joined)
			}
		}
		if p.Direction != di.DirectionRTL {
			t.Errorf("%s: direction %v, want right to left", word, p.Direction)
		}
	}
}

// visualRunes returns the runes of line 0 in the order they appear on the
// screen, left to right, by the glyphs' clusters.
func visualRunes(p Paragraph, text []rune) []rune {
	var out []rune
	for _, run := range p.Lines[0].Runs {
		last := -1
		for _, g := range run.Glyphs {
			if g.ClusterIndex != last {
				out = append(out, text[g.ClusterIndex])
				last = g.ClusterIndex
			}
		}
	}
	return out
}

// TestOrder checks the visual order of mixed lines: Arabic runs right to
// left, while numbers, codes and Latin words inside them stay left to
// right, and a full stop ends the sentence on its left.
func TestOrder(t *testing.T) {
	s := shaper(t)
	for _, tc := range []struct {
		text string
		want string // the characters as seen, left to right
	}{
		{"رقمك A042", "A042 كمقر"},
		{"Ihre Nummer A042", "Ihre Nummer A042"},
		{"يرجى التحقق.", ".ققحتلا ىجري"},
		{"مثال: 28.1.1947", "28.1.1947 :لاثم"},
		{"موعدك: 10:30", "10:30 :كدعوم"},
		{"حوالي 12 دقيقة", "ةقيقد 12 يلاوح"},
	} {
		p := s.Layout(tc.text, Style{Size: 32}, 0)
		got := string(visualRunes(p, []rune(tc.text)))
		// Spaces at run boundaries belong to one run or the other; the
		// order of the letters is what matters.
		if strings.ReplaceAll(got, " ", "") != strings.ReplaceAll(tc.want, " ", "") {
			t.Errorf("%q shows as %q, want %q", tc.text, got, tc.want)
		}
	}
}

// TestWrap checks that a long Arabic sentence wraps within the width, with
// its first words on the first line, and is drawn on the right when
// aligned to its start.
func TestWrap(t *testing.T) {
	s := shaper(t)
	text := "يرجى وضع رمز QR من تأكيد موعدك تحت الماسح الضوئي"
	st := Style{Size: 32, Bold: true}
	whole := s.Layout(text, st, 0)
	if len(whole.Lines) != 1 {
		t.Fatalf("unwrapped: %d lines", len(whole.Lines))
	}
	width := whole.Width() / 2
	p := s.Layout(text, st, width)
	if len(p.Lines) < 2 {
		t.Fatalf("%d lines at %d px, want 2 or more", len(p.Lines), width)
	}
	for i, l := range p.Lines {
		if l.Width.Ceil() > width {
			t.Errorf("line %d is %d px wide, more than %d", i, l.Width.Ceil(), width)
		}
	}
	first := p.Lines[0].Runs
	firstRune := slices.MinFunc(first, func(a, b shaping.Output) int { return a.Runes.Offset - b.Runes.Offset }).Runes.Offset
	if firstRune != 0 {
		t.Errorf("the first line starts at rune %d", firstRune)
	}
	if p.Height() <= whole.Height() {
		t.Errorf("height %d of %d lines, one line is %d", p.Height(), len(p.Lines), whole.Height())
	}

	img := Draw(p, color.Black, 3*width, AlignStart)
	var left, right int
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if img.NRGBAAt(x, y).A > 0 {
				if x < b.Dx()/2 {
					left++
				} else {
					right++
				}
			}
		}
	}
	if right == 0 || left != 0 {
		t.Errorf("ink left %d, right %d: want all of it on the right", left, right)
	}
}

// TestTranslationsHaveGlyphs checks that every kiosk text of a
// right-to-left language is drawn with real glyphs, none missing from the
// embedded fonts.
func TestTranslationsHaveGlyphs(t *testing.T) {
	s := shaper(t)
	n := 0
	for _, lang := range assets.Languages("kiosk") {
		if !IsRTLLanguage(lang) {
			continue
		}
		n++
		msgs, err := assets.Messages("kiosk", lang)
		if err != nil {
			t.Fatal(err)
		}
		for key, text := range msgs {
			for _, bold := range []bool{false, true} {
				p := s.Layout(text, Style{Size: 32, Bold: bold}, 0)
				for i := range p.Lines {
					if slices.Contains(p.Glyphs(i), 0) {
						t.Errorf("%s %s (bold %v): a letter of %q has no glyph", lang, key, bold, text)
					}
				}
			}
		}
	}
	if n == 0 {
		t.Error("no right-to-left kiosk language")
	}
}
