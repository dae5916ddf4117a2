package ui

import (
	"bytes"
	"errors"
	"image"
	"image/draw"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"
)

// arabic reports whether s has an Arabic letter.
func arabic(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Arabic, r) {
			return true
		}
	}
	return false
}

// arabicScreen shows screen name (of screenSetups) in Arabic.
func arabicScreen(t *testing.T, h *harness, name string) {
	t.Helper()
	showIn(t, h, "ar", name)
}

// showIn shows screen name (of screenSetups) in lang.
func showIn(t *testing.T, h *harness, lang, name string) {
	t.Helper()
	for _, sc := range screenSetups {
		if sc.name == name {
			h.do(func() {
				h.kiosk.goIdle()
				h.kiosk.setLanguage(lang)
				sc.setup(h.kiosk)
				h.window.Resize(landscape)
			})
			return
		}
	}
	t.Fatalf("no screen setup %q", name)
}

// shapedOn returns the shaped texts on screen and where they are.
func (h *harness) shapedOn() map[string]fyne.Position {
	out := map[string]fyne.Position{}
	h.do(func() {
		walk(h.window.Canvas().Content(), func(o fyne.CanvasObject) {
			if s, ok := o.(*shapedText); ok {
				out[s.text] = fyne.CurrentApp().Driver().AbsolutePositionForObject(s)
			}
		})
	})
	return out
}

// tilePos returns where the tile labelled label is.
func (h *harness) tilePos(label string) (pos fyne.Position) {
	h.t.Helper()
	found := false
	h.do(func() {
		walk(h.window.Canvas().Content(), func(o fyne.CanvasObject) {
			if t, ok := o.(*tile); ok && t.text == label && !found {
				pos, found = fyne.CurrentApp().Driver().AbsolutePositionForObject(t), true
			}
		})
	})
	if !found {
		h.t.Fatalf("no tile %q", label)
	}
	return pos
}

// TestArabicScreens checks the Arabic screens: every Arabic text is shaped
// right to left (not laid out by Fyne, which puts the runs left to right),
// the screens are mirrored, and numbers, keypads and the ticket number keep
// their left-to-right order.
func TestArabicScreens(t *testing.T) {
	h := newHarness(t, landscape)
	ar := mustLoad(t, "ar")
	for _, tc := range []struct {
		screen string
		check  func(t *testing.T)
	}{
		{"idle", func(t *testing.T) {
			shaped := h.shapedOn()
			head, ok := shaped[ar.get("idle_scan")]
			if !ok {
				t.Fatalf("headline not shaped; shaped: %v", shaped)
			}
			var pic fyne.Position
			h.do(func() { pic = fyne.CurrentApp().Driver().AbsolutePositionForObject(h.kiosk.view.picture) })
			if head.Y >= pic.Y {
				t.Errorf("headline at y %v, not above the picture at %v", head.Y, pic.Y)
			}
			// Mirrored: the first action on the right, German last.
			if b, w := h.tilePos(ar.get("idle_birthdate")), h.tilePos(ar.get("idle_walkin")); b.X <= w.X {
				t.Errorf("birth date at x %v, walk-in at %v: not mirrored", b.X, w.X)
			}
			var office *widget.Label
			h.do(func() {
				walk(h.window.Canvas().Content(), func(o fyne.CanvasObject) {
					if l, ok := o.(*widget.Label); ok && l.Text == "Bürgerbüro Mitte" {
						office = l
					}
				})
			})
			if office == nil || office.Alignment != fyne.TextAlignTrailing {
				t.Errorf("the office's name is not aligned to the right: %v", office)
			}
			if de, en := h.tilePos("Deutsch"), h.tilePos("English"); de.X <= en.X {
				t.Errorf("Deutsch at x %v, English at %v: not mirrored", de.X, en.X)
			}
		}},
		{"birth-date", func(t *testing.T) {
			if back, cont := h.tilePos(ar.get("back")), h.tilePos(ar.get("birth_continue")); back.X <= cont.X {
				t.Errorf("back at x %v, continue at %v: not mirrored", back.X, cont.X)
			}
			// The keypad and the date read left to right in Arabic too.
			if one, three := h.tilePos("1"), h.tilePos("3"); one.X >= three.X {
				t.Errorf("key 1 at x %v, key 3 at %v: the keypad is mirrored", one.X, three.X)
			}
			var parts []*canvas.Text
			h.do(func() {
				walk(h.window.Canvas().Content(), func(o fyne.CanvasObject) {
					if t, ok := o.(*canvas.Text); ok && t.TextStyle.Monospace {
						parts = append(parts, t)
					}
				})
			})
			if len(parts) != 2 || parts[0].Position().X >= parts[1].Position().X {
				t.Errorf("the typed date is not left of its mask: %v", parts)
			}
		}},
		{"ticket", func(t *testing.T) {
			if _, ok := h.shapedOn()[ar.get("result_wait")]; !ok {
				t.Errorf("%q not shaped", ar.get("result_wait"))
			}
			found := false
			h.do(func() {
				walk(h.window.Canvas().Content(), func(o fyne.CanvasObject) {
					if t, ok := o.(*canvas.Text); ok && t.Text == "A042" {
						found = true
					}
				})
			})
			if !found {
				t.Error("the ticket number A042 is not a left-to-right text")
			}
		}},
	} {
		t.Run(tc.screen, func(t *testing.T) {
			arabicScreen(t, h, tc.screen)
			if u := h.unshaped(); len(u) > 0 {
				t.Errorf("Arabic laid out left to right by Fyne: %q", u)
			}
			tc.check(t)
		})
	}
}

// unshaped returns the texts in Arabic script on screen that Fyne lays out.
func (h *harness) unshaped() []string {
	var out []string
	h.do(func() {
		walk(h.window.Canvas().Content(), func(o fyne.CanvasObject) {
			var s string
			switch o := o.(type) {
			case *widget.Label:
				s = o.Text
			case *widget.RichText:
				s = o.String()
			case *canvas.Text:
				s = o.Text
			}
			if arabic(s) {
				out = append(out, s)
			}
		})
	})
	return out
}

// TestPersianScreens checks that every screen in Persian has its texts
// shaped and is mirrored, like Arabic. The screens are written to
// $LOTSE_KIOSK_SHOTS if set.
func TestPersianScreens(t *testing.T) {
	h := newHarness(t, landscape)
	fa := mustLoad(t, "fa")
	for _, sc := range screenSetups {
		t.Run(sc.name, func(t *testing.T) {
			showIn(t, h, "fa", sc.name)
			if dir := os.Getenv("LOTSE_KIOSK_SHOTS"); dir != "" {
				var shot image.Image
				h.do(func() { shot = h.window.Canvas().Capture() })
				writePNG(t, filepath.Join(dir, "fa-"+sc.name+".png"), shot)
			}
			if u := h.unshaped(); len(u) > 0 {
				t.Errorf("Persian laid out left to right by Fyne: %q", u)
			}
			if sc.name == "idle" {
				if b, w := h.tilePos(fa.get("idle_birthdate")), h.tilePos(fa.get("idle_walkin")); b.X <= w.X {
					t.Errorf("birth date at x %v, walk-in at %v: not mirrored", b.X, w.X)
				}
			}
		})
	}
}

func mustLoad(t *testing.T, lang string) texts {
	t.Helper()
	tx, err := loadTexts(lang)
	if err != nil {
		t.Fatal(err)
	}
	return tx
}

// TestArabicOCR has an independent reader, Tesseract with its Arabic
// data, read texts of the Arabic idle, birth-date and ticket screens back
// from the rendered screen, in order: unjoined letters, or runs and
// sentences placed left to right (as Fyne places them) do not read back.
// The screens are written to $LOTSE_KIOSK_SHOTS if set.
func TestArabicOCR(t *testing.T) {
	if _, err := exec.LookPath("tesseract"); err != nil {
		t.Skip("tesseract not installed (make sysdeps installs tesseract-ocr and tesseract-ocr-ara)")
	}
	if out, err := exec.Command("tesseract", "--list-langs").CombinedOutput(); err != nil || !strings.Contains(string(out), "\nara") {
		t.Skip("tesseract has no Arabic data (make sysdeps installs tesseract-ocr-ara)")
	}
	h := newHarness(t, landscape)
	ar := mustLoad(t, "ar")
	for _, tc := range []struct {
		screen string
		keys   []string
	}{
		{"idle", []string{"idle_scan"}},
		{"birth-date", []string{"birth_title", "birth_invalid"}},
		{"ticket", []string{"result_wait", "printer_paper_out"}},
	} {
		t.Run(tc.screen, func(t *testing.T) {
			arabicScreen(t, h, tc.screen)
			var shot image.Image
			h.do(func() { shot = h.window.Canvas().Capture() })
			if dir := os.Getenv("LOTSE_KIOSK_SHOTS"); dir != "" {
				writePNG(t, filepath.Join(dir, "ocr-ar-"+tc.screen+".png"), shot)
			}
			for _, key := range tc.keys {
				want := ar.get(key)
				var line image.Image
				h.do(func() {
					walk(h.window.Canvas().Content(), func(o fyne.CanvasObject) {
						if l, ok := o.(*widget.Label); (ok && l.Text == want) || textOf(o) == want {
							p := fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
							line = crop(shot, image.Rect(int(p.X), int(p.Y), int(p.X+o.Size().Width), int(p.Y+o.Size().Height)))
						}
					})
				})
				if line == nil {
					t.Fatalf("%q not on screen", want)
				}
				got := ocr(t, line)
				wantWords := arabicWords(want)
				read := commonInOrder(wantWords, arabicWords(got))
				t.Logf("tesseract read %q: %d of %d words in order", got, read, len(wantWords))
				// Tesseract misreads a letter now and then; most words must
				// come back exactly, and in their order.
				if read*4 < len(wantWords)*3 {
					t.Errorf("tesseract read %q, %d of the %d words of %q in order", got, read, len(wantWords), want)
				}
			}
		})
	}
}

// textOf returns the text of a shaped text, "" for anything else.
func textOf(o fyne.CanvasObject) string {
	if s, ok := o.(*shapedText); ok {
		return s.text
	}
	return ""
}

// commonInOrder returns the length of the longest common subsequence of a
// and b.
func commonInOrder(a, b []string) int {
	prev := make([]int, len(b)+1)
	for i := range a {
		cur := make([]int, len(b)+1)
		for j := range b {
			if a[i] == b[j] {
				cur[j+1] = prev[j] + 1
			} else {
				cur[j+1] = max(cur[j], prev[j+1])
			}
		}
		prev = cur
	}
	return prev[len(b)]
}

// arabicWords returns the Arabic words of s, without punctuation.
func arabicWords(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.Is(unicode.Arabic, r) || unicode.IsPunct(r) })
}

func crop(img image.Image, r image.Rectangle) image.Image {
	r = r.Intersect(img.Bounds())
	out := image.NewNRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	draw.Draw(out, out.Bounds(), img, r.Min, draw.Src)
	return out
}

func writePNG(t *testing.T, name string, img image.Image) {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// ocr reads img with tesseract in Arabic, as one block of text.
func ocr(t *testing.T, img image.Image) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "line.png")
	writePNG(t, name, img)
	out, err := exec.Command("tesseract", name, "stdout", "-l", "ara", "--psm", "6").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("tesseract: %v: %s", err, ee.Stderr)
		}
		t.Fatalf("tesseract: %v", err)
	}
	return strings.TrimSpace(string(out))
}
