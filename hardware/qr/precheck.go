package qr

import (
	"math/bits"
	"sync"
)

// The pre-check answers one question cheaply: could gozxing find the three
// finder patterns of a QR code in this image? gozxing only decodes a code
// when, on one of its binarised variants, three places pass its 1:1:3:1:1
// test horizontally, vertically and diagonally with similar module sizes.
// The pre-check runs the same test on its own binarisation with wider
// tolerances, in both polarities (gozxing also tries the inverted image),
// in every direction that a rotated code can show, and at full and half
// resolution (gozxing also tries a blurred and a downscaled copy). When it
// finds fewer than three such places, none of gozxing's attempts can
// succeed, and a camera frame of an empty lobby costs a few milliseconds
// instead of a dozen full decodes.

const (
	// precheckBlock is the side of the blocks whose minimum and maximum set
	// the local threshold; the threshold of a block is the midrange of the
	// 5×5 blocks around it, so a finder pattern of up to about 40 pixels
	// always has light and dark pixels in its window.
	precheckBlock = 8
	// precheckMinRange is the smallest local contrast that can be an edge:
	// below it the threshold would cut sensor noise into random runs.
	precheckMinRange = 10
	// precheckSizeRatio is how much the module sizes of the three finder
	// patterns may differ; gozxing allows 1.4, perspective and our own
	// coarser estimate need more.
	precheckSizeRatio = 2.2
	// precheckHits is how many of the five lines through a candidate's
	// core (the centre row and column, and the rows above and below and
	// the columns left and right of it) must show the pattern. Noise
	// mimics a finder on a line or two; a real finder's core is three
	// modules wide and tall. The lines off the centre of a small rotated
	// finder are distorted, so from precheckSmallModule pixels up two
	// lines are enough.
	precheckHits        = 5
	precheckRotatedHits = 2
	precheckSmallModule = 2.0
	// precheckRowStep: every second row is scanned. gozxing scans every
	// third row even when trying hard, so a core it can find is crossed.
	precheckRowStep = 2
	// Allowed deviation per module, in thousandths (gozxing: 500 across
	// and down, 750 diagonally): wider on the scanned row, where a miss
	// costs a code, than in the cross-checks, which sort out noise.
	precheckScanVariance     = 750
	precheckVariance         = 600
	precheckDiagonalVariance = 850
)

// mayHoldCode reports whether p shows at least three finder-pattern-like
// places of similar size. It is meant to be false only when gozxing cannot
// decode p; TestPrecheckKeepsDecodableCodes holds it to that.
func mayHoldCode(p gray) bool {
	if p.w < 21 || p.h < 21 {
		return false
	}
	s := scratchPool.Get().(*scratch)
	defer scratchPool.Put(s)
	if hasThreeFinders(finderCandidates(p, s)) {
		return true
	}
	// Sensor noise and JPEG blocks can break the runs of small modules at
	// full resolution; averaged 2×2 they are whole again.
	if min(p.w, p.h) >= 84 {
		half := halfScale(p)
		cands := finderCandidates(half, s)
		grayPool.Put(&half.pix)
		return hasThreeFinders(cands)
	}
	return false
}

// scratch is the memory a pre-check takes over from the one before: the
// thresholded plane and the run ends of a row.
type scratch struct {
	plane  []byte
	bounds []int
}

var (
	scratchPool = sync.Pool{New: func() any { return new(scratch) }}
	grayPool    = sync.Pool{New: func() any { return new([]byte) }}
)

// halfScale averages 2×2 blocks into a pooled plane.
func halfScale(p gray) gray {
	w, h := p.w/2, p.h/2
	buf := grayPool.Get().(*[]byte)
	if cap(*buf) < w*h {
		*buf = make([]byte, w*h)
	}
	out := gray{pix: (*buf)[:w*h], w: w, h: h}
	for y := 0; y < h; y++ {
		r0 := p.pix[2*y*p.w:]
		r1 := p.pix[(2*y+1)*p.w:]
		o := out.pix[y*w : (y+1)*w]
		for x := range o {
			o[x] = byte((int(r0[2*x]) + int(r0[2*x+1]) + int(r1[2*x]) + int(r1[2*x+1]) + 2) / 4)
		}
	}
	return out
}

// candidate is a place that looks like a finder pattern's centre.
type candidate struct {
	x, y, module float64
	hits         int
}

// qualifies reports whether c was seen on enough lines through its core.
func (c candidate) qualifies() bool {
	return c.hits >= precheckHits || c.module >= precheckSmallModule && c.hits >= precheckRotatedHits
}

func hasThreeFinders(all []candidate) bool {
	var cands []candidate
	for _, c := range all {
		if c.qualifies() {
			cands = append(cands, c)
		}
	}
	if len(cands) < 3 {
		return false
	}
	// Three of them must have similar module sizes and lie like the
	// corners of a code: two legs of similar length at a roughly right
	// angle, at least a version 1 symbol apart. The bounds are loose
	// (perspective, shear); random texture rarely meets them.
	sortByModule(cands)
	for i := 0; i < len(cands); i++ {
		for j := i + 1; j < len(cands); j++ {
			for k := j + 1; k < len(cands); k++ {
				if cands[k].module > cands[i].module*precheckSizeRatio {
					break
				}
				if likeCorners(cands[i], cands[j], cands[k]) {
					return true
				}
			}
		}
	}
	return false
}

// likeCorners reports whether three finder candidates could be the
// corners of one code.
func likeCorners(p, q, r candidate) bool {
	sq := func(a, b candidate) float64 { return (a.x-b.x)*(a.x-b.x) + (a.y-b.y)*(a.y-b.y) }
	a, b, c := sq(p, q), sq(q, r), sq(p, r)
	// Sort so that c is the longest side (the diagonal), a ≤ b the legs.
	if a > b {
		a, b = b, a
	}
	if b > c {
		b, c = c, b
	}
	if a > b {
		a, b = b, a
	}
	m := max(p.module, q.module, r.module)
	// Finder centres of a version 1 symbol are 14 modules apart.
	if a < (7*m)*(7*m) || b > 6.25*a {
		return false
	}
	// Law of cosines: the angle between the legs between 60° and 125°.
	return c >= 0.45*(a+b) && c <= 1.6*(a+b)
}

func sortByModule(c []candidate) {
	for i := 1; i < len(c); i++ {
		for j := i; j > 0 && c[j].module < c[j-1].module; j-- {
			c[j], c[j-1] = c[j-1], c[j]
		}
	}
}

// binary is p seen through a local threshold: the midrange of the 5×5
// blocks around a pixel's block. In flat areas (less contrast than
// precheckMinRange) every pixel is light, so that noise on a plain wall
// makes no runs. Every pixel is thresholded once, into a plane of one
// byte per pixel: the cross-checks walk columns and diagonals through it
// thousands of times on a noisy frame, and a lookup of the threshold at
// every step of those walks took more time than thresholding the rows
// that no scan reads.
type binary struct {
	dark []byte // 1 for a dark pixel, 0 for a light one; row after row
	w, h int
}

// newBinary thresholds p into the pooled plane.
func newBinary(p gray, plane *[]byte) binary {
	bw := (p.w + precheckBlock - 1) / precheckBlock
	bh := (p.h + precheckBlock - 1) / precheckBlock
	lo := make([]byte, bw*bh)
	hi := make([]byte, bw*bh)
	for i := range lo {
		lo[i] = 255
	}
	full := p.w / precheckBlock
	// Every second row sets the blocks' range, as every second row is
	// scanned (precheckRowStep): a finder pattern's dark and light
	// modules span more rows than that.
	for y := 0; y < p.h; y += precheckRowStep {
		row := p.pix[y*p.w : (y+1)*p.w]
		brow := (y / precheckBlock) * bw
		blo, bhi := lo[brow:brow+bw], hi[brow:brow+bw]
		for bx := 0; bx < full; bx++ {
			// A fixed-size array lets the compiler drop the bounds checks
			// of the loop that touches every pixel.
			s := (*[precheckBlock]byte)(row[bx*precheckBlock:])
			l := min(blo[bx], s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7])
			h := max(bhi[bx], s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7])
			blo[bx], bhi[bx] = l, h
		}
		for x := full * precheckBlock; x < p.w; x++ {
			blo[full] = min(blo[full], row[x])
			bhi[full] = max(bhi[full], row[x])
		}
	}
	// The 5×5 neighbourhood's minimum and maximum, separably: first
	// across, then down.
	lo5 := make([]byte, bw*bh)
	hi5 := make([]byte, bw*bh)
	for by := 0; by < bh; by++ {
		for bx := 0; bx < bw; bx++ {
			l, h := byte(255), byte(0)
			for xx := max(0, bx-2); xx <= min(bw-1, bx+2); xx++ {
				l = min(l, lo[by*bw+xx])
				h = max(h, hi[by*bw+xx])
			}
			lo5[by*bw+bx], hi5[by*bw+bx] = l, h
		}
	}
	// A flat block's threshold is -1: every pixel is above it, light.
	thr := make([]int, bw*bh)
	for by := 0; by < bh; by++ {
		for bx := 0; bx < bw; bx++ {
			l, h := byte(255), byte(0)
			for yy := max(0, by-2); yy <= min(bh-1, by+2); yy++ {
				l = min(l, lo5[yy*bw+bx])
				h = max(h, hi5[yy*bw+bx])
			}
			if int(h)-int(l) < precheckMinRange {
				thr[by*bw+bx] = -1
			} else {
				thr[by*bw+bx] = (int(l) + int(h) + 1) / 2
			}
		}
	}
	if cap(*plane) < p.w*p.h {
		*plane = make([]byte, p.w*p.h)
	}
	b := binary{dark: (*plane)[:p.w*p.h], w: p.w, h: p.h}
	for y := 0; y < p.h; y++ {
		row := p.pix[y*p.w : (y+1)*p.w]
		out := b.dark[y*p.w : (y+1)*p.w]
		bthr := thr[(y/precheckBlock)*bw : (y/precheckBlock+1)*bw]
		for bx := 0; bx < full; bx++ {
			t := bthr[bx]
			s := (*[precheckBlock]byte)(row[bx*precheckBlock:])
			d := (*[precheckBlock]byte)(out[bx*precheckBlock:])
			// Branch-free: on noise a branch here mispredicts half the time.
			for i := range precheckBlock {
				d[i] = byte(uint(int(s[i])-t) >> (bits.UintSize - 1))
			}
		}
		for x := full * precheckBlock; x < p.w; x++ {
			out[x] = byte(uint(int(row[x])-bthr[full]) >> (bits.UintSize - 1))
		}
	}
	return b
}

// finderCandidates scans every second row of p for five runs in the ratio
// 1:1:3:1:1 of either polarity and keeps those whose centre passes the
// same test vertically, horizontally and along both diagonals, with the
// rows above and below the centre counted as hits.
func finderCandidates(p gray, s *scratch) []candidate {
	b := newBinary(p, &s.plane)
	if cap(s.bounds) < p.w+1 {
		s.bounds = make([]int, p.w+1)
	}
	e := s.bounds[:p.w+1]
	var cands []candidate
	for y := 1; y < p.h; y += precheckRowStep {
		row := b.dark[y*p.w : (y+1)*p.w]
		// Where the runs of the row end, e[1:k], after e[0] = 0: without a
		// branch per pixel, for on noise a run ends at every second pixel
		// and such a branch mispredicts half the time.
		e[0] = 0
		k := 1
		for x := 1; x < len(row); x++ {
			e[k] = x
			k += int(row[x] ^ row[x-1])
		}
		e[k] = p.w
		k++
		// Every window of five runs, the last ending at x = e[m].
		for m := 5; m < k; m++ {
			x := e[m]
			runs := [5]int{e[m-4] - e[m-5], e[m-3] - e[m-4], e[m-2] - e[m-3], e[m-1] - e[m-2], x - e[m-1]}
			total := runs[0] + runs[1] + runs[2] + runs[3] + runs[4]
			// The middle run is long enough (gozxing's own test wants it
			// longer than 1.5 modules of at least one pixel), and the
			// runs pass the ratio test; in one branch, for this runs at
			// every run end and nearly always fails.
			if !scanRatio(runs, total) {
				continue
			}
			cx := x - runs[4] - runs[3] - (runs[2]+1)/2
			color := row[cx]
			cy, vtotal, ok := b.crossLine(cx, y, 0, 1, color, total, precheckVariance, 2)
			if !ok {
				continue
			}
			// Re-centre horizontally on the vertical centre, as gozxing does.
			cx2, htotal, ok := b.crossLine(cx, cy, 1, 0, color, total, precheckVariance, 2)
			if !ok {
				continue
			}
			if _, _, ok := b.crossLine(cx2, cy, 1, 1, color, total*3/2, precheckDiagonalVariance, 1); !ok {
				continue
			}
			if _, _, ok := b.crossLine(cx2, cy, 1, -1, color, total*3/2, precheckDiagonalVariance, 1); !ok {
				continue
			}
			// The rows above and below and the columns left and right of
			// the centre cross the core too.
			hits := 1
			for _, yy := range [2]int{cy - 1, cy + 1} {
				if _, _, ok := b.crossLine(cx2, yy, 1, 0, color, htotal, precheckVariance, 2); ok {
					hits++
				}
			}
			for _, xx := range [2]int{cx2 - 1, cx2 + 1} {
				if _, _, ok := b.crossLine(xx, cy, 0, 1, color, vtotal, precheckVariance, 2); ok {
					hits++
				}
			}
			module := float64(htotal+vtotal) / 14
			c := candidate{x: float64(cx2), y: float64(cy), module: module, hits: hits}
			cands = addCandidate(cands, c)
			// A frame with a code need not be scanned to the end.
			if c.qualifies() && hasThreeFinders(cands) {
				return cands
			}
		}
	}
	return cands
}

// scanRatio reports whether the runs of a scanned row could cross a
// finder pattern's centre: the middle run at least 2 pixels and more than
// 6/35 of the total (1.5 of 7 modules, less the scan's tolerance), and
// crossRatio at precheckScanVariance, whose bounds it states as
// differences that are negative when met. It runs at every run end and
// nearly always fails, so it has no branch but the one on the sign of
// all differences ANDed: that is negative only when every one is.
func scanRatio(r [5]int, total int) bool {
	const v = precheckScanVariance
	t := total
	d := (1 - r[2]) & (6 - t) & (6*t - 35*r[2]) &
		((3000-3*v)*t - 7000*r[2]) & (7000*r[2] - (3000+3*v)*t) &
		((1000-v)*t - 7000*r[0]) & (7000*r[0] - (1000+v)*t) &
		((1000-v)*t - 7000*r[1]) & (7000*r[1] - (1000+v)*t) &
		((1000-v)*t - 7000*r[3]) & (7000*r[3] - (1000+v)*t) &
		((1000-v)*t - 7000*r[4]) & (7000*r[4] - (1000+v)*t)
	return d < 0
}

// addCandidate merges c into a candidate at about the same place.
func addCandidate(cands []candidate, c candidate) []candidate {
	for i, o := range cands {
		dx, dy := o.x-c.x, o.y-c.y
		r := 1.5 * max(o.module, c.module)
		if dx*dx+dy*dy <= r*r {
			if c.hits > o.hits {
				cands[i] = c
			}
			return cands
		}
	}
	if len(cands) >= 256 {
		return cands
	}
	return append(cands, c)
}

// crossRatio is gozxing's 1:1:3:1:1 test with the allowed deviation per
// module widened from 0.5 to variance (in thousandths of a module). It
// counts in integers: it runs at every run end of every row.
func crossRatio(r [5]int, variance int) bool {
	total := r[0] + r[1] + r[2] + r[3] + r[4]
	if total < 7 || r[0] == 0 || r[1] == 0 || r[2] == 0 || r[3] == 0 || r[4] == 0 {
		return false
	}
	// |r - want·total/7| < variance·want/1000·total/7, times 7000.
	v := variance * total
	return abs(7000*r[0]-1000*total) < v && abs(7000*r[1]-1000*total) < v &&
		abs(7000*r[2]-3000*total) < 3*v && abs(7000*r[3]-1000*total) < v &&
		abs(7000*r[4]-1000*total) < v
}

// crossLine walks from (x, y) in both directions (dx, dy) and checks that
// the line through the centre run of the given colour shows the
// 1:1:3:1:1 pattern with a total length not far from want. It returns the
// centre of the middle run along the walk's axis and the total length.
// It stops as soon as a run is too long for the pattern: on a noisy frame
// it runs thousands of times.
func (b binary) crossLine(x, y, dx, dy int, color byte, want int, variance int, minCentre int) (centre, total int, ok bool) {
	if x < 0 || y < 0 || x >= b.w || y >= b.h || b.dark[y*b.w+x] != color {
		return 0, 0, false
	}
	// The longest run that the ratio test could still accept, with the
	// total off by the 60 % allowed below.
	maxModule := (1000+variance)*want*8/5/7000 + 1
	// How many steps stay inside the image backwards and forwards.
	back, fwd := b.w+b.h, b.w+b.h
	if dx > 0 {
		back, fwd = min(back, x), min(fwd, b.w-1-x)
	}
	if dy > 0 {
		back, fwd = min(back, y), min(fwd, b.h-1-y)
	} else if dy < 0 {
		back, fwd = min(back, b.h-1-y), min(fwd, y)
	}
	other := 1 - color
	// The walk steps through the plane by step; pb and pf are the next
	// pixels backwards and forwards.
	step := dy*b.w + dx
	pb, pf := y*b.w+x, y*b.w+x+step
	px := b.dark
	var r [5]int
	// The centre run first, both ways: on noise it is usually too short.
	i := 0
	for i <= back && px[pb] == color && r[2] <= 3*maxModule {
		r[2]++
		i++
		pb -= step
	}
	centreBack := r[2]
	j := 1
	for j <= fwd && px[pf] == color && r[2] <= 3*maxModule {
		r[2]++
		j++
		pf += step
	}
	if r[2] < minCentre || r[2] > 3*maxModule {
		return 0, 0, false
	}
	for i <= back && px[pb] == other && r[1] <= maxModule {
		r[1]++
		i++
		pb -= step
	}
	if r[1] == 0 || r[1] > maxModule {
		return 0, 0, false
	}
	for i <= back && px[pb] == color && r[0] <= maxModule {
		r[0]++
		i++
		pb -= step
	}
	if r[0] == 0 || r[0] > maxModule {
		return 0, 0, false
	}
	for j <= fwd && px[pf] == other && r[3] <= maxModule {
		r[3]++
		j++
		pf += step
	}
	if r[3] == 0 || r[3] > maxModule {
		return 0, 0, false
	}
	for j <= fwd && px[pf] == color && r[4] <= maxModule {
		r[4]++
		j++
		pf += step
	}
	total = r[0] + r[1] + r[2] + r[3] + r[4]
	if 5*abs(total-want) >= 3*want || !crossRatio(r, variance) {
		return 0, 0, false
	}
	// The middle run starts centreBack-1 steps behind (x, y).
	offset := r[2]/2 - centreBack + 1
	if dx != 0 {
		return x + offset*dx, total, true
	}
	return y + offset*dy, total, true
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
