package scanner

import (
	"image"
	"math/rand/v2"
)

// LobbyFrame draws what a kiosk's camera sees while nobody stands in front
// of it: a wall with a door, a window and a bench under soft light, out of
// focus and with a little sensor noise; seed varies the noise, as from one
// frame to the next. It stands in for a camera in benchmarks and demos.
func LobbyFrame(w, h int, seed uint64) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	type rect struct {
		x0, y0, x1 float64 // fractions of the frame
		y1         float64
		v          int
	}
	shapes := []rect{
		{0.08, 0.15, 0.30, 0.95, 120}, // door
		{0.10, 0.18, 0.28, 0.55, 105}, // door panel
		{0.45, 0.12, 0.85, 0.45, 225}, // window
		{0.64, 0.12, 0.66, 0.45, 150}, // window bar
		{0.40, 0.70, 0.95, 0.80, 90},  // bench seat
		{0.42, 0.80, 0.45, 0.95, 70},  // bench legs
		{0.90, 0.80, 0.93, 0.95, 70},
		{0.00, 0.90, 1.00, 1.00, 140}, // floor
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			// The wall: light falling off from the window.
			v := 185 - 40*float64(y)/float64(h) - 25*float64(x)/float64(w)
			fx, fy := float64(x)/float64(w), float64(y)/float64(h)
			for _, s := range shapes {
				if fx >= s.x0 && fx < s.x1 && fy >= s.y0 && fy < s.y1 {
					v = float64(s.v)
				}
			}
			img.Pix[y*img.Stride+x] = byte(v)
		}
	}
	// Out of focus: two passes of a 5×5 box blur.
	tmp := make([]byte, len(img.Pix))
	for range 2 {
		boxBlur5(img.Pix, tmp, w, h)
	}
	r := rand.New(rand.NewPCG(seed, 0x10bb))
	for i, v := range img.Pix {
		n := int(v) + r.IntN(7) - 3
		img.Pix[i] = byte(max(0, min(255, n)))
	}
	return img
}

func boxBlur5(pix, tmp []byte, w, h int) {
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			sum, n := 0, 0
			for dx := -2; dx <= 2; dx++ {
				if xx := x + dx; xx >= 0 && xx < w {
					sum += int(pix[y*w+xx])
					n++
				}
			}
			tmp[y*w+x] = byte(sum / n)
		}
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			sum, n := 0, 0
			for dy := -2; dy <= 2; dy++ {
				if yy := y + dy; yy >= 0 && yy < h {
					sum += int(tmp[yy*w+x])
					n++
				}
			}
			pix[y*w+x] = byte(sum / n)
		}
	}
}
