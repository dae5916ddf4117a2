package sound

import "math"

// SampleRate is the rate of the gong and of the audio device; espeak-ng
// speaks at the same rate, so nothing is resampled in the common case.
const SampleRate = 22050

// GongFile is the gong's name under assets/sounds.
const GongFile = "gong.wav"

// Chime synthesizes the gong: two bell tones falling a major third (E5 →
// C5), each a fundamental with a few inharmonic partials that decay, the
// way a door chime sounds. assets/sounds/gong.wav is this output; a test
// keeps the two equal (go test ./display/sound -run TestGongFile -update
// rewrites the file).
func Chime() PCM {
	const (
		length = 2.2  // seconds
		second = 0.55 // start of the second tone
		peak   = 0.55 // of full scale, leaves headroom
	)
	n := int(length * SampleRate)
	mix := make([]float64, n)
	bell(mix, 0, 659.25)
	bell(mix, second, 523.25)
	maxAbs := 0.0
	for _, v := range mix {
		maxAbs = max(maxAbs, math.Abs(v))
	}
	out := PCM{Rate: SampleRate, Samples: make([]int16, n)}
	for i, v := range mix {
		// Fade the last 50 ms so the file ends in silence without a click.
		fade := min(1, float64(n-i)/(0.05*SampleRate))
		out.Samples[i] = int16(math.Round(v / maxAbs * peak * fade * math.MaxInt16))
	}
	return out
}

// bell adds one struck tone at start seconds with fundamental f.
func bell(mix []float64, start, f float64) {
	partials := []struct{ ratio, gain, decay float64 }{
		{1, 1, 0.9},
		{2, 0.35, 0.5},
		{3.01, 0.12, 0.3},
		{4.17, 0.06, 0.2},
	}
	first := int(start * SampleRate)
	for i := first; i < len(mix); i++ {
		t := float64(i-first) / SampleRate
		attack := min(1, t/0.004)
		v := 0.0
		for _, p := range partials {
			v += p.gain * math.Exp(-t/p.decay) * math.Sin(2*math.Pi*f*p.ratio*t)
		}
		mix[i] += attack * v
	}
}
