package board

import (
	"testing"
)

// TestUncovered checks the parts of a frame no fill covers: together with
// the fills they tile the frame exactly, none overlaps a fill, and runs
// that continue down the frame are one rectangle, not one per band.
func TestUncovered(t *testing.T) {
	tile := func(x, y, w, h float32) fill { return fill{x: x, y: y, w: w, h: h} }
	tests := []struct {
		name  string
		fills []fill
		areas int // how many rectangles the uncovered parts take
	}{
		{"nothing drawn", nil, 1},
		{"all covered", []fill{tile(0, 0, 100, 60)}, 0},
		{"two columns and the gaps around", []fill{tile(10, 10, 35, 40), tile(55, 10, 35, 40)}, 5},
		{"a grid of tiles", []fill{
			tile(5, 5, 40, 20), tile(55, 5, 40, 20),
			tile(5, 35, 40, 20), tile(55, 35, 40, 20),
		}, 9},
		{"a header over a grid with a panel beside it", []fill{
			tile(0, 0, 100, 8),
			tile(2, 10, 30, 20), tile(34, 10, 30, 20),
			tile(2, 32, 30, 20),
			tile(66, 10, 32, 42),
		}, 9},
		{"a fill beyond the frame", []fill{tile(-10, -10, 60, 200)}, 1},
		{"a rule on a panel", []fill{tile(10, 10, 50, 40), tile(20, 20, 10, 1)}, 4},
	}
	const w, h = 100, 60
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := uncovered(tt.fills, w, h)
			if len(got) != tt.areas {
				t.Errorf("%d rectangles, want %d: %v", len(got), tt.areas, got)
			}
			// The frames here are whole units: each unit must be under a
			// fill or under exactly one uncovered part, never both.
			var filled, parts [h][w]int
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					px, py := float32(x)+0.5, float32(y)+0.5
					for _, f := range tt.fills {
						if px > f.x && px < f.x+f.w && py > f.y && py < f.y+f.h {
							filled[y][x]++
						}
					}
					for _, a := range got {
						if px > a.x && px < a.x+a.w && py > a.y && py < a.y+a.h {
							parts[y][x]++
						}
					}
					switch {
					case filled[y][x] > 0 && parts[y][x] > 0:
						t.Fatalf("(%d, %d) is under a fill and an uncovered part: %v", x, y, got)
					case filled[y][x] == 0 && parts[y][x] != 1:
						t.Fatalf("(%d, %d) is under %d uncovered parts: %v", x, y, parts[y][x], got)
					}
				}
			}
		})
	}
}
