package board

import (
	"image/color"
	"math"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
)

// The ground is the colour Fyne clears every frame with (the theme's
// background), before it paints the board's objects one by one. Under a
// software renderer every pixel of every rectangle is shaded and blended
// again: the tiles' rectangles covered nine tenths of the screen and cost
// 7 ms of a 19 ms frame at 1080p (call → repaint p50 31.4 ms with them,
// 24.4 ms without them, 100 calls of the demo under Xvfb). So the ground
// is whichever of the board's two base colours leaves less to paint: the
// dark background for the list, whose calls stand on it, and the panels'
// colour for the tiles, where only the gaps between them are then painted
// dark. The screen is the same to the pixel either way (compared in
// screenshots of both layouts, landscape and portrait).

// fill is an opaque rectangle of a drawing, in the order drawn.
type fill struct {
	x, y, w, h float32
	c          color.Color
	at         int // its index in drawing.objs
}

// area is a rectangle of the frame.
type area struct{ x, y, w, h float32 }

// ground chooses the frame's ground and returns the objects to paint
// first, below d.objs (which then leave out the fills in the ground's
// colour), reusing prev, the previous frame's. It stores the ground
// where the screen's theme reads it (Screen.Theme); under any other
// theme (tests) the frame paints its ground itself. scale is the
// canvas's: the gaps are found between the fills as Fyne paints them,
// to the pixel, so that no pixel at a tile's edge changes colour.
func (d *drawing) ground(prev []*canvas.Rectangle, scale float32) (bottom []*canvas.Rectangle, paint []fyne.CanvasObject) {
	g, dark := colorBackground, []area(nil)
	if d.w > 0 && d.h > 0 {
		panels := float32(0)
		painted := make([]fill, len(d.fills))
		for i, f := range d.fills {
			if f.c == colorPanel {
				panels += f.w * f.h
			}
			painted[i] = asPainted(f, scale)
		}
		gaps := uncovered(painted, d.w, d.h)
		if sum(gaps) < panels {
			g, dark = colorPanel, gaps
		}
	}
	d.s.ground.Store(&g)
	var want []area
	var colours []color.Color
	if theme.Color(theme.ColorNameBackground) != g {
		want, colours = append(want, area{0, 0, d.w, d.h}), append(colours, g)
	}
	for _, a := range dark {
		want, colours = append(want, a), append(colours, colorBackground)
	}
	for i, a := range want {
		var r *canvas.Rectangle
		if i < len(prev) {
			r = prev[i]
			if r.FillColor != colours[i] {
				r.FillColor = colours[i]
				d.changed = append(d.changed, r)
			}
		} else {
			r = canvas.NewRectangle(colours[i])
		}
		r.Move(fyne.NewPos(a.x, a.y))
		r.Resize(fyne.NewSize(a.w, a.h))
		bottom = append(bottom, r)
	}
	paint = make([]fyne.CanvasObject, 0, len(bottom)+len(d.objs)+1)
	for _, r := range bottom {
		paint = append(paint, r)
	}
	skip := map[int]bool{}
	if g == colorPanel {
		for _, f := range d.fills {
			if f.c == colorPanel {
				skip[f.at] = true
			}
		}
	}
	for i, o := range d.objs {
		if !skip[i] {
			paint = append(paint, o)
		}
	}
	return bottom, paint
}

// uncovered returns the parts of the frame (0, 0, w, h) that no fill
// covers. The frame is cut into bands at every fill's top and bottom, so
// that a fill spans a band whole or not at all, and each band into the
// runs between the fills that span it; runs that continue those of the
// band above extend them.
func uncovered(fills []fill, w, h float32) []area {
	ys := []float32{0, h}
	for _, f := range fills {
		ys = append(ys, clamp(f.y, 0, h), clamp(f.y+f.h, 0, h))
	}
	slices.Sort(ys)
	ys = slices.Compact(ys)
	var out []area
	open := map[[2]float32]int{} // a run's x and end → its index in out, while it reaches the band's top
	for i := 0; i+1 < len(ys); i++ {
		y0, y1 := ys[i], ys[i+1]
		var spans [][2]float32
		for _, f := range fills {
			if f.w > 0 && f.y <= y0 && f.y+f.h >= y1 {
				spans = append(spans, [2]float32{f.x, f.x + f.w})
			}
		}
		slices.SortFunc(spans, func(a, b [2]float32) int {
			switch {
			case a[0] < b[0]:
				return -1
			case a[0] > b[0]:
				return 1
			}
			return 0
		})
		next := map[[2]float32]int{}
		run := func(x0, x1 float32) {
			if x1 <= x0 {
				return
			}
			k := [2]float32{x0, x1}
			if j, ok := open[k]; ok {
				out[j].h = y1 - out[j].y
				next[k] = j
				return
			}
			out = append(out, area{x0, y0, x1 - x0, y1 - y0})
			next[k] = len(out) - 1
		}
		x := float32(0)
		for _, s := range spans {
			run(x, min(s[0], w))
			x = max(x, s[1])
		}
		run(x, w)
		open = next
	}
	return out
}

// asPainted is f as Fyne's painter places it on the screen: its position
// and its size each rounded to whole pixels of the canvas's scale.
func asPainted(f fill, scale float32) fill {
	if scale <= 0 {
		scale = 1
	}
	round := func(v float32) float32 { return float32(math.Round(float64(v*scale))) / scale }
	f.x, f.y, f.w, f.h = round(f.x), round(f.y), round(f.w), round(f.h)
	return f
}

func sum(areas []area) float32 {
	total := float32(0)
	for _, a := range areas {
		total += a.w * a.h
	}
	return total
}

func clamp(v, lo, hi float32) float32 { return min(max(v, lo), hi) }
