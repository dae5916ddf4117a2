package scanner

import (
	"time"
	"unicode/utf8"
)

// DefaultMaxCodeLen is the longest code accepted. Check-in codes are short;
// anything longer is line noise or a scanner stuck in a loop.
const DefaultMaxCodeLen = 2048

// Frame is what LineFramer makes of one line of input: a code, or the reason
// it was dropped.
type Frame struct {
	// Code is the text of an accepted line; empty when dropped.
	Code string
	// Dropped is why the line was rejected ("non-printable byte",
	// "invalid UTF-8", "too long"); empty when accepted.
	Dropped string
	// Length is the line's length in bytes as received, for logs that must
	// not contain the code itself.
	Length int
}

// LineFramer cuts a serial byte stream into codes. Scanners end a code with
// CR, LF, CRLF or TAB, or, when configured without a suffix, simply stop
// sending; a silence of Gap therefore ends a code too.
//
// It is a pure value: it is fed bytes with the time they arrived, and keeps
// no clock or goroutine of its own, so it can be tested and fuzzed.
type LineFramer struct {
	// Gap is the silence that ends a code; zero disables gap framing.
	Gap time.Duration
	// MaxLen is the longest accepted line; zero means DefaultMaxCodeLen.
	MaxLen int
	// Affixes are the scanner's configured prefixes and suffixes; AIM
	// identifiers and framing are removed in any case (see Payload).
	Affixes Affixes

	buf      []byte
	overlong int // bytes discarded since the line passed MaxLen
	last     time.Time
}

// Feed adds bytes received at time at and returns the lines they complete.
func (f *LineFramer) Feed(data []byte, at time.Time) []Frame {
	var frames []Frame
	if f.pending() && f.Gap > 0 && at.Sub(f.last) >= f.Gap {
		frames = f.appendLine(frames)
	}
	for _, b := range data {
		if b == '\r' || b == '\n' || b == '\t' {
			// CRLF yields an empty second line, which appendLine ignores.
			frames = f.appendLine(frames)
			continue
		}
		if len(f.buf) >= f.maxLen() {
			// Keep counting so the log says how long the junk was, but do
			// not keep the bytes.
			f.overlong++
			continue
		}
		f.buf = append(f.buf, b)
	}
	if len(data) > 0 {
		f.last = at
	}
	return frames
}

// Flush ends the pending line if it has been silent for Gap at time now. The
// serial reader calls it after every read timeout.
func (f *LineFramer) Flush(now time.Time) []Frame {
	if !f.pending() || f.Gap <= 0 || now.Sub(f.last) < f.Gap {
		return nil
	}
	return f.appendLine(nil)
}

// Reset discards a partial line, e.g. after the port was reopened.
func (f *LineFramer) Reset() {
	f.buf = f.buf[:0]
	f.overlong = 0
}

func (f *LineFramer) pending() bool { return len(f.buf) > 0 || f.overlong > 0 }

func (f *LineFramer) maxLen() int {
	if f.MaxLen > 0 {
		return f.MaxLen
	}
	return DefaultMaxCodeLen
}

func (f *LineFramer) appendLine(frames []Frame) []Frame {
	line, overlong := f.buf, f.overlong
	defer f.Reset()
	length := len(line) + overlong
	if length == 0 {
		return frames
	}
	if overlong > 0 {
		return append(frames, Frame{Dropped: "too long", Length: length})
	}
	// Framing characters (STX/ETX) are control bytes too, but expected.
	text := trimFraming(string(line))
	if reason := checkCodeBytes([]byte(text)); reason != "" {
		return append(frames, Frame{Dropped: reason, Length: length})
	}
	code := Payload(text, f.Affixes)
	if code == "" {
		return frames
	}
	return append(frames, Frame{Code: code, Length: length})
}

// checkCodeBytes rejects control characters (line noise, a scanner in the
// wrong mode, baud rate mismatch) and broken UTF-8. Valid non-ASCII text is
// kept: a QR code may contain an umlaut.
func checkCodeBytes(line []byte) string {
	for _, b := range line {
		if b < 0x20 || b == 0x7f {
			return "non-printable byte"
		}
	}
	if !utf8.Valid(line) {
		return "invalid UTF-8"
	}
	return ""
}
