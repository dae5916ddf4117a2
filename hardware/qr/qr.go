// Package qr encodes and decodes QR codes with gozxing.
//
// Decode is tuned for what a kiosk camera or a photographed phone screen
// delivers. A frame without three finder-pattern-like places is rejected
// by a cheap pre-check (most frames of an idle kiosk's camera show the
// lobby, not a code). Otherwise it tries a cheap pass first, because most
// frames of a code held under a camera decode on the first attempt, and
// only then spends time on harder variants (TRY_HARDER, another binarizer,
// inversion, contrast stretching, downscaling, rotation by 45°).
package qr

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"sync/atomic"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"
)

// ErrNotFound is returned (wrapped) by Decode when no readable QR code is in
// the image. Callers test for it with errors.Is and usually just wait for the
// next frame.
var ErrNotFound = errors.New("qr: no readable QR code")

// ErrNoFinderPatterns is returned (wrapped) by Decode when the image does
// not even show the three finder patterns of a QR code. It wraps
// ErrNotFound. Unlike a code that was seen but not read, such a view need
// not be looked at again until it changes.
var ErrNoFinderPatterns = fmt.Errorf("%w: no three finder patterns", ErrNotFound)

// Decode returns the text of the first QR code found in img.
func Decode(img image.Image) (string, error) {
	if img == nil {
		return "", fmt.Errorf("decode nil image: %w", ErrNotFound)
	}
	plane := grayFromImage(img)
	if plane.w < 21 || plane.h < 21 {
		// A version 1 symbol has 21 modules; nothing smaller can hold one.
		return "", fmt.Errorf("decode %dx%d image: too small: %w", plane.w, plane.h, ErrNotFound)
	}
	// Most camera frames show no code at all; gozxing would spend a dozen
	// attempts to find that out.
	if !mayHoldCode(plane) {
		return "", fmt.Errorf("decode %dx%d image: %w", plane.w, plane.h, ErrNoFinderPatterns)
	}
	return decodeGray(plane)
}

// decodeGray runs gozxing's attempts on plane, cheapest first.
func decodeGray(plane gray) (string, error) {
	var lastErr error
	attempts := 0
	for _, attempt := range decodeAttempts(plane) {
		p := attempt.prepare()
		if p.w < 21 || p.h < 21 {
			continue
		}
		attempts++
		text, err := decodePlane(p, attempt.globalHistogram, attempt.tryHarder)
		if err == nil {
			return text, nil
		}
		lastErr = err
	}
	return "", fmt.Errorf("decode %dx%d image after %d attempts (last: %v): %w",
		plane.w, plane.h, attempts, lastErr, ErrNotFound)
}

// attempt is one way of looking at the image. prepare is lazy so that the
// expensive variants are only computed when the cheap ones have failed.
type attempt struct {
	prepare         func() gray
	globalHistogram bool
	tryHarder       bool
}

func decodeAttempts(plane gray) []attempt {
	same := func() gray { return plane }
	stretched := func() gray { return plane.stretchContrast() }
	half := func() gray { return plane.downscale(2) }
	quarter := func() gray { return plane.downscale(4) }
	attempts := []attempt{
		{prepare: same},                  // fast path: a clean frame
		{prepare: same, tryHarder: true}, // finder patterns small or partly hidden
		{prepare: same, globalHistogram: true, tryHarder: true},
		{prepare: func() gray { return plane.invert() }, tryHarder: true}, // light code on dark screen
		{prepare: stretched, tryHarder: true},
		{prepare: stretched, globalHistogram: true, tryHarder: true},
		{prepare: func() gray { return plane.blur() }, tryHarder: true}, // sensor noise, JPEG blocks
	}
	// Large photos: downscaling averages noise and moiré away and makes
	// modules sharper relative to the binarizer's block size.
	if min(plane.w, plane.h) >= 300 {
		attempts = append(attempts,
			attempt{prepare: half, tryHarder: true},
			attempt{prepare: half, globalHistogram: true, tryHarder: true})
	}
	if min(plane.w, plane.h) >= 800 {
		attempts = append(attempts, attempt{prepare: quarter, tryHarder: true})
	}
	// The finder-pattern search scans rows and columns; a code tilted by about
	// 45° can defeat it, so look once more at a rotated copy.
	attempts = append(attempts,
		attempt{prepare: func() gray { return plane.rotate45() }, tryHarder: true},
		attempt{prepare: func() gray { return plane.invert().stretchContrast() }, globalHistogram: true, tryHarder: true},
	)
	return attempts
}

var qrReader = qrcode.NewQRCodeReader()

// gozxingAttempts counts the planes handed to gozxing, so that tests can
// see which frames the pre-check kept from it.
var gozxingAttempts atomic.Int64

func decodePlane(p gray, globalHistogram, tryHarder bool) (string, error) {
	gozxingAttempts.Add(1)
	source, err := gozxing.NewPlanarYUVLuminanceSource(p.pix, p.w, p.h, 0, 0, p.w, p.h, false)
	if err != nil {
		return "", fmt.Errorf("luminance source: %w", err)
	}
	var binarizer gozxing.Binarizer
	if globalHistogram {
		binarizer = gozxing.NewGlobalHistgramBinarizer(source)
	} else {
		binarizer = gozxing.NewHybridBinarizer(source)
	}
	bitmap, err := gozxing.NewBinaryBitmap(binarizer)
	if err != nil {
		return "", fmt.Errorf("binary bitmap: %w", err)
	}
	var hints map[gozxing.DecodeHintType]any
	if tryHarder {
		hints = map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}
	}
	// QRCodeReader keeps no state between calls, so one value is shared.
	result, err := qrReader.Decode(bitmap, hints)
	if err != nil {
		return "", err
	}
	return result.GetText(), nil
}

// Encode renders text as a QR code image of at least size×size pixels
// (error correction M, quiet zone of 4 modules). When size is too small for
// the symbol, the image is as small as the symbol with its quiet zone allows.
func Encode(text string, size int) (image.Image, error) {
	if text == "" {
		return nil, errors.New("qr: encode empty text")
	}
	if size < 0 {
		return nil, fmt.Errorf("qr: encode with negative size %d", size)
	}
	hints := map[gozxing.EncodeHintType]any{
		gozxing.EncodeHintType_ERROR_CORRECTION: decoder.ErrorCorrectionLevel_M,
		gozxing.EncodeHintType_MARGIN:           4,
	}
	if !isASCII(text) {
		hints[gozxing.EncodeHintType_CHARACTER_SET] = "UTF-8"
	}
	matrix, err := qrcode.NewQRCodeWriter().Encode(text, gozxing.BarcodeFormat_QR_CODE, size, size, hints)
	if err != nil {
		return nil, fmt.Errorf("qr: encode %d bytes: %w", len(text), err)
	}
	w, h := matrix.GetWidth(), matrix.GetHeight()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.Gray{Y: 0xff}
			if matrix.Get(x, y) {
				c.Y = 0
			}
			img.SetGray(x, y, c)
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
