package printer

import (
	"fmt"
	"image"
	"image/color"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"
	"github.com/makiuchi-d/gozxing/qrcode/encoder"
)

// qrImage renders data the way a printer's own QR generator does: model 2,
// moduleSize dots per module, with a 4-module quiet zone.
func qrImage(data string, moduleSize int, level ECLevel) (*image.Gray, error) {
	if data == "" {
		return nil, fmt.Errorf("QR code without data")
	}
	ec := map[ECLevel]decoder.ErrorCorrectionLevel{
		ECLow: decoder.ErrorCorrectionLevel_L, ECMedium: decoder.ErrorCorrectionLevel_M,
		ECQuartile: decoder.ErrorCorrectionLevel_Q, ECHigh: decoder.ErrorCorrectionLevel_H,
	}[level] // an unknown level maps to the zero value, M, as printers do
	var hints map[gozxing.EncodeHintType]any
	if !isASCII(data) {
		hints = map[gozxing.EncodeHintType]any{gozxing.EncodeHintType_CHARACTER_SET: "UTF-8"}
	}
	code, err := encoder.Encoder_encode(data, ec, hints)
	if err != nil {
		return nil, fmt.Errorf("encode QR code of %d bytes: %w", len(data), err)
	}
	m := code.GetMatrix()
	module := min(max(moduleSize, 1), 16)
	const quiet = 4
	side := (m.GetWidth() + 2*quiet) * module
	img := image.NewGray(image.Rect(0, 0, side, side))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for y := 0; y < m.GetHeight(); y++ {
		for x := 0; x < m.GetWidth(); x++ {
			if m.Get(x, y) != 1 {
				continue
			}
			for dy := 0; dy < module; dy++ {
				for dx := 0; dx < module; dx++ {
					img.SetGray((x+quiet)*module+dx, (y+quiet)*module+dy, color.Gray{})
				}
			}
		}
	}
	return img, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
