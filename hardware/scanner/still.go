package scanner

import (
	"image"
	"image/color"
)

// Change detection between camera frames. A kiosk camera looks at an empty
// lobby most of the day; a view that has not changed since a look that
// found nothing need not be decoded again. Sensor noise and JPEG artefacts
// change every pixel a little; a hand, a phone or a person changes some
// pixels a lot.
const (
	// stillStep is the spacing of the sampled pixels in both directions:
	// 80×60 samples of a 640×480 frame, enough to see a phone at the edge.
	stillStep = 8
	// stillDelta is a change of a sample beyond noise and JPEG artefacts.
	stillDelta = 24
	// stillMeanDelta is a change of the whole view's brightness (light
	// switched, camera covered), in grey levels on average.
	stillMeanDelta = 6
	// stillSamples: a change counts when more than one in this many
	// samples changed by stillDelta (about 20 of 4,800).
	stillSamples = 256
)

// stillDetector remembers the samples of the last frame looked at.
type stillDetector struct {
	w, h    int
	samples []byte
	next    []byte
}

// changed samples img and reports whether it differs from the frame of the
// previous call. The first frame and a change of size count as changed.
func (s *stillDetector) changed(img image.Image) bool {
	b := img.Bounds()
	s.next = sampleLuminance(img, s.next[:0])
	defer func() { s.samples, s.next = s.next, s.samples }()
	if b.Dx() != s.w || b.Dy() != s.h || len(s.samples) != len(s.next) {
		s.w, s.h = b.Dx(), b.Dy()
		return true
	}
	moved, sum := 0, 0
	for i, v := range s.next {
		d := int(v) - int(s.samples[i])
		sum += d
		if d < 0 {
			d = -d
		}
		if d > stillDelta {
			moved++
		}
	}
	n := len(s.next)
	if n == 0 {
		return false
	}
	if sum < 0 {
		sum = -sum
	}
	return moved*stillSamples > n || sum > stillMeanDelta*n
}

// sampleLuminance appends the luminance of every stillStep-th pixel of
// every stillStep-th row; camera frames (YCbCr from JPEG, Gray from YUYV)
// are read directly.
func sampleLuminance(img image.Image, out []byte) []byte {
	b := img.Bounds()
	switch m := img.(type) {
	case *image.YCbCr:
		for y := b.Min.Y + stillStep/2; y < b.Max.Y; y += stillStep {
			for x := b.Min.X + stillStep/2; x < b.Max.X; x += stillStep {
				out = append(out, m.Y[m.YOffset(x, y)])
			}
		}
	case *image.Gray:
		for y := b.Min.Y + stillStep/2; y < b.Max.Y; y += stillStep {
			for x := b.Min.X + stillStep/2; x < b.Max.X; x += stillStep {
				out = append(out, m.Pix[m.PixOffset(x, y)])
			}
		}
	default:
		for y := b.Min.Y + stillStep/2; y < b.Max.Y; y += stillStep {
			for x := b.Min.X + stillStep/2; x < b.Max.X; x += stillStep {
				out = append(out, color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y)
			}
		}
	}
	return out
}
