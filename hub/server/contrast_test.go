package server

import (
	"fmt"
	"io/fs"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The colours of the pages' style sheets, measured: every rule that sets
// a text colour and a background together (a badge, a banner, a disabled
// button, a state only some days show) is readable at 4.5:1. Texts that
// take their background from around them are measured where they are
// drawn, in TestPagesPassAxe.

// rgb is an opaque colour.
type rgb [3]float64

// luminance is WCAG 2's relative luminance.
func (c rgb) luminance() float64 {
	f := func(v float64) float64 {
		v /= 255
		if v <= 0.03928 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*f(c[0]) + 0.7152*f(c[1]) + 0.0722*f(c[2])
}

// contrast is WCAG 2's contrast ratio of two colours.
func contrast(a, b rgb) float64 {
	x, y := a.luminance(), b.luminance()
	return (math.Max(x, y) + 0.05) / (math.Min(x, y) + 0.05)
}

var (
	cssComment = regexp.MustCompile(`(?s)/\*.*?\*/`)
	cssRule    = regexp.MustCompile(`([^{}]+)\{([^{}]*)\}`)
	cssVar     = regexp.MustCompile(`^var\(\s*(--[\w-]+)\s*(?:,\s*(.+))?\)$`)
	cssRGB     = regexp.MustCompile(`^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)\s*(?:[,/]\s*([\d.]+%?))?\s*\)`)
	cssHex     = regexp.MustCompile(`^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})\b`)
)

// cssNamed are the colour keywords the style sheets use.
var cssNamed = map[string]rgb{"white": {255, 255, 255}, "black": {0, 0, 0}}

// cssColour reads an opaque colour at the start of v; ok is false for
// anything else (transparent, translucent, inherited, a gradient).
func cssColour(v string) (c rgb, ok bool) {
	v = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "!important"))
	if strings.Contains(v, "gradient") || strings.Contains(v, "url(") {
		return c, false
	}
	if m := cssHex.FindStringSubmatch(v); m != nil {
		h := m[1]
		if len(h) == 3 {
			h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
		}
		for i := range 3 {
			n, _ := strconv.ParseUint(h[2*i:2*i+2], 16, 8)
			c[i] = float64(n)
		}
		return c, true
	}
	if m := cssRGB.FindStringSubmatch(v); m != nil {
		if m[4] != "" && m[4] != "1" && m[4] != "100%" {
			return c, false
		}
		for i := range 3 {
			c[i], _ = strconv.ParseFloat(m[i+1], 64)
		}
		return c, true
	}
	c, ok = cssNamed[strings.Fields(v + " x")[0]]
	return c, ok
}

// cssResolve replaces a var() by its value: the rule's own custom
// properties first, then the sheet's :root.
func cssResolve(v string, local, root map[string]string) string {
	v = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "!important"))
	for range 8 {
		m := cssVar.FindStringSubmatch(v)
		if m == nil {
			return v
		}
		if x, ok := local[m[1]]; ok {
			v = x
		} else if x, ok := root[m[1]]; ok {
			v = x
		} else {
			v = m[2]
		}
		v = strings.TrimSpace(v)
	}
	return v
}

// cssPair is a rule's text colour on its own background.
type cssPair struct {
	selector string
	fg, bg   string
	ratio    float64
}

// cssTextPairs returns every rule of sheet that sets an opaque text colour
// and an opaque background.
func cssTextPairs(sheet string) []cssPair {
	sheet = cssComment.ReplaceAllString(sheet, "")
	type rule struct {
		selector string
		decls    map[string]string
	}
	var rules []rule
	root := map[string]string{}
	for _, m := range cssRule.FindAllStringSubmatch(sheet, -1) {
		sel := strings.TrimSpace(m[1])
		if i := strings.LastIndexAny(sel, ";}"); i >= 0 {
			sel = strings.TrimSpace(sel[i+1:])
		}
		decls := map[string]string{}
		for _, d := range strings.Split(m[2], ";") {
			name, value, ok := strings.Cut(d, ":")
			if ok {
				decls[strings.TrimSpace(name)] = strings.TrimSpace(value)
			}
		}
		if sel == ":root" {
			for k, v := range decls {
				if _, seen := root[k]; !seen && strings.HasPrefix(k, "--") {
					root[k] = v
				}
			}
		}
		rules = append(rules, rule{sel, decls})
	}
	var out []cssPair
	for _, r := range rules {
		fgv, okf := r.decls["color"]
		bgv, okb := r.decls["background-color"]
		if !okb {
			bgv, okb = r.decls["background"]
		}
		if !okf || !okb {
			continue
		}
		fgv, bgv = cssResolve(fgv, r.decls, root), cssResolve(bgv, r.decls, root)
		fg, ok1 := cssColour(fgv)
		bg, ok2 := cssColour(bgv)
		if !ok1 || !ok2 {
			continue
		}
		out = append(out, cssPair{r.selector, fgv, bgv, contrast(fg, bg)})
	}
	return out
}

// TestStyleSheetTextContrast: every text colour a page's style sheet sets
// on its own background reaches 4.5:1.
func TestStyleSheetTextContrast(t *testing.T) {
	sheets, err := fs.Glob(web, "web/*/*.css")
	if err != nil || len(sheets) == 0 {
		t.Fatalf("style sheets: %v %v", sheets, err)
	}
	pairs := 0
	for _, name := range sheets {
		b, err := fs.ReadFile(web, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range cssTextPairs(string(b)) {
			pairs++
			if p.ratio < minTextContrast {
				t.Errorf("%s %s: %s on %s at %.2f:1, want ≥ %.1f:1", name, p.selector, p.fg, p.bg, p.ratio, minTextContrast)
			}
		}
	}
	if pairs < 20 {
		t.Errorf("found only %d colour pairs: the reader of the style sheets misses rules", pairs)
	}
}

// TestCSSTextPairsReader: the style sheet reader finds pairs through
// custom properties, shorthands and media queries, and leaves out what it
// cannot judge.
func TestCSSTextPairsReader(t *testing.T) {
	const sheet = `:root { --ink: #111; --bg: #fff; --dim: #777777; }
/* .ignored { color: #fff; background: #fff; } */
.a { color: var(--ink); background: var(--bg); }
.b { background-color: rgb(0, 0, 0); color: white !important; }
@media (max-width: 10px) { .c { color: var(--dim); background: #ffffff url(x.png); } }
.d { color: #fff; background: rgba(0, 0, 0, .5); }
.e { color: var(--missing, #000); background: linear-gradient(#fff, #000); }
.f { --ink: #fff; color: var(--ink); background: #000; }`
	got := map[string]string{}
	for _, p := range cssTextPairs(sheet) {
		got[p.selector] = fmt.Sprintf("%.2f", p.ratio)
	}
	want := map[string]string{".a": "18.88", ".b": "21.00", ".f": "21.00"}
	if len(got) != len(want) {
		t.Fatalf("pairs %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s, want %s", k, got[k], v)
		}
	}
}
