package printer

import (
	"errors"
	"fmt"
	"image"
)

// OpKind is the kind of one parsed ESC/POS command.
type OpKind int

// The commands of the ESC/POS subset that Parse understands. Everything
// EncodeTicket writes is among them.
const (
	OpText          OpKind = iota // printable text, Text holds it as UTF-8
	OpNewline                     // LF
	OpInit                        // ESC @
	OpCodePage                    // ESC t n, N = n
	OpAlign                       // ESC a n, N = Alignment
	OpBold                        // ESC E n, N = 0 or 1
	OpSize                        // GS ! n, Width and Height 1–8
	OpFeed                        // ESC d n, N = lines
	OpCut                         // GS V
	OpImage                       // GS v 0 raster, or a printed QR code (Image)
	OpStatusRequest               // DLE EOT n, N = n
	OpIgnored                     // a known command without effect on the preview
	OpUnknown                     // ESC or GS followed by an unknown byte, N = that byte
)

// Op is one parsed command.
type Op struct {
	Kind          OpKind
	Text          string
	N             int
	Width, Height int
	// Image is the raster image or the QR code as the printer would
	// render it; true (dark) pixels print.
	Image *image.Gray
	// QR is the data of a printed QR code.
	QR string
}

// ErrTruncated is returned (wrapped) by Parse when the data ends inside a
// command.
var ErrTruncated = errors.New("escpos: data ends inside a command")

// maxRasterBytes bounds one raster command so that hostile input cannot
// make Parse allocate without end.
const maxRasterBytes = 4 << 20

// Parse decodes the ESC/POS subset written by Encoder. Text is decoded from
// the selected code page. On malformed input it returns the commands parsed
// so far with an error; it never panics.
func Parse(data []byte) ([]Op, error) {
	p := parser{data: data, codePage: CP858, qrModule: 3, qrLevel: ECLow}
	return p.run()
}

type parser struct {
	data     []byte
	pos      int
	ops      []Op
	codePage CodePage
	text     []rune
	// QR state of GS ( k, as the printer keeps it between functions.
	qrModule int
	qrLevel  ECLevel
	qrData   []byte
}

func (p *parser) run() ([]Op, error) {
	for p.pos < len(p.data) {
		b := p.data[p.pos]
		p.pos++
		var err error
		switch b {
		case esc:
			p.flushText()
			err = p.escape()
		case gs:
			p.flushText()
			err = p.groupSeparator()
		case dle:
			p.flushText()
			err = p.dataLinkEscape()
		case lf:
			p.flushText()
			p.ops = append(p.ops, Op{Kind: OpNewline})
		case '\r', '\t':
			// CR is ignored by most printers in the default mode; tab
			// positions are not part of our subset.
		default:
			if b >= 0x20 {
				p.text = append(p.text, p.codePage.decode(b))
			}
		}
		if err != nil {
			p.flushText()
			return p.ops, err
		}
	}
	p.flushText()
	return p.ops, nil
}

func (p *parser) flushText() {
	if len(p.text) > 0 {
		p.ops = append(p.ops, Op{Kind: OpText, Text: string(p.text)})
		p.text = p.text[:0]
	}
}

// take returns the next n bytes of a command.
func (p *parser) take(n int) ([]byte, error) {
	if n < 0 || len(p.data)-p.pos < n {
		return nil, fmt.Errorf("%w at offset %d", ErrTruncated, p.pos)
	}
	b := p.data[p.pos : p.pos+n]
	p.pos += n
	return b, nil
}

func (p *parser) escape() error {
	cmd, err := p.take(1)
	if err != nil {
		return err
	}
	switch cmd[0] {
	case '@':
		p.codePage = CP858 // the power-on table of our printers
		p.ops = append(p.ops, Op{Kind: OpInit})
		return nil
	case '2':
		p.ops = append(p.ops, Op{Kind: OpIgnored})
		return nil
	}
	arg, err := p.take(1)
	if err != nil {
		return err
	}
	n := int(arg[0])
	switch cmd[0] {
	case 't':
		if cp, ok := codePageByNumber(arg[0]); ok {
			p.codePage = cp
		}
		p.ops = append(p.ops, Op{Kind: OpCodePage, N: n})
	case 'a':
		p.ops = append(p.ops, Op{Kind: OpAlign, N: n % 48 % 3})
	case 'E':
		p.ops = append(p.ops, Op{Kind: OpBold, N: n & 1})
	case 'd':
		p.ops = append(p.ops, Op{Kind: OpFeed, N: n})
	case '!', '-', '3', 'J', 'M', 'G', 'V', '{', 'R', 'c':
		// Print mode, underline, line spacing, dot feed, font, double
		// strike, rotation, upside down, character set, panel keys: one
		// parameter each, no effect on our preview.
		if cmd[0] == 'c' { // ESC c 3 n, ESC c 4 n, ESC c 5 n
			if _, err := p.take(1); err != nil {
				return err
			}
		}
		p.ops = append(p.ops, Op{Kind: OpIgnored})
	default:
		p.pos-- // the byte after ESC may be text; leave it
		p.ops = append(p.ops, Op{Kind: OpUnknown, N: int(cmd[0])})
	}
	return nil
}

func (p *parser) groupSeparator() error {
	cmd, err := p.take(1)
	if err != nil {
		return err
	}
	switch cmd[0] {
	case '!':
		arg, err := p.take(1)
		if err != nil {
			return err
		}
		p.ops = append(p.ops, Op{Kind: OpSize, Width: int(arg[0]>>4&7) + 1, Height: int(arg[0]&7) + 1})
	case 'V':
		m, err := p.take(1)
		if err != nil {
			return err
		}
		if m[0] == 65 || m[0] == 66 || m[0] == 97 || m[0] == 98 || m[0] == 103 || m[0] == 104 {
			if _, err := p.take(1); err != nil {
				return err
			}
		}
		p.ops = append(p.ops, Op{Kind: OpCut, N: int(m[0])})
	case 'v':
		return p.raster()
	case '(':
		return p.function()
	case 'B', 'H', 'h', 'w', 'f', 'b':
		if _, err := p.take(1); err != nil {
			return err
		}
		p.ops = append(p.ops, Op{Kind: OpIgnored})
	case 'L', 'W':
		if _, err := p.take(2); err != nil {
			return err
		}
		p.ops = append(p.ops, Op{Kind: OpIgnored})
	default:
		p.pos--
		p.ops = append(p.ops, Op{Kind: OpUnknown, N: int(cmd[0])})
	}
	return nil
}

func (p *parser) dataLinkEscape() error {
	cmd, err := p.take(1)
	if err != nil {
		return err
	}
	if cmd[0] != eot {
		p.pos--
		p.ops = append(p.ops, Op{Kind: OpUnknown, N: int(cmd[0])})
		return nil
	}
	n, err := p.take(1)
	if err != nil {
		return err
	}
	p.ops = append(p.ops, Op{Kind: OpStatusRequest, N: int(n[0])})
	return nil
}

// raster parses GS v 0 m xL xH yL yH d1…dk.
func (p *parser) raster() error {
	h, err := p.take(6)
	if err != nil {
		return err
	}
	if h[0] != '0' {
		return fmt.Errorf("escpos: unknown GS v %q at offset %d", h[0], p.pos)
	}
	mode := h[1]
	widthBytes := int(h[2]) | int(h[3])<<8
	rows := int(h[4]) | int(h[5])<<8
	if widthBytes*rows > maxRasterBytes {
		return fmt.Errorf("escpos: raster image of %d bytes too large", widthBytes*rows)
	}
	bits, err := p.take(widthBytes * rows)
	if err != nil {
		return err
	}
	sx, sy := 1, 1
	if mode&1 != 0 {
		sx = 2
	}
	if mode&2 != 0 {
		sy = 2
	}
	img := image.NewGray(image.Rect(0, 0, widthBytes*8*sx, rows*sy))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for y := 0; y < rows; y++ {
		for x := 0; x < widthBytes*8; x++ {
			if bits[y*widthBytes+x/8]&(0x80>>(x%8)) == 0 {
				continue
			}
			for dy := 0; dy < sy; dy++ {
				for dx := 0; dx < sx; dx++ {
					img.Pix[(y*sy+dy)*img.Stride+x*sx+dx] = 0
				}
			}
		}
	}
	p.ops = append(p.ops, Op{Kind: OpImage, Image: img})
	return nil
}

// function parses GS ( k pL pH cn fn [parameters]; only the QR code
// functions (cn = 49) have an effect.
func (p *parser) function() error {
	h, err := p.take(3)
	if err != nil {
		return err
	}
	if h[0] != 'k' {
		// Other GS ( x functions share the pL pH length form.
		n := int(h[1]) | int(h[2])<<8
		if _, err := p.take(n); err != nil {
			return err
		}
		p.ops = append(p.ops, Op{Kind: OpIgnored})
		return nil
	}
	n := int(h[1]) | int(h[2])<<8
	body, err := p.take(n)
	if err != nil {
		return err
	}
	if len(body) < 2 || body[0] != 49 {
		p.ops = append(p.ops, Op{Kind: OpIgnored})
		return nil
	}
	fn, args := body[1], body[2:]
	switch {
	case fn == 67 && len(args) >= 1:
		p.qrModule = min(max(int(args[0]), 1), 16)
	case fn == 69 && len(args) >= 1:
		p.qrLevel = ECLevel(args[0])
	case fn == 80 && len(args) >= 1:
		p.qrData = append(p.qrData[:0], args[1:]...)
	case fn == 81:
		img, err := qrImage(string(p.qrData), p.qrModule, p.qrLevel)
		if err != nil {
			// A printer prints nothing for data it cannot encode.
			p.ops = append(p.ops, Op{Kind: OpIgnored})
			return nil
		}
		p.ops = append(p.ops, Op{Kind: OpImage, Image: img, QR: string(p.qrData)})
		return nil
	}
	p.ops = append(p.ops, Op{Kind: OpIgnored})
	return nil
}
