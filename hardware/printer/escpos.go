// Package printer drives ESC/POS thermal receipt printers: it encodes
// tickets into ESC/POS, sends them over serial, USB printer device files or
// TCP port 9100 with deadlines and real-time status, and renders the same
// bytes as a PNG preview.
//
// No Go ESC/POS library was available, so the encoder, and a parser of the
// same subset for the preview and the printer sink, are written here.
package printer

import (
	"fmt"
	"image"
	"io"
)

// ESC/POS control bytes.
const (
	esc = 0x1B
	gs  = 0x1D
	dle = 0x10
	eot = 0x04
	lf  = 0x0A
)

// Alignment is the justification of the following lines (ESC a n).
type Alignment byte

// The three justifications.
const (
	AlignLeft   Alignment = 0
	AlignCenter Alignment = 1
	AlignRight  Alignment = 2
)

// ECLevel is the QR error-correction level of GS ( k function 169.
type ECLevel byte

// The four QR error-correction levels, as ESC/POS numbers them.
const (
	ECLow      ECLevel = 48 // ~7 %
	ECMedium   ECLevel = 49 // ~15 %
	ECQuartile ECLevel = 50 // ~25 %
	ECHigh     ECLevel = 51 // ~30 %
)

// Encoder writes ESC/POS commands to an io.Writer. Like bufio.Writer it
// remembers the first write error: later calls do nothing, and Err reports
// it, so a ticket layout reads as a plain sequence of calls.
type Encoder struct {
	w        io.Writer
	codePage CodePage
	err      error
}

// NewEncoder returns an encoder writing to w, transcoding text to CP858
// until CodePage selects another table.
func NewEncoder(w io.Writer) *Encoder {
	return &Encoder{w: w, codePage: CP858}
}

// Err returns the first error that occurred.
func (e *Encoder) Err() error { return e.err }

func (e *Encoder) write(b ...byte) {
	if e.err != nil {
		return
	}
	if _, err := e.w.Write(b); err != nil {
		e.err = fmt.Errorf("escpos: %w", err)
	}
}

// Init resets the printer to its power-on state (ESC @) and selects the
// encoder's code page, which ESC @ resets too.
func (e *Encoder) Init() {
	e.write(esc, '@')
	e.CodePage(e.codePage)
}

// CodePage selects the character table for the following text (ESC t n).
func (e *Encoder) CodePage(cp CodePage) {
	e.codePage = cp
	e.write(esc, 't', cp.Number)
}

// Align sets the justification of the following lines (ESC a n). The
// printer applies it only at the start of a line.
func (e *Encoder) Align(a Alignment) {
	e.write(esc, 'a', byte(a))
}

// Bold switches emphasized printing on or off (ESC E n).
func (e *Encoder) Bold(on bool) {
	e.write(esc, 'E', boolByte(on))
}

// Size sets the character magnification (GS ! n); width and height are
// 1 to 8 and clamped to that range.
func (e *Encoder) Size(width, height int) {
	w := byte(min(max(width, 1), 8) - 1)
	h := byte(min(max(height, 1), 8) - 1)
	e.write(gs, '!', w<<4|h)
}

// Text prints s in the current code page; unknown runes print as '?' and
// control characters are dropped.
func (e *Encoder) Text(s string) {
	e.write(e.codePage.encode(s)...)
}

// Line prints s and ends the line.
func (e *Encoder) Line(s string) {
	e.Text(s)
	e.write(lf)
}

// Feed prints the buffer and feeds n lines (ESC d n).
func (e *Encoder) Feed(n int) {
	e.write(esc, 'd', byte(min(max(n, 0), 255)))
}

// Cut feeds the paper to the cutter and cuts it, leaving a small hinge
// (GS V 66 n, partial cut), so tickets don't fall on the floor.
func (e *Encoder) Cut() {
	e.write(gs, 'V', 66, 0)
}

// QR prints data as a QR code with the printer's own generator (GS ( k,
// model 2): store the data, then print it. moduleSize is the dot size of
// one module, 1 to 16.
func (e *Encoder) QR(data string, moduleSize int, level ECLevel) {
	if len(data) > 7089 {
		e.err = fmt.Errorf("escpos: QR data of %d bytes exceeds the symbol's capacity", len(data))
		return
	}
	e.write(gs, '(', 'k', 4, 0, 49, 65, 50, 0) // function 165: model 2
	e.write(gs, '(', 'k', 3, 0, 49, 67, byte(min(max(moduleSize, 1), 16)))
	e.write(gs, '(', 'k', 3, 0, 49, 69, byte(level))
	n := len(data) + 3
	e.write(gs, '(', 'k', byte(n), byte(n>>8), 49, 80, 48) // function 180: store
	e.write([]byte(data)...)
	e.write(gs, '(', 'k', 3, 0, 49, 81, 48) // function 181: print
}

// QRImage prints data as a QR code rendered here and sent as a raster
// image, for printers without GS ( k. It uses the same module size and
// error-correction level as QR.
func (e *Encoder) QRImage(data string, moduleSize int, level ECLevel) {
	img, err := qrImage(data, moduleSize, level)
	if err != nil {
		if e.err == nil {
			e.err = fmt.Errorf("escpos: %w", err)
		}
		return
	}
	e.Image(img)
}

// maxRasterBand is the height of one GS v 0 command; cheap printers have
// small receive buffers, so tall images are sent in bands.
const maxRasterBand = 128

// Image prints img as a raster bit image (GS v 0, normal density). Dark
// pixels (luminance below half) print; the width is rounded up to whole
// bytes.
func (e *Encoder) Image(img image.Image) {
	b := img.Bounds()
	widthBytes := (b.Dx() + 7) / 8
	for top := b.Min.Y; top < b.Max.Y; top += maxRasterBand {
		rows := min(maxRasterBand, b.Max.Y-top)
		e.write(gs, 'v', '0', 0, byte(widthBytes), byte(widthBytes>>8), byte(rows), byte(rows>>8))
		band := make([]byte, widthBytes*rows)
		for y := 0; y < rows; y++ {
			for x := 0; x < b.Dx(); x++ {
				if isDark(img, b.Min.X+x, top+y) {
					band[y*widthBytes+x/8] |= 0x80 >> (x % 8)
				}
			}
		}
		e.write(band...)
	}
}

func boolByte(on bool) byte {
	if on {
		return 1
	}
	return 0
}

func isDark(img image.Image, x, y int) bool {
	r, g, b, a := img.At(x, y).RGBA()
	if a < 0x8000 {
		return false // transparent is paper
	}
	return (r+2*g+b)/4 < 0x8000
}
