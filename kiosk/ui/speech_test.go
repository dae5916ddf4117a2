package ui

import (
	"context"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"lotse/hardware/speech"
	"lotse/kiosk/internal/fakehub"
)

// speechRecorder is the kiosk's voice in tests: it notes every text in
// order (Speak runs on the UI goroutine, so the order is the kiosk's).
type speechRecorder struct {
	mu   sync.Mutex
	said []utterance
}

type utterance struct{ text, voice string }

func (r *speechRecorder) Speak(text, voice string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.said = append(r.said, utterance{text, voice})
}

// all returns what was said, in order.
func (r *speechRecorder) all() []utterance {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]utterance(nil), r.said...)
}

// last returns the last text said, "" if none.
func (r *speechRecorder) last() string {
	all := r.all()
	if len(all) == 0 {
		return ""
	}
	return all[len(all)-1].text
}

// key presses keys on the USB number keypad, one at a person's pace.
func (h *harness) key(keys string) {
	for _, r := range keys {
		h.clock.Advance(inputPause)
		h.do(func() { h.kiosk.typed([]rune{r}) })
	}
}

// TestBlindPathByKeypad plays a visit of a person who cannot see: the
// keypad's help key, the birth date typed with one mistake, Backspace and
// Enter lead to a ticket, and every step is said aloud. The recorded texts
// are then spoken by espeak-ng into WAV files and measured with sox, so
// that each step is real, audible speech.
func TestBlindPathByKeypad(t *testing.T) {
	h := newHarness(t, landscape)
	if got := h.speech.all(); len(got) != 0 {
		t.Fatalf("the kiosk spoke before anyone asked: %q", got)
	}
	type step struct {
		name   string
		keys   string
		screen Screen
		said   []string // fragments of what the kiosk says after the keys
	}
	steps := []step{
		{"help key", "+", ScreenIdle, []string{"QR-Code", "Geburtsdatum ein und drücken Sie die Eingabetaste", "Plus-Taste"}},
		{"first digit starts the entry", "1", ScreenBirthDate, []string{"eins"}},
		{"digits are spoken as typed", "5", ScreenBirthDate, []string{"fünf"}},
		{"separator", ".", ScreenBirthDate, []string{"Punkt"}},
		{"more digits", "3.195", ScreenBirthDate, []string{"fünf"}},
		{"Enter too early: the error is spoken", "\n", ScreenBirthDate, []string{"Jahr mit vier Ziffern"}},
		{"wrong digit", "9", ScreenBirthDate, []string{"neun"}},
		{"Backspace", "\b", ScreenBirthDate, []string{"Gelöscht", "eins, fünf, Punkt, drei, Punkt, eins, neun, fünf"}},
		{"help key repeats the screen", "*", ScreenBirthDate, []string{"Geburtsdatum ein", "Eingabetaste sendet"}},
		{"last digit", "0", ScreenBirthDate, []string{"null"}},
	}
	for _, s := range steps {
		before := len(h.speech.all())
		h.key(s.keys)
		h.waitScreen(s.screen)
		said := h.speech.all()[before:]
		if len(said) == 0 {
			t.Fatalf("%s: nothing said", s.name)
		}
		text := said[len(said)-1].text
		for _, want := range s.said {
			if !strings.Contains(text, want) {
				t.Errorf("%s: said %q, want it to contain %q", s.name, text, want)
			}
		}
	}
	h.key("\n")
	h.waitScreen(ScreenTicket)
	waitFor(t, func() bool { return strings.Contains(h.speech.last(), "Ihre Nummer: A, null, null, drei.") },
		"the ticket to be spoken; said %q", h.speech.last())
	for _, want := range []string{"Anmeldung einer Wohnung", "Bitte warten Sie", "Noch einmal: Ihre Nummer ist A, null, null, drei", "Eingabetaste, wenn Sie fertig"} {
		if !strings.Contains(h.speech.last(), want) {
			t.Errorf("ticket said %q, want %q", h.speech.last(), want)
		}
	}
	if reqs := h.hub.Requests(); !strings.Contains(strings.Join(reqs, " "), fakehub.BirthSingle) {
		t.Errorf("the hub did not get the birth date: %q", reqs)
	}
	// Enter ends the visit: the voice stops, and the next person gets a
	// silent kiosk again.
	n := len(h.speech.all())
	h.key("\n")
	h.waitScreen(ScreenIdle)
	h.do(func() { h.kiosk.touch() })
	if got := h.speech.all()[n:]; len(got) != 1 || got[0].text != "" {
		t.Errorf("after the visit the kiosk said %q, want only a stop (\"\")", got)
	}

	t.Run("audible", func(t *testing.T) {
		measureSpeech(t, h.speech.all())
	})
}

// measureSpeech speaks every utterance into a WAV file with espeak-ng and
// checks with sox that it lasts as long as its words need and is not
// silence. It skips, saying so, where espeak-ng or sox is not installed.
func measureSpeech(t *testing.T, said []utterance) {
	e, err := speech.Find("")
	if err != nil {
		t.Skipf("SKIP: espeak-ng is not installed (make sysdeps installs espeak-ng sox): %v", err)
	}
	sox, err := exec.LookPath("sox")
	if err != nil {
		t.Skipf("SKIP: sox is not installed (make sysdeps installs espeak-ng sox): %v", err)
	}
	dir := t.TempDir()
	seen := map[string]bool{"": true} // "" stops speech
	for i, u := range said {
		if seen[u.text] {
			continue
		}
		seen[u.text] = true
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		wav := filepath.Join(dir, strconv.Itoa(i)+".wav")
		err := e.WriteWAV(ctx, u.text, u.voice, wav)
		cancel()
		if err != nil {
			t.Fatalf("%q: %v", u.text, err)
		}
		out, err := exec.Command(sox, wav, "-n", "stat").CombinedOutput()
		if err != nil {
			t.Fatalf("sox stat %q: %v: %s", u.text, err, out)
		}
		length, rms := soxStat(t, string(out), "Length (seconds)"), soxStat(t, string(out), "RMS     amplitude")
		// espeak-ng at 150 words a minute needs 0.4 s a word; less than
		// half of that means words were lost.
		words := len(strings.Fields(u.text))
		if min := 0.2 * float64(words); length < min {
			t.Errorf("%q: %.2f s of speech for %d words, want at least %.2f s", u.text, length, words, min)
		}
		if rms < 0.02 {
			t.Errorf("%q: RMS amplitude %.4f: silence", u.text, rms)
		}
		t.Logf("%5.2f s, RMS %.3f: %s", length, rms, u.text)
	}
}

// soxStat reads one value of sox's stat output.
func soxStat(t *testing.T, out, name string) float64 {
	t.Helper()
	m := regexp.MustCompile(regexp.QuoteMeta(name) + `:\s+([0-9.]+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("sox stat has no %q: %s", name, out)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestSpellTicketNumber checks that ticket numbers are spelled in the
// visit's language, digit by digit, as the board shows them.
func TestSpellTicketNumber(t *testing.T) {
	tests := []struct{ lang, number, want string }{
		{"de", "A042", "A, null, vier, zwei"},
		{"de-LS", "A042", "A, null, vier, zwei"},
		{"en", "A042", "A, zero, four, two"},
		{"tr", "P105", "P, bir, sıfır, beş"},
		{"uk", "A042", "A, нуль, чотири, два"},
		{"ru", "A042", "A, ноль, четыре, два"},
	}
	h := newHarness(t, landscape)
	for _, tt := range tests {
		var got string
		h.do(func() {
			h.kiosk.setLanguage(tt.lang)
			got = h.kiosk.spell(tt.number)
		})
		if got != tt.want {
			t.Errorf("%s: spell(%q) = %q, want %q", tt.lang, tt.number, got, tt.want)
		}
	}
	if v := speech.Voice("de-LS"); v != "de" {
		t.Errorf("easy German speaks with voice %q, want de", v)
	}
}

// TestReadAloudOnEveryScreen taps "Vorlesen" on every screen in every
// language and checks that it says the screen's instruction or result.
func TestReadAloudOnEveryScreen(t *testing.T) {
	h := newHarness(t, landscape)
	for _, lang := range DefaultLanguages {
		for _, sc := range screenSetups {
			if sc.name == "staff" {
				continue // staff read their own screen
			}
			var label, want string
			h.do(func() {
				h.kiosk.goIdle()
				h.kiosk.setLanguage(lang)
				sc.setup(h.kiosk)
				label = h.kiosk.text.get("access_read")
				switch sc.name {
				case "ticket":
					want = h.kiosk.spell("A042")
				case "message":
					want = h.kiosk.visit.message
				case "birth-date":
					want = h.kiosk.text.get(string(birthNoSuchDate))
				case "choice":
					want = h.kiosk.text.get("choice_time", "time", "11:00")
				case "walk-in":
					want = h.kiosk.text.get("walkin_title")
				case "idle":
					want = h.kiosk.text.get("idle_scan")
				case "busy":
					want = h.kiosk.text.get("busy")
				case "out-of-order":
					want = h.kiosk.text.get("out_of_order_text")
				}
			})
			h.tap(label)
			if got := h.speech.last(); !strings.Contains(got, want) {
				t.Errorf("%s/%s: Vorlesen said %q, want it to contain %q", lang, sc.name, got, want)
			}
		}
	}
}

// TestKeypadPicksChoice checks that on the choice screen a digit key picks
// the appointment read out with that number.
func TestKeypadPicksChoice(t *testing.T) {
	h := newHarness(t, landscape)
	h.key("+")
	h.key("01071980\n")
	h.waitScreen(ScreenChoice)
	waitFor(t, func() bool { return strings.Contains(h.speech.last(), "Taste zwei: 11:00 Uhr") },
		"the choices to be read; said %q", h.speech.last())
	h.key("2")
	h.waitScreen(ScreenTicket)
	h.wantText("A005")
	h.key("-")
	h.waitScreen(ScreenIdle)
}
