package qr

import (
	"errors"
	"fmt"
	"image"
	"path/filepath"
	"strings"
	"testing"
)

// TestPrecheckKeepsDecodableCodes proves the pre-check on every image that
// gozxing decodes without it: the photos of testdata and our own codes
// rendered at several module sizes, rotations and degradations. A frame
// the pre-check rejects is never shown to gozxing, so one miss here is a
// code the kiosk would no longer read.
func TestPrecheckKeepsDecodableCodes(t *testing.T) {
	type frame struct {
		name string
		img  image.Image
	}
	var frames []frame
	photos, err := filepath.Glob(filepath.Join("testdata", "photos", "*.*g"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range photos {
		frames = append(frames, frame{filepath.Base(p), loadImage(t, p)})
	}
	texts := []string{
		"LOTSE:A-20250314-0042:Zq7vK2pX9mW4",
		"https://termine.example.de/buergerbuero/cancel?process=1234567&authKey=ab12cd34ef",
	}
	degrade := []struct {
		name string
		f    func(*image.Gray) image.Image
	}{
		{"plain", func(g *image.Gray) image.Image { return g }},
		{"blurred", func(g *image.Gray) image.Image { return boxBlur(g, 1) }},
		{"noisy", func(g *image.Gray) image.Image { return addNoise(g, 30, 9) }},
		{"JPEG 30", func(g *image.Gray) image.Image { return jpegRoundTrip(t, g, 30) }},
		{"inverted", func(g *image.Gray) image.Image { return invert(g) }},
		{"dim", func(g *image.Gray) image.Image { return addNoise(contrast(g, 50, 100), 6, 4) }},
	}
	for ti, text := range texts {
		code, err := Encode(text, 0) // one pixel per module
		if err != nil {
			t.Fatal(err)
		}
		for si, module := range []float64{1, 1.5, 2, 3, 5, 8} {
			for ri, deg := range []float64{0, 15, 30, 45, 70} {
				if module*float64(code.Bounds().Dx()) > 470 || module < 3 && deg != 0 {
					continue // too big for the frame; small and rotated is unreadable anyway
				}
				// Every degradation at every size, rotations spread over them.
				for di, d := range degrade {
					if (si+ri+di+ti)%3 != 0 && d.name != "plain" {
						continue
					}
					name := fmt.Sprintf("text %d, module %.1f px, %g°, %s", ti, module, deg, d.name)
					frames = append(frames, frame{name, d.f(place(code, deg, 0, module))})
				}
			}
		}
	}
	decodable, kept := 0, 0
	for _, f := range frames {
		plane := grayFromImage(f.img)
		if _, err := decodeGray(plane); err != nil {
			continue
		}
		decodable++
		if mayHoldCode(plane) {
			kept++
			continue
		}
		t.Errorf("%s: gozxing decodes it, the pre-check rejects it", f.name)
	}
	t.Logf("pre-check kept %d of %d decodable frames (%d frames)", kept, decodable, len(frames))
	if decodable < 100 {
		t.Errorf("only %d of %d frames decodable: the proof covers too little", decodable, len(frames))
	}
}

// TestPrecheckRejectsEmptyViews checks that frames without a code are
// rejected before gozxing runs: that is the whole point of the pre-check.
// (Before it, every such frame went through all of gozxing's attempts.)
func TestPrecheckRejectsEmptyViews(t *testing.T) {
	tests := []struct {
		name string
		img  image.Image
	}{
		{"noise", jpegRoundTrip(t, addNoise(contrast(noiseImage(640, 480, 3), 90, 160), 10, 5), 80)},
		{"other noise", addNoise(contrast(noiseImage(640, 480, 11), 60, 200), 5, 6)},
		{"flat wall", addNoise(contrast(blankGray(640, 480), 150, 150), 3, 7)},
		{"text page", jpegRoundTrip(t, textPage(640, 480), 80)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := gozxingAttempts.Load()
			if _, err := Decode(tt.img); !errors.Is(err, ErrNoFinderPatterns) || !errors.Is(err, ErrNotFound) {
				t.Fatalf("Decode error = %v, want ErrNoFinderPatterns and ErrNotFound", err)
			}
			if n := gozxingAttempts.Load() - before; n != 0 {
				t.Errorf("gozxing ran %d times on a frame without finder patterns, want 0", n)
			}
		})
	}
}

// TestPrecheckRejectsNoise: a noisy sensor's frames differ from each
// other; nearly all of them must be rejected, not just one.
func TestPrecheckRejectsNoise(t *testing.T) {
	const frames = 30
	passed := 0
	for seed := range uint64(frames) {
		lo, hi := 60+int(seed), 200-int(seed)
		f := jpegRoundTrip(t, addNoise(contrast(noiseImage(640, 480, seed+100), lo, hi), 10, seed), 80)
		if mayHoldCode(grayFromImage(f)) {
			passed++
		}
	}
	if passed > frames/10 {
		t.Errorf("%d of %d noise frames pass the pre-check, want at most %d", passed, frames, frames/10)
	}
}

func blankGray(w, h int) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for i := range g.Pix {
		g.Pix[i] = 255
	}
	return g
}

// textPage is a page of printed lines: many edges, no finder patterns.
func textPage(w, h int) *image.Gray {
	g := blankGray(w, h)
	line := strings.Repeat("Bürgerbüro Mitte, Schalter 5 ", 4)
	for y := 20; y+12 < h; y += 18 {
		x := 20
		for i, r := range line {
			if x+6 >= w-20 {
				break
			}
			// Glyph-like blocks of varying width and height.
			cw := 3 + int(r)%4
			ch := 6 + (i*7+int(r))%6
			if r != ' ' {
				for yy := y + 12 - ch; yy < y+12; yy++ {
					for xx := x; xx < x+cw-1; xx++ {
						g.Pix[yy*g.Stride+xx] = 30
					}
				}
			}
			x += cw + 1
		}
	}
	return boxBlur(g, 1)
}
