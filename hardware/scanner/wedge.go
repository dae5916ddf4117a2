package scanner

import (
	"time"
	"unicode/utf8"
)

// KeyEvent is one key press as the kiosk saw it: a typed character, or
// Enter. At is when the kiosk received it; the detector has no clock.
type KeyEvent struct {
	Rune  rune
	Enter bool
	At    time.Time
}

// WedgeResult is what the detector decided after a key event or a tick.
type WedgeResult struct {
	// Code is a complete scan; empty if none completed.
	Code string
	// Typed are keys judged to be a person typing, in order, to be handed
	// to the focused field ('\n' stands for Enter). A key is held back
	// until it is clear that it is not the start of a scan.
	Typed []rune
	// Dropped is why a scanner-like burst was discarded ("too long").
	Dropped string
	// Length is the dropped burst's length in runes, for the log.
	Length int
}

// Default limits of the wedge detector. Scanners type a character every
// 1–20 ms and end with Enter; people need 60 ms or more per key and even
// fast rollover typing does not keep that pace for a whole code.
const (
	DefaultWedgeMaxGap     = 50 * time.Millisecond
	DefaultWedgeMaxMeanGap = 25 * time.Millisecond
	DefaultWedgeMinLength  = 6
)

// WedgeDetector tells a keyboard-wedge scanner from a person at a keyboard.
// Such scanners (USB HID) "type" the code and press Enter; the kiosk feeds
// every key event to Key and the clock to Tick, and takes a scan when the
// burst was fast enough and long enough. A burst at scanner pace that ends
// in silence is a scan too: scanners set to a TAB suffix (which the window
// system keeps for focus changes) or to none send no Enter.
//
// The zero value uses the defaults. A WedgeDetector is not safe for
// concurrent use; the kiosk calls it from its UI event goroutine.
type WedgeDetector struct {
	// MaxGap is the longest pause between two keys of one scan.
	MaxGap time.Duration
	// MaxMeanGap is the longest mean pause across a whole scan.
	MaxMeanGap time.Duration
	// MinLength is the fewest characters a scan has.
	MinLength int
	// MaxLength is the most characters a scan has; zero means
	// DefaultMaxCodeLen. Longer bursts are dropped.
	MaxLength int
	// Affixes are the scanner's configured prefixes and suffixes; AIM
	// identifiers and layout mix-ups are undone in any case (see Payload).
	Affixes Affixes
	// Dedupe suppresses repeats; nil means a private Deduper.
	Dedupe *Deduper

	burst    []rune
	first    time.Time
	last     time.Time
	overlong int
}

// Key processes one key event.
func (d *WedgeDetector) Key(ev KeyEvent) WedgeResult {
	var res WedgeResult
	if len(d.burst) > 0 || d.overlong > 0 {
		if ev.At.Sub(d.last) > d.maxGap() {
			// Too slow to belong to the same burst: what we held ended.
			res = d.quiet()
		}
	}
	if ev.Enter {
		if len(d.burst) == 0 && d.overlong == 0 {
			res.Typed = append(res.Typed, '\n')
			return res
		}
		scan := d.finish(ev.At)
		scan.Typed = append(res.Typed, scan.Typed...)
		return scan
	}
	if !isTypable(ev.Rune) {
		// Not part of any code; a person pressed something odd.
		res.Typed = append(res.Typed, d.takeBurst()...)
		return res
	}
	if len(d.burst) == 0 && d.overlong == 0 {
		d.first = ev.At
	}
	d.last = ev.At
	if len(d.burst) >= d.maxLength() {
		d.overlong++
		return res
	}
	d.burst = append(d.burst, ev.Rune)
	return res
}

// Tick ends a burst that has been quiet for longer than MaxGap: as a scan
// if it was one, otherwise by releasing the held keys as typing. The kiosk
// calls it from a timer (every 50 ms is plenty) so that typed keys are not
// held back indefinitely.
func (d *WedgeDetector) Tick(now time.Time) WedgeResult {
	if (len(d.burst) > 0 || d.overlong > 0) && now.Sub(d.last) > d.maxGap() {
		return d.quiet()
	}
	return WedgeResult{}
}

// quiet ends a burst that went silent without Enter.
func (d *WedgeDetector) quiet() WedgeResult {
	if d.overlong == 0 && d.scannerPace(len(d.burst)-1, d.last) {
		return d.scan(d.last)
	}
	return d.release()
}

// finish decides on a burst ended by Enter at time at.
func (d *WedgeDetector) finish(at time.Time) WedgeResult {
	n := len(d.burst) + d.overlong
	if d.overlong > 0 {
		d.reset()
		return WedgeResult{Dropped: "too long", Length: n}
	}
	// n keys plus Enter: n gaps from the first key to Enter.
	if !d.scannerPace(n, at) {
		res := WedgeResult{Typed: append(d.takeBurst(), '\n')}
		return res
	}
	return d.scan(at)
}

// scannerPace reports whether the burst, with gaps pauses between its
// first key and end, was long and fast enough to be a scanner.
func (d *WedgeDetector) scannerPace(gaps int, end time.Time) bool {
	if len(d.burst) < d.minLength() {
		return false
	}
	return end.Sub(d.first)/time.Duration(max(gaps, 1)) <= d.maxMeanGap()
}

// scan takes the held burst as a scan completed at time at.
func (d *WedgeDetector) scan(at time.Time) WedgeResult {
	code := Payload(string(d.burst), d.Affixes)
	d.reset()
	if code == "" {
		return WedgeResult{}
	}
	dedupe := d.Dedupe
	if dedupe == nil {
		d.Dedupe = &Deduper{}
		dedupe = d.Dedupe
	}
	if !dedupe.Fresh(code, at) {
		return WedgeResult{}
	}
	return WedgeResult{Code: code}
}

// release hands the held keys back as typing. An overlong burst is no
// typing; it is dropped.
func (d *WedgeDetector) release() WedgeResult {
	if d.overlong > 0 {
		n := len(d.burst) + d.overlong
		d.reset()
		return WedgeResult{Dropped: "too long", Length: n}
	}
	return WedgeResult{Typed: d.takeBurst()}
}

func (d *WedgeDetector) takeBurst() []rune {
	typed := append([]rune(nil), d.burst...)
	d.reset()
	return typed
}

func (d *WedgeDetector) reset() {
	d.burst = d.burst[:0]
	d.overlong = 0
}

func (d *WedgeDetector) maxGap() time.Duration {
	if d.MaxGap > 0 {
		return d.MaxGap
	}
	return DefaultWedgeMaxGap
}

func (d *WedgeDetector) maxMeanGap() time.Duration {
	if d.MaxMeanGap > 0 {
		return d.MaxMeanGap
	}
	return DefaultWedgeMaxMeanGap
}

func (d *WedgeDetector) minLength() int {
	if d.MinLength > 0 {
		return d.MinLength
	}
	return DefaultWedgeMinLength
}

func (d *WedgeDetector) maxLength() int {
	if d.MaxLength > 0 {
		return d.MaxLength
	}
	return DefaultMaxCodeLen
}

func isTypable(r rune) bool {
	return r >= 0x20 && r != 0x7f && r != utf8.RuneError && (r < 0x80 || r > 0x9f)
}
