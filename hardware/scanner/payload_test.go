package scanner

import (
	"context"
	"image"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"lotse/hardware/qr"
)

// payloadCases are what scanners send for a code, as printable text (the
// terminators are added per path), and the payload the kiosk must get.
var payloadCases = []struct {
	name, sent, want string
}{
	{"plain", "LOTSE:M-12:abc", "LOTSE:M-12:abc"},
	{"QR model 2", "]Q1LOTSE:M-12:abc", "LOTSE:M-12:abc"},
	{"QR model 1", "]Q0LOTSE:1:q0", "LOTSE:1:q0"},
	{"QR with ECI", `]Q2\000026LOTSE:1:q2`, "LOTSE:1:q2"},
	{"QR FNC1 first", "]Q3LOTSE:1:q3", "LOTSE:1:q3"},
	{"QR FNC1 first with ECI", `]Q4\000026LOTSE:1:q4`, "LOTSE:1:q4"},
	{"QR FNC1 second", "]Q5LOTSE:1:q5", "LOTSE:1:q5"},
	{"QR FNC1 second with ECI", `]Q6\000026LOTSE:1:q6`, "LOTSE:1:q6"},
	{"QR ECI escaped backslash", `]Q2\000026https://t.example/?process=9&authKey=a\\b`, `https://t.example/?process=9&authKey=a\b`},
	{"QR ECI marker inside", `]Q2LOTSE:1:\000026ecimid`, "LOTSE:1:ecimid"},
	{"Code 128", "]C0LOTSE:1:c0", "LOTSE:1:c0"},
	{"Code 128 GS1", "]C1LOTSE:1:c1", "LOTSE:1:c1"},
	{"Data Matrix", "]d1LOTSE:1:d1", "LOTSE:1:d1"},
	{"Data Matrix with ECI marker", `]d2\000026LOTSE:1:d2`, "LOTSE:1:d2"},
	{"Data Matrix ECI", `]d4\000026LOTSE:1:d4\\x`, `LOTSE:1:d4\x`},
	{"EAN", "]E0LOTSE:1:e0", "LOTSE:1:e0"},
	{"Code 39", "]A0LOTSE:1:a0", "LOTSE:1:a0"},
	{"ITF", "]I0LOTSE:1:i0", "LOTSE:1:i0"},
	{"PDF417", "]L0LOTSE:1:l0", "LOTSE:1:l0"},
	{"PDF417 ECI", `]L1\000026LOTSE:1:l1`, "LOTSE:1:l1"},
	{"Aztec", "]z0LOTSE:1:z0", "LOTSE:1:z0"},
	{"Aztec ECI", `]z3\000026LOTSE:1:z3`, "LOTSE:1:z3"},
	{"link", "]Q1https://t.example/?process=123&authKey=ab12", "https://t.example/?process=123&authKey=ab12"},
	{"umlaut kept", "]Q1Grüße", "Grüße"},
	{"backslash kept without ECI", `]Q1a\b\000026`, `a\b\000026`},
	{"not an identifier", "]]Q1abc", "]]Q1abc"},
	{"blanks around", "  ]Q1LOTSE:1:blank  ", "LOTSE:1:blank"},
	{"US scanner on German PC", "+Q1LOTSEÖMß12Öabzy", "LOTSE:M-12:abyz"},
	{"US scanner on German PC, link", "httpsÖ--t.example-_process´123/authKez´ab12", "https://t.example/?process=123&authKey=ab12"},
	{"German scanner on US PC", "LOTSE>M/12>abzy", "LOTSE:M-12:abyz"},
	{"Caps Lock on", "]q1lotse:m-12:ABYZ", "LOTSE:M-12:abyz"},
	{"Caps Lock on, link", "HTTPS://T.EXAMPLE/?PROCESS=123&AUTHkEY=AB12", "https://t.example/?process=123&authKey=ab12"},
	{"Caps Lock on, US scanner on German PC", "+q1lotseömß12öABZY", "LOTSE:M-12:abyz"},
	{"Caps Lock on, newer German layout", "lotseömẞ12öABZY", "LOTSE:M-12:abyz"},
	{"Caps Lock on, with ECI marker", `]q2\000026lotse:m-12:ABYZ`, "LOTSE:M-12:abyz"},
	{"a signature inside a link is payload", "https://t.example/?c=lotse:AB&x=LOTSEÖ", "https://t.example/?c=lotse:AB&x=LOTSEÖ"},
	{"identifier only", "]Q1", ""},
}

// TestPayloadEveryPath sends every case through each scanner path (serial
// with each terminator, keyboard wedge with and without Enter, camera)
// and expects the same payload from all of them.
func TestPayloadEveryPath(t *testing.T) {
	for _, tc := range payloadCases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Payload(tc.sent, Affixes{}); got != tc.want {
				t.Errorf("Payload(%q) = %q, want %q", tc.sent, got, tc.want)
			}
			for _, term := range []string{"\r", "\n", "\r\n", "\t", "\t\r\n", ""} {
				f := LineFramer{Gap: 100 * time.Millisecond}
				frames := f.Feed([]byte(tc.sent+term), t0)
				frames = append(frames, f.Flush(t0.Add(time.Second))...)
				if got := frameCodes(frames); got != tc.want {
					t.Errorf("serial with %q: %q, want %q", term, got, tc.want)
				}
			}
			for _, enter := range []bool{true, false} {
				text := tc.sent
				if enter {
					text += "\n"
				}
				d := WedgeDetector{}
				var got []string
				for _, ev := range typeKeys(t0, text, 3*time.Millisecond) {
					if r := d.Key(ev); r.Code != "" {
						got = append(got, r.Code)
					}
				}
				if r := d.Tick(t0.Add(time.Minute)); r.Code != "" {
					got = append(got, r.Code)
				}
				if strings.Join(got, "|") != tc.want {
					t.Errorf("wedge (Enter %v): %q, want %q", enter, got, tc.want)
				}
			}
		})
	}
}

func frameCodes(frames []Frame) string {
	var codes []string
	for _, f := range frames {
		if f.Code != "" {
			codes = append(codes, f.Code)
		}
	}
	return strings.Join(codes, "|")
}

// TestPayloadSerialAndCameraSources runs the cases through the real Serial
// and Camera loops, so that a source cannot bypass Payload.
func TestPayloadSerialAndCameraSources(t *testing.T) {
	var sent, want []string
	for _, tc := range payloadCases {
		if tc.want != "" {
			sent = append(sent, tc.sent)
			want = append(want, tc.want)
		}
	}
	// Characters that every keyboard layout types alike.
	affixes := Affixes{Prefixes: []string{"%%"}, Suffixes: []string{"!!"}}

	t.Run("serial", func(t *testing.T) {
		device := filepath.Join(t.TempDir(), "ttyACM0")
		if err := os.WriteFile(device, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		port := &fakePort{data: make(chan []byte, len(sent)), closed: make(chan struct{})}
		for i, s := range sent {
			// Alternate the framing a scanner can be set to.
			switch i % 3 {
			case 0:
				port.data <- []byte(s + "\r\n")
			case 1:
				port.data <- []byte("\x02%%" + s + "!!\x03\r")
			case 2:
				port.data <- []byte(s + "\t")
			}
		}
		src := &Serial{Device: device, Affixes: affixes, Dedupe: &Deduper{Window: time.Nanosecond},
			Logger: quietLogger(), open: func(string, int, time.Duration) (io.ReadCloser, error) { return port, nil }}
		got := collectScans(t, src, len(want))
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("serial delivered\n%q\nwant\n%q", got, want)
		}
	})

	t.Run("camera", func(t *testing.T) {
		var imgs []image.Image
		for i, s := range sent {
			if i%2 == 1 {
				s = "%%" + s + "!!\n"
			}
			img, err := qr.Encode(s, 240)
			if err != nil {
				t.Fatal(err)
			}
			imgs = append(imgs, img)
		}
		src := &Camera{Name: "camera", Affixes: affixes, Dedupe: &Deduper{Window: time.Nanosecond}, Logger: quietLogger(),
			Open: func(context.Context) (Frames, error) { return &imageFrames{imgs: imgs}, nil }}
		got := collectScans(t, src, len(want))
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("camera delivered\n%q\nwant\n%q", got, want)
		}
	})
}

// collectScans runs src until it has delivered n codes.
func collectScans(t *testing.T, src Source, n int) []string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	var got []string
	enough := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		src.Run(ctx, func(s Scan) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, s.Code)
			if len(got) == n {
				close(enough)
			}
		})
	}()
	select {
	case <-enough:
	case <-done:
	case <-time.After(waitLong):
		t.Errorf("timed out waiting for %d codes", n)
	}
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	return got
}

// fakePort behaves like a serial port read with a timeout: it hands out
// queued writes and otherwise reports (0, io.EOF) after the read timeout.
type fakePort struct {
	data   chan []byte
	closed chan struct{}
	once   sync.Once
}

func (p *fakePort) Read(b []byte) (int, error) {
	select {
	case d := <-p.data:
		return copy(b, d), nil
	case <-p.closed:
		return 0, io.EOF
	case <-time.After(serialReadTimeout):
		return 0, io.EOF
	}
}

func (p *fakePort) Close() error {
	p.once.Do(func() { close(p.closed) })
	return nil
}

type imageFrames struct{ imgs []image.Image }

func (f *imageFrames) Next() (image.Image, error) {
	if len(f.imgs) == 0 {
		return nil, io.EOF
	}
	img := f.imgs[0]
	f.imgs = f.imgs[1:]
	return img, nil
}

func (f *imageFrames) Close() error { return nil }

// FuzzPayload checks the stripping on any input. Whatever a scanner
// sends, Payload never panics, never grows its input, keeps valid UTF-8
// valid and leaves no framing at the ends. And for every payload p that
// Payload leaves as it is, any valid AIM identifier in front of p (with
// the ECI escaping its modifier calls for, with or without an ECI marker)
// and any framing around it give p again.
func FuzzPayload(f *testing.F) {
	for _, tc := range payloadCases {
		f.Add(tc.sent, byte('Q'), byte('1'), false, "")
	}
	f.Add(`a\b\000026`, byte('Q'), byte('2'), true, "<")
	f.Add("\x02]d4\\0000\x03", byte('d'), byte('4'), false, "]")
	f.Add("https://t.example/?process=1&authKey=x", byte('z'), byte('3'), true, "")
	f.Fuzz(func(t *testing.T, p string, code, modifier byte, marker bool, prefix string) {
		if !utf8.ValidString(prefix) {
			return // configured affixes are text
		}
		got := Payload(p, Affixes{Prefixes: []string{prefix}, Suffixes: []string{prefix}})
		if utf8.ValidString(p) && !utf8.ValidString(got) {
			t.Fatalf("Payload(%q) = %q: invalid UTF-8", p, got)
		}
		if utf8.RuneCountInString(got) > utf8.RuneCountInString(p) {
			t.Fatalf("Payload(%q) = %q: longer than its input", p, got)
		}
		if got != trimFraming(got) {
			t.Fatalf("Payload(%q) = %q: framing left", p, got)
		}

		id := "]" + string(code) + string(modifier)
		if _, ok := aimModifier(id); !ok || Payload(p, Affixes{}) != p {
			return
		}
		data := p
		if eciModifier(code, modifier) {
			data = strings.ReplaceAll(p, `\`, `\\`)
		}
		if marker {
			data = `\000026` + data
		}
		sent := "\x02 " + id + data + "\t\r\n"
		if framed := trimFraming(sent); fixCapsLock(framed, maxDecoration) != framed || fixKeyboardLayout(framed, maxDecoration) != framed {
			// The identifier and the payload together read like a Caps Lock
			// or layout mix-up ("]Ql" + "otse:…"): ambiguous by nature.
			return
		}
		if got := Payload(sent, Affixes{}); got != p {
			t.Fatalf("Payload(%q) = %q, want %q", sent, got, p)
		}
	})
}
