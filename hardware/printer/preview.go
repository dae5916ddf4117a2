package printer

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"log/slog"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/gomonobold"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Paper widths in dots at 203 dpi.
const (
	Paper80mm = 576
	Paper58mm = 384
)

// Font A of ESC/POS printers: 12×24 dots per character.
const (
	cellWidth   = 12
	cellHeight  = 24
	lineSpacing = 30 // the default 1/6 inch (ESC 2), rounded to dots
	margin      = 16 // white border around the preview, not printed
)

// Render draws ESC/POS data the way a thermal printer with paperWidth dots
// would print it, as a white strip with black print. It understands the
// subset that Parse does; commands it does not know are left out.
func Render(data []byte, paperWidth int) (*image.Gray, error) {
	ops, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("printer: render: %w", err)
	}
	return RenderOps(ops, paperWidth)
}

// PreviewTicket renders a ticket as it prints on 80 mm paper.
func PreviewTicket(t Ticket, layout Layout) (*image.Gray, error) {
	data, err := EncodeTicket(t, layout)
	if err != nil {
		return nil, err
	}
	return Render(data, Paper80mm)
}

// WritePNG encodes a preview as PNG.
func WritePNG(w io.Writer, img image.Image) error {
	if err := png.Encode(w, img); err != nil {
		return fmt.Errorf("printer: write PNG: %w", err)
	}
	return nil
}

// run is a piece of text printed with one style.
type run struct {
	text          []rune
	bold          bool
	width, height int
}

// strip accumulates printed rows, the way paper leaves the printer.
type strip struct {
	paper int
	rows  []*image.Gray
	// current line
	runs  []run
	align Alignment
	col   int // dots used on the current line
}

// RenderOps draws parsed commands, e.g. the part of a damaged job that
// Parse could read.
func RenderOps(ops []Op, paperWidth int) (*image.Gray, error) {
	if paperWidth <= 0 {
		paperWidth = Paper80mm
	}
	faces, err := loadFaces()
	if err != nil {
		return nil, err
	}
	s := &strip{paper: paperWidth}
	bold := false
	width, height := 1, 1
	align := AlignLeft
	for _, op := range ops {
		switch op.Kind {
		case OpInit:
			bold, width, height, align = false, 1, 1, AlignLeft
		case OpAlign:
			align = Alignment(op.N)
		case OpBold:
			bold = op.N == 1
		case OpSize:
			width, height = op.Width, op.Height
		case OpText:
			for _, r := range op.Text {
				if len(s.runs) == 0 && s.col == 0 {
					// The printer latches the justification at the start of a line.
					s.align = align
				}
				if s.col+cellWidth*width > s.paper {
					s.endLine(faces, height)
					s.align = align
				}
				s.addRune(r, bold, width, height)
			}
		case OpNewline:
			s.endLine(faces, height)
		case OpFeed:
			s.endLine(faces, 0)
			s.blank(op.N * lineSpacing)
		case OpImage:
			s.endLine(faces, 0)
			s.image(op.Image, align)
		case OpCut:
			s.endLine(faces, 0)
			s.cutMark()
		}
	}
	s.endLine(faces, 0)
	return s.compose(), nil
}

func (s *strip) addRune(r rune, bold bool, width, height int) {
	if n := len(s.runs); n > 0 {
		last := &s.runs[n-1]
		if last.bold == bold && last.width == width && last.height == height {
			last.text = append(last.text, r)
			s.col += cellWidth * width
			return
		}
	}
	s.runs = append(s.runs, run{text: []rune{r}, bold: bold, width: width, height: height})
	s.col += cellWidth * width
}

// endLine prints the current line. An empty line still advances the paper
// by one line of the current height, as LF does; emptyHeight 0 means an
// empty line leaves no trace (before feeds, images and cuts).
func (s *strip) endLine(faces *fontFaces, emptyHeight int) {
	if len(s.runs) == 0 {
		if emptyHeight > 0 {
			s.blank(cellHeight*emptyHeight + lineSpacing - cellHeight)
		}
		return
	}
	tallest := 1
	for _, r := range s.runs {
		tallest = max(tallest, r.height)
	}
	lineHeight := cellHeight*tallest + lineSpacing - cellHeight
	row := newPaper(s.paper, lineHeight)
	x := 0
	switch s.align {
	case AlignCenter:
		x = (s.paper - s.col) / 2
	case AlignRight:
		x = s.paper - s.col
	}
	for _, r := range s.runs {
		cell := faces.renderRun(r.text, r.bold)
		w := cell.Bounds().Dx() * r.width
		h := cellHeight * r.height
		// Characters of different heights share the baseline at the bottom.
		dst := image.Rect(x, cellHeight*tallest-h, x+w, cellHeight*tallest)
		scaleNearest(row, dst, cell)
		x += w
	}
	s.rows = append(s.rows, row)
	s.runs = s.runs[:0]
	s.col = 0
}

func (s *strip) blank(height int) {
	if height > 0 {
		s.rows = append(s.rows, newPaper(s.paper, height))
	}
}

func (s *strip) image(img *image.Gray, align Alignment) {
	if img == nil {
		return
	}
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	row := newPaper(s.paper, h)
	x := 0
	switch align {
	case AlignCenter:
		x = (s.paper - w) / 2
	case AlignRight:
		x = s.paper - w
	}
	x = max(x, 0)
	draw.Draw(row, image.Rect(x, 0, x+w, h), img, img.Bounds().Min, draw.Src)
	s.rows = append(s.rows, row)
}

// cutMark draws a dashed line where the cutter cuts.
func (s *strip) cutMark() {
	row := newPaper(s.paper, 9)
	for x := 0; x < s.paper; x++ {
		if x/8%2 == 0 {
			row.SetGray(x, 4, color.Gray{Y: 0x90})
		}
	}
	s.rows = append(s.rows, row)
}

func (s *strip) compose() *image.Gray {
	height := 2 * margin
	for _, r := range s.rows {
		height += r.Bounds().Dy()
	}
	out := image.NewGray(image.Rect(0, 0, s.paper+2*margin, height))
	draw.Draw(out, out.Bounds(), image.NewUniform(color.Gray{Y: 0xff}), image.Point{}, draw.Src)
	y := margin
	for _, r := range s.rows {
		b := r.Bounds()
		draw.Draw(out, image.Rect(margin, y, margin+b.Dx(), y+b.Dy()), r, b.Min, draw.Src)
		y += b.Dy()
	}
	return out
}

func newPaper(w, h int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	return img
}

// scaleNearest magnifies src into dst by whole dots, as GS ! does.
func scaleNearest(dst *image.Gray, r image.Rectangle, src *image.Gray) {
	sw, sh := src.Bounds().Dx(), src.Bounds().Dy()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		if y < 0 || y >= dst.Rect.Dy() {
			continue
		}
		sy := (y - r.Min.Y) * sh / r.Dy()
		for x := r.Min.X; x < r.Max.X; x++ {
			if x < 0 || x >= dst.Rect.Dx() {
				continue
			}
			sx := (x - r.Min.X) * sw / r.Dx()
			v := src.Pix[sy*src.Stride+sx]
			if v < dst.Pix[y*dst.Stride+x] {
				dst.Pix[y*dst.Stride+x] = v
			}
		}
	}
}

// fontFaces holds Go Mono at the size whose advance is one 12-dot cell.
type fontFaces struct {
	regular, bold font.Face
	mu            sync.Mutex // font.Face is not safe for concurrent use
}

var (
	facesOnce sync.Once
	faces     *fontFaces
	facesErr  error
)

func loadFaces() (*fontFaces, error) {
	facesOnce.Do(func() {
		open := func(ttf []byte) (font.Face, error) {
			f, err := opentype.Parse(ttf)
			if err != nil {
				return nil, err
			}
			// Go Mono advances 0.6 em: 20 px gives the 12-dot cell.
			return opentype.NewFace(f, &opentype.FaceOptions{Size: 20, DPI: 72, Hinting: font.HintingFull})
		}
		var ff fontFaces
		if ff.regular, facesErr = open(gomono.TTF); facesErr != nil {
			facesErr = fmt.Errorf("printer: load font: %w", facesErr)
			return
		}
		if ff.bold, facesErr = open(gomonobold.TTF); facesErr != nil {
			facesErr = fmt.Errorf("printer: load font: %w", facesErr)
			return
		}
		faces = &ff
	})
	return faces, facesErr
}

// renderRun draws text at base size into 12×24 cells.
func (f *fontFaces) renderRun(text []rune, bold bool) *image.Gray {
	img := newPaper(cellWidth*len(text), cellHeight)
	face := f.regular
	if bold {
		face = f.bold
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	d := font.Drawer{Dst: img, Src: image.Black, Face: face}
	for i, r := range text {
		d.Dot = fixed.P(i*cellWidth, 19)
		d.DrawString(string(r))
	}
	return img
}

func loggerOr(l *slog.Logger) *slog.Logger {
	if l != nil {
		return l
	}
	return slog.Default()
}
