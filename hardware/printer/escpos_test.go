package printer

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEncoderCommands(t *testing.T) {
	tests := []struct {
		name string
		do   func(e *Encoder)
		want []byte
	}{
		{"init selects CP858", func(e *Encoder) { e.Init() }, []byte{0x1B, '@', 0x1B, 't', 19}},
		{"code page WPC1252", func(e *Encoder) { e.CodePage(WPC1252) }, []byte{0x1B, 't', 16}},
		{"align center", func(e *Encoder) { e.Align(AlignCenter) }, []byte{0x1B, 'a', 1}},
		{"bold on", func(e *Encoder) { e.Bold(true) }, []byte{0x1B, 'E', 1}},
		{"bold off", func(e *Encoder) { e.Bold(false) }, []byte{0x1B, 'E', 0}},
		{"size 2x3", func(e *Encoder) { e.Size(2, 3) }, []byte{0x1D, '!', 0x12}},
		{"size clamped", func(e *Encoder) { e.Size(0, 99) }, []byte{0x1D, '!', 0x07}},
		{"feed", func(e *Encoder) { e.Feed(3) }, []byte{0x1B, 'd', 3}},
		{"cut", func(e *Encoder) { e.Cut() }, []byte{0x1D, 'V', 66, 0}},
		{"line", func(e *Encoder) { e.Line("ok") }, []byte{'o', 'k', '\n'}},
		{
			"umlauts and euro in CP858", func(e *Encoder) { e.Text("ÄÖÜäöüß€") },
			[]byte{0x8E, 0x99, 0x9A, 0x84, 0x94, 0x81, 0xE1, 0xD5},
		},
		{
			"umlauts and euro in WPC1252", func(e *Encoder) { e.CodePage(WPC1252); e.Text("ÄÖÜäöüß€") },
			[]byte{0x1B, 't', 16, 0xC4, 0xD6, 0xDC, 0xE4, 0xF6, 0xFC, 0xDF, 0x80},
		},
		{"unknown runes", func(e *Encoder) { e.Text("a→b😀") }, []byte{'a', '?', 'b', '?'}},
		{"typographic fallback", func(e *Encoder) { e.Text("8–16 „x“…") }, []byte("8-16 \"x\"...")},
		// A line break inside a text is a blank: words must not be glued.
		{"control bytes dropped", func(e *Encoder) { e.Text("a\x1b@b\n\x1dV") }, []byte("a@b V")},
		{"zero-width space", func(e *Encoder) { e.Text("Sch\u00e4lter\u200b 2") }, []byte("Sch\x84lter 2")},
		{"bidi controls, BOM, word joiner", func(e *Encoder) { e.Text("\ufeff\u202eA\u2060001\u202c\u2066x\u2069") }, []byte("A001x")},
		{"soft hyphen is not printed", func(e *Encoder) { e.Text("Trenn\u00adung") }, []byte("Trennung")},
		{"soft hyphen in WPC1252", func(e *Encoder) { e.CodePage(WPC1252); e.Text("Trenn\u00adung") }, []byte{0x1B, 't', 16, 'T', 'r', 'e', 'n', 'n', 'u', 'n', 'g'}},
		{"zero-width joiner in an emoji", func(e *Encoder) { e.Text("\U0001F468\u200d\U0001F469") }, []byte("??")},
		{"invisible Hangul filler and grapheme joiner", func(e *Encoder) { e.Text("\u3164Kim\u034f") }, []byte("Kim")},
		{
			"QR", func(e *Encoder) { e.QR("AB", 6, ECMedium) },
			[]byte{
				0x1D, '(', 'k', 4, 0, 49, 65, 50, 0,
				0x1D, '(', 'k', 3, 0, 49, 67, 6,
				0x1D, '(', 'k', 3, 0, 49, 69, 49,
				0x1D, '(', 'k', 5, 0, 49, 80, 48, 'A', 'B',
				0x1D, '(', 'k', 3, 0, 49, 81, 48,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			e := NewEncoder(&buf)
			tt.do(e)
			if err := e.Err(); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), tt.want) {
				t.Errorf("bytes = % x\nwant    % x", buf.Bytes(), tt.want)
			}
		})
	}
}

func TestEncoderImageBands(t *testing.T) {
	img, err := qrImage("LOTSE:1:x", 8, ECMedium)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	e := NewEncoder(&buf)
	e.Image(img)
	ops, err := Parse(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	height := 0
	for _, op := range ops {
		if op.Kind != OpImage {
			t.Fatalf("unexpected op %+v", op)
		}
		if h := op.Image.Bounds().Dy(); h > maxRasterBand {
			t.Errorf("band of %d rows, limit %d", h, maxRasterBand)
		}
		height += op.Image.Bounds().Dy()
	}
	if height != img.Bounds().Dy() {
		t.Errorf("bands add up to %d rows, want %d", height, img.Bounds().Dy())
	}
}

type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.n <= 0 {
		return 0, errors.New("device gone")
	}
	w.n--
	return len(p), nil
}

func TestEncoderKeepsFirstError(t *testing.T) {
	e := NewEncoder(&failingWriter{n: 1})
	e.Bold(true)
	e.Line("x")
	e.Cut()
	if err := e.Err(); err == nil || !strings.Contains(err.Error(), "device gone") {
		t.Errorf("Err = %v, want the write error", err)
	}
}

// TestTicketGolden pins the exact bytes of the sample ticket in both QR
// modes. Run go test -update after an intended change, and look at the
// preview.
func TestTicketGolden(t *testing.T) {
	tests := []struct {
		file   string
		layout Layout
	}{
		{"ticket.escpos", Layout{Location: berlin}},
		{"ticket-raster.escpos", Layout{Location: berlin, QRRaster: true}},
		{"ticket-wpc1252.escpos", Layout{Location: berlin, CodePage: WPC1252}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := EncodeTicket(sampleTicket(), tt.layout)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", tt.file)
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("ticket bytes differ from %s (%d vs %d bytes); run go test -update if intended", golden, len(got), len(want))
			}
		})
	}
}

// TestTicketParsesBack checks the encoder against our own parser: the
// ticket's words come back as text, the QR code as its data.
func TestTicketParsesBack(t *testing.T) {
	for _, cp := range []CodePage{CP858, WPC1252} {
		data, err := EncodeTicket(sampleTicket(), Layout{Location: berlin, CodePage: cp})
		if err != nil {
			t.Fatal(err)
		}
		ops, err := Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", cp.Name, err)
		}
		var text []string
		var qrData string
		cuts := 0
		for _, op := range ops {
			switch op.Kind {
			case OpText:
				text = append(text, op.Text)
			case OpImage:
				qrData = op.QR
			case OpCut:
				cuts++
			case OpUnknown:
				t.Errorf("%s: unknown command %#x", cp.Name, op.N)
			}
		}
		want := []string{
			"Bürgerbüro Düsseldorf-Süd", "Ihre Wartenummer", "A042",
			"2 × Anmeldung einer Wohnung", "Führungszeugnis (13 €)", "Termin: 09:30 Uhr",
			"Bitte achten Sie auf den Aufruf.", "Öffnungszeiten: Mo-Fr 8-16 Uhr", "14.03.2025 09:12",
		}
		if cp.Name == WPC1252.Name {
			want[7] = "Öffnungszeiten: Mo–Fr 8–16 Uhr" // 1252 has the en dash
		}
		if strings.Join(text, "|") != strings.Join(want, "|") {
			t.Errorf("%s: text = %q\nwant %q", cp.Name, text, want)
		}
		if qrData != sampleTicket().QR {
			t.Errorf("%s: QR data = %q", cp.Name, qrData)
		}
		if cuts != 1 {
			t.Errorf("%s: %d cuts, want 1", cp.Name, cuts)
		}
	}
}

func TestEncodeTicketWithoutNumber(t *testing.T) {
	if _, err := EncodeTicket(Ticket{Office: "x"}, Layout{}); err == nil {
		t.Error("EncodeTicket without number succeeded")
	}
}

func TestParseTruncated(t *testing.T) {
	tests := [][]byte{
		{0x1B},
		{0x1B, 'a'},
		{0x1D, '(', 'k', 10, 0, 49},
		{0x1D, 'v', '0', 0, 10, 0, 10, 0, 1, 2, 3},
		{0x10, 0x04},
	}
	for _, data := range tests {
		if _, err := Parse(data); !errors.Is(err, ErrTruncated) {
			t.Errorf("Parse(% x) error = %v, want ErrTruncated", data, err)
		}
	}
}

// FuzzParse feeds arbitrary bytes to the parser and the preview renderer, as
// the printer sink receives them from the network.
func FuzzParse(f *testing.F) {
	seed, err := EncodeTicket(sampleTicket(), Layout{Location: berlin, QRRaster: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte{0x1B, '@', 0x1D, '!', 0x77, 'A', '\n', 0x1D, 'V', 66, 0})
	f.Add([]byte{0x1D, 'v', '0', 3, 1, 0, 2, 0, 0xFF, 0x00})
	f.Add([]byte{0x1D, '(', 'k', 3, 0, 49, 81, 48})
	f.Fuzz(func(t *testing.T, data []byte) {
		ops, err := Parse(data)
		if err != nil && len(ops) > len(data) {
			t.Fatalf("%d ops from %d bytes", len(ops), len(data))
		}
		if len(data) > 2048 {
			return // keep rendering cheap
		}
		if _, err := RenderOps(ops, Paper58mm); err != nil {
			t.Fatal(err)
		}
	})
}

// TestTicketTextInNFC prints text as it may come from a booking system or
// a pasted configuration: decomposed umlauts, letters the code page lacks
// only with their accent. Every such text must print as the reader
// expects, in every code page.
func TestTicketTextInNFC(t *testing.T) {
	const u = "u\u0308" // u + COMBINING DIAERESIS
	tests := []struct{ text, want string }{
		{"M" + u + "ller", "Müller"},
		{"B" + u + "rgerb" + u + "ro", "Bürgerbüro"},
		{"A\u0308rger, O\u0308l", "Ärger, Öl"},
		{"e\u0301", "é"},
		{"\u015eahin", "Sahin"},  // Ş: not in CP858, its letter is
		{"S\u0327ahin", "Sahin"}, // the same, decomposed
		{"q\u0308", "q"},         // no precomposed form: the letter alone
		{"\u0141\u00f3d\u017a", "?ódz"},
		{"Grüße", "Grüße"},
	}
	for _, cp := range []CodePage{CP858, WPC1252} {
		for _, tt := range tests {
			want := cp.encode(tt.want)
			data, err := EncodeTicket(Ticket{Office: tt.text, Number: "A1", Services: []string{tt.text}, Footer: tt.text}, Layout{CodePage: cp})
			if err != nil {
				t.Fatal(err)
			}
			ops, err := Parse(data)
			if err != nil {
				t.Fatal(err)
			}
			var lines int
			for _, op := range ops {
				if op.Kind == OpText && op.Text != "Ihre Wartenummer" && op.Text != "A1" {
					lines++
					if op.Text != tt.want {
						t.Errorf("%s: %q printed as %q, want %q", cp.Name, tt.text, op.Text, tt.want)
					}
				}
			}
			if lines != 3 || !bytes.Contains(data, append(want, '\n')) {
				t.Errorf("%s: %q: %d lines, bytes % x lack % x", cp.Name, tt.text, lines, data, want)
			}
		}
	}
}
