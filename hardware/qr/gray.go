package qr

import (
	"image"
	"math"
)

// gray is a tightly packed 8-bit luminance plane, the form gozxing's planar
// luminance source reads without copying.
type gray struct {
	pix  []byte
	w, h int
}

// grayFromImage extracts luminance. Camera frames arrive as *image.YCbCr
// (JPEG) whose Y plane already is luminance, so that path costs one copy per
// row; other common types avoid the slow generic At() call.
func grayFromImage(img image.Image) gray {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	// Contiguous luminance is used as it is: every variant of the plane
	// is a new one, nothing writes to it, and a camera frame is not
	// copied just to be looked at.
	switch m := img.(type) {
	case *image.YCbCr:
		if m.YStride == w && w > 0 && h > 0 {
			off := m.YOffset(b.Min.X, b.Min.Y)
			return gray{pix: m.Y[off : off+w*h], w: w, h: h}
		}
	case *image.Gray:
		if m.Stride == w && w > 0 && h > 0 {
			off := m.PixOffset(b.Min.X, b.Min.Y)
			return gray{pix: m.Pix[off : off+w*h], w: w, h: h}
		}
	}
	g := gray{pix: make([]byte, w*h), w: w, h: h}
	switch m := img.(type) {
	case *image.YCbCr:
		for y := 0; y < h; y++ {
			off := m.YOffset(b.Min.X, b.Min.Y+y)
			copy(g.pix[y*w:(y+1)*w], m.Y[off:off+w])
		}
	case *image.Gray:
		for y := 0; y < h; y++ {
			off := m.PixOffset(b.Min.X, b.Min.Y+y)
			copy(g.pix[y*w:(y+1)*w], m.Pix[off:off+w])
		}
	case *image.RGBA:
		for y := 0; y < h; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := 0; x < w; x++ {
				p := row[4*x : 4*x+4]
				// Premultiplied: transparent pixels count as white paper.
				lum := (uint32(p[0]) + 2*uint32(p[1]) + uint32(p[2])) / 4
				g.pix[y*w+x] = byte(lum + (255 - uint32(p[3])))
			}
		}
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := 0; x < w; x++ {
				p := row[4*x : 4*x+4]
				lum := (uint32(p[0]) + 2*uint32(p[1]) + uint32(p[2])) / 4
				a := uint32(p[3])
				g.pix[y*w+x] = byte((lum*a + 255*(255-a)) / 255)
			}
		}
	default:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				r, gg, bb, a := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
				lum := (r + 2*gg + bb) / 4 // premultiplied, 16 bit
				g.pix[y*w+x] = byte((lum + (0xffff - a)) >> 8)
			}
		}
	}
	return g
}

func (g gray) invert() gray {
	out := gray{pix: make([]byte, len(g.pix)), w: g.w, h: g.h}
	for i, v := range g.pix {
		out.pix[i] = 255 - v
	}
	return out
}

// stretchContrast maps the 2nd..98th luminance percentile onto 0..255, which
// rescues washed-out photos and dim screens where the binarizer's local
// contrast threshold sees no edges.
func (g gray) stretchContrast() gray {
	var hist [256]int
	for _, v := range g.pix {
		hist[v]++
	}
	cut := len(g.pix) / 50
	lo, hi := 0, 255
	for n := 0; lo < 255 && n+hist[lo] <= cut; lo++ {
		n += hist[lo]
	}
	for n := 0; hi > 0 && n+hist[hi] <= cut; hi-- {
		n += hist[hi]
	}
	if hi <= lo {
		return g
	}
	var lut [256]byte
	for i := range lut {
		v := (i - lo) * 255 / (hi - lo)
		lut[i] = byte(max(0, min(255, v)))
	}
	out := gray{pix: make([]byte, len(g.pix)), w: g.w, h: g.h}
	for i, v := range g.pix {
		out.pix[i] = lut[v]
	}
	return out
}

// downscale averages factor×factor blocks.
func (g gray) downscale(factor int) gray {
	w, h := g.w/factor, g.h/factor
	out := gray{pix: make([]byte, w*h), w: w, h: h}
	n := factor * factor
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			sum := 0
			for dy := 0; dy < factor; dy++ {
				row := g.pix[(y*factor+dy)*g.w+x*factor:]
				for dx := 0; dx < factor; dx++ {
					sum += int(row[dx])
				}
			}
			out.pix[y*w+x] = byte(sum / n)
		}
	}
	return out
}

// blur is a 3×3 box filter; it removes salt-and-pepper noise and JPEG block
// edges that otherwise look like module boundaries.
func (g gray) blur() gray {
	out := gray{pix: make([]byte, len(g.pix)), w: g.w, h: g.h}
	for y := 0; y < g.h; y++ {
		for x := 0; x < g.w; x++ {
			sum, n := 0, 0
			for dy := -1; dy <= 1; dy++ {
				yy := y + dy
				if yy < 0 || yy >= g.h {
					continue
				}
				for dx := -1; dx <= 1; dx++ {
					xx := x + dx
					if xx < 0 || xx >= g.w {
						continue
					}
					sum += int(g.pix[yy*g.w+xx])
					n++
				}
			}
			out.pix[y*g.w+x] = byte(sum / n)
		}
	}
	return out
}

// rotate45 rotates by 45° around the centre into a canvas large enough for
// the whole image, filling the corners with white (quiet zone).
func (g gray) rotate45() gray {
	side := int(math.Ceil(float64(g.w+g.h) / math.Sqrt2))
	out := gray{pix: make([]byte, side*side), w: side, h: side}
	cx, cy := float64(g.w)/2, float64(g.h)/2
	c := float64(side) / 2
	cos, sin := math.Sqrt2/2, math.Sqrt2/2
	for y := 0; y < side; y++ {
		for x := 0; x < side; x++ {
			dx, dy := float64(x)-c, float64(y)-c
			sx := int(cx + dx*cos - dy*sin)
			sy := int(cy + dx*sin + dy*cos)
			v := byte(255)
			if sx >= 0 && sx < g.w && sy >= 0 && sy < g.h {
				v = g.pix[sy*g.w+sx]
			}
			out.pix[y*side+x] = v
		}
	}
	return out
}
