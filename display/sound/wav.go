// Package sound plays the display's sounds through the system's audio
// device (github.com/ebitengine/oto/v3 on ALSA) and speaks announcements
// with espeak-ng. It also synthesizes the gong, so the WAV file in
// assets/sounds is ours to license.
package sound

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// PCM is mono signed 16-bit audio.
type PCM struct {
	Rate    int
	Samples []int16
}

// EncodeWAV writes p as a RIFF WAVE file (PCM, mono, 16 bit).
func EncodeWAV(p PCM) []byte {
	var b bytes.Buffer
	dataLen := uint32(2 * len(p.Samples))
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, 36+dataLen)
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(p.Rate), uint32(2 * p.Rate), uint16(2), uint16(16)} {
		binary.Write(&b, binary.LittleEndian, v) // writes to a bytes.Buffer cannot fail
	}
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, dataLen)
	binary.Write(&b, binary.LittleEndian, p.Samples)
	return b.Bytes()
}

// DecodeWAV reads a PCM WAVE file with 16-bit samples; stereo is mixed down
// to mono. It accepts the streaming header of espeak-ng --stdout, whose
// data length is a placeholder, by reading up to the end of the input.
func DecodeWAV(data []byte) (PCM, error) {
	if len(data) < 12 || string(data[:4]) != "RIFF" || string(data[8:12]) != "WAVE" {
		return PCM{}, errors.New("wav: not a RIFF WAVE file")
	}
	var channels, bits int
	var rate int
	pos := 12
	for pos+8 <= len(data) {
		id := string(data[pos : pos+4])
		size := int(binary.LittleEndian.Uint32(data[pos+4 : pos+8]))
		body := data[pos+8:]
		if size < 0 || size > len(body) {
			size = len(body)
		}
		switch id {
		case "fmt ":
			if size < 16 {
				return PCM{}, errors.New("wav: short fmt chunk")
			}
			if format := binary.LittleEndian.Uint16(body); format != 1 && format != 0xFFFE {
				return PCM{}, fmt.Errorf("wav: format %d is not PCM", format)
			}
			channels = int(binary.LittleEndian.Uint16(body[2:]))
			rate = int(binary.LittleEndian.Uint32(body[4:]))
			bits = int(binary.LittleEndian.Uint16(body[14:]))
		case "data":
			if channels == 0 {
				return PCM{}, errors.New("wav: data before fmt")
			}
			if bits != 16 {
				return PCM{}, fmt.Errorf("wav: %d-bit samples, want 16", bits)
			}
			frames := size / (2 * channels)
			out := PCM{Rate: rate, Samples: make([]int16, frames)}
			for i := range frames {
				sum := 0
				for c := range channels {
					sum += int(int16(binary.LittleEndian.Uint16(body[2*(i*channels+c):])))
				}
				out.Samples[i] = int16(sum / channels)
			}
			return out, nil
		}
		pos += 8 + size + size%2
	}
	return PCM{}, errors.New("wav: no data chunk")
}

// Resample converts p to rate by linear interpolation; good enough for a
// voice and a chime.
func Resample(p PCM, rate int) PCM {
	if p.Rate == rate || p.Rate <= 0 || len(p.Samples) == 0 {
		return PCM{Rate: rate, Samples: p.Samples}
	}
	n := int(int64(len(p.Samples)) * int64(rate) / int64(p.Rate))
	out := PCM{Rate: rate, Samples: make([]int16, n)}
	last := len(p.Samples) - 1
	for i := range n {
		x := float64(i) * float64(p.Rate) / float64(rate)
		j := int(x)
		if j >= last {
			out.Samples[i] = p.Samples[last]
			continue
		}
		frac := x - float64(j)
		out.Samples[i] = int16(float64(p.Samples[j])*(1-frac) + float64(p.Samples[j+1])*frac)
	}
	return out
}

// bytesLE returns the samples as little-endian bytes, oto's input format.
func (p PCM) bytesLE() []byte {
	b := make([]byte, 2*len(p.Samples))
	for i, s := range p.Samples {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(s))
	}
	return b
}
