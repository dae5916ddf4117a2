package scanner

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Affixes are texts a scanner was configured to send around every code.
// Cheap scanners offer a free "prefix" and "suffix" setting, and an office
// may inherit a scanner that was set up for some other program.
type Affixes struct {
	// Prefixes are removed from the front of a code; the first that
	// matches is removed.
	Prefixes []string
	// Suffixes are removed from the end of a code; the first that matches
	// is removed.
	Suffixes []string
}

// Payload returns the code a scanner meant from the text it sent. Every
// scanner path (serial, keyboard wedge, camera) passes its codes through
// here, so that the kiosk sees the same payload whatever the scanner was
// set to add:
//
//   - blanks and framing characters at either end (CR, LF, TAB suffixes,
//     STX/ETX framing);
//   - the prefixes and suffixes in a;
//   - AIM symbology identifiers (ISO/IEC 15424: ']', a code character and
//     a modifier character, e.g. "]Q1", "]C0", "]d2", "]E0", "]z3"), and
//     the ECI markers that come with them ("\000026" means UTF-8): in
//     modes that announce ECI, "\nnnnnn" is removed and "\\" stands for
//     one backslash;
//   - the characters a keyboard-wedge scanner produces when its keyboard
//     layout and the kiosk PC's differ (US scanner on a German PC:
//     "LOTSEÖ", "httpsÖ--"; German scanner on a US PC: "LOTSE>"), or when
//     Caps Lock is on at the PC ("lotse:", "HTTPS://"). This is recognised
//     by the start of a Lotse code or a link, so a payload of any other
//     shape is never rewritten.
//
// It returns "" when nothing but such decoration was sent.
func Payload(raw string, a Affixes) string {
	s := trimFraming(raw)
	// The mix-ups show at the start of the payload: after at most the
	// configured prefix, an AIM identifier and an ECI marker.
	head := maxDecoration
	for _, p := range a.Prefixes {
		head = max(head, maxDecoration+len(p))
	}
	s = fixCapsLock(s, head)
	s = fixKeyboardLayout(s, head)
	for _, suf := range a.Suffixes {
		if suf != "" && strings.HasSuffix(s, suf) {
			s = trimFraming(s[:len(s)-len(suf)])
			break
		}
	}
	// Order varies between vendors (prefix before or after the AIM
	// identifier), so strip whichever comes next until neither does.
	eci, prefixed := false, false
	for {
		if m, ok := aimModifier(s); ok {
			eci = eci || eciModifier(s[1], m)
			s = s[3:]
			continue
		}
		if !prefixed {
			if p, ok := hasAnyPrefix(s, a.Prefixes); ok {
				s = s[len(p):]
				prefixed = true
				continue
			}
		}
		break
	}
	if eci {
		s = decodeECI(s)
	} else {
		// Some scanners put an ECI marker in front of the data even when
		// the identifier's modifier does not announce the ECI protocol.
		for len(s) >= 7 && isECIMarker(s) {
			s = s[7:]
		}
	}
	return trimFraming(s)
}

// trimFraming removes whitespace and the framing control characters (STX,
// ETX, EOT) that scanners put around a code. Other control characters are
// left for the caller to reject as line noise.
func trimFraming(s string) string {
	return strings.TrimFunc(s, func(r rune) bool {
		switch r {
		case ' ', '\t', '\r', '\n', '\v', '\f', 0x02, 0x03, 0x04:
			return true
		}
		return false
	})
}

func hasAnyPrefix(s string, prefixes []string) (string, bool) {
	for _, p := range prefixes {
		if p != "" && strings.HasPrefix(s, p) {
			return p, true
		}
	}
	return "", false
}

// aimModifier reports whether s starts with an AIM symbology identifier
// (']', a code character, a modifier character) and returns the modifier.
// Code characters are letters; modifiers are letters or digits.
func aimModifier(s string) (byte, bool) {
	if len(s) < 3 || s[0] != ']' {
		return 0, false
	}
	c, m := s[1], s[2]
	if !isASCIILetter(c) || !(isASCIILetter(m) || m >= '0' && m <= '9') {
		return 0, false
	}
	return m, true
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// eciModifier reports whether the identifier ']'+code+modifier announces
// that the data carries ECI escape sequences, per the symbology
// specifications referenced by ISO/IEC 15424.
func eciModifier(code, modifier byte) bool {
	switch code {
	case 'Q': // QR Code: 2, 4, 6 = model 2 with the ECI protocol
		return strings.IndexByte("246", modifier) >= 0
	case 'd': // Data Matrix: 4, 5, 6 = ECC 200 with the ECI protocol
		return strings.IndexByte("456", modifier) >= 0
	case 'z': // Aztec: 3, 4, 5, 9, A, B announce ECI
		return strings.IndexByte("3459AB", modifier) >= 0
	case 'L': // PDF417: 1 = ECI protocol with backslashes doubled
		return modifier == '1'
	case 'U': // MaxiCode: 2, 3 = with the ECI protocol
		return modifier == '2' || modifier == '3'
	case 'h': // Han Xin: 1 = with the ECI protocol
		return modifier == '1'
	}
	return false
}

// isECIMarker reports whether s starts with an ECI escape: a backslash and
// six digits.
func isECIMarker(s string) bool {
	if len(s) < 7 || s[0] != '\\' {
		return false
	}
	for i := 1; i < 7; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// decodeECI removes ECI escapes from data transmitted in ECI mode, where
// "\nnnnnn" switches the character set and "\\" is a literal backslash.
// Non-UTF-8 character sets need no conversion here: their bytes would not
// have passed the UTF-8 check, and Lotse codes are ASCII.
func decodeECI(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], `\\`):
			b.WriteByte('\\')
			i += 2
		case isECIMarker(s[i:]):
			i += 7
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String()
}

// maxDecoration is how far into a scan, in bytes, the start of the
// payload may lie behind an AIM identifier and an ECI marker (both perhaps
// mistyped by a layout mix-up). A signature further in is part of the
// payload, e.g. "lotse:" inside a link, and must not trigger a rewrite.
const maxDecoration = 16

// hasSignature reports whether one of sigs starts within the first head
// bytes of s.
func hasSignature(s string, sigs []string, head int) bool {
	for _, sig := range sigs {
		if i := strings.Index(s, sig); i >= 0 && i <= head {
			return true
		}
	}
	return false
}

// keyboardLayout undoes the characters of a keyboard-wedge scanner whose
// layout differs from the PC's. A scanner "types" key positions; the PC
// turns them into characters with its own layout.
type keyboardLayout struct {
	// signatures are what the start of a Lotse code or of a link looks
	// like after the mix-up; nothing else triggers a rewrite.
	signatures []string
	// fix maps each character as received to the one the scanner meant.
	fix map[rune]rune
}

// usKeysOnGerman maps what a German PC shows for each key of a scanner set
// to the US layout back to the US character. The dead keys (´ ` ^) arrive
// as themselves when followed by a character they cannot accent.
var usKeysOnGerman = map[rune]rune{
	'z': 'y', 'y': 'z', 'Z': 'Y', 'Y': 'Z',
	'ß': '-', 'ẞ': '-', '?': '_', '´': '=', '`': '+', '^': '`', '°': '~',
	'ü': '[', 'Ü': '{', '+': ']', '*': '}', '#': '\\', '\'': '|',
	'ö': ';', 'Ö': ':', 'ä': '\'', 'Ä': '"',
	';': '<', ':': '>', '-': '/', '_': '?',
	'"': '@', '§': '#', '&': '^', '/': '&', '(': '*', ')': '(', '=': ')',
}

var layouts = []keyboardLayout{
	{
		// US scanner on a German PC: ':' is Shift+ö, '/' is '-', ']' is '+'.
		signatures: []string{"LOTSEÖ", "httpÖ--", "httpsÖ--"},
		fix:        usKeysOnGerman,
	},
	{
		// German scanner on a US PC: ':' is Shift+'.', '/' is Shift+7.
		signatures: []string{"LOTSE>", "http>&&", "https>&&"},
		fix:        invert(usKeysOnGerman),
	},
}

func invert(m map[rune]rune) map[rune]rune {
	inv := make(map[rune]rune, len(m))
	for k, v := range m {
		if k == 'ẞ' {
			continue // Caps Lock's ß; the inverse keeps the plain one
		}
		inv[v] = k
	}
	return inv
}

// capsLockSignatures are the start of a Lotse code or a link typed with
// Caps Lock on, in each keyboard layout of layouts.
var capsLockSignatures = []string{
	"lotse:", "HTTP://", "HTTPS://",
	"lotseö", "HTTPö--", "HTTPSö--",
	"lotse>", "HTTP>&&", "HTTPS>&&",
}

// fixCapsLock swaps the case of every letter of s if it carries the
// signature of a wedge scanner typing while Caps Lock is on. Scanners
// press Shift for capitals, which Caps Lock turns into small letters and
// the other way round.
func fixCapsLock(s string, head int) string {
	if !utf8.ValidString(s) || !hasSignature(s, capsLockSignatures, head) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsUpper(r) {
			return unicode.ToLower(r)
		}
		return unicode.ToUpper(r)
	}, s)
}

// fixKeyboardLayout rewrites s if it carries the signature of a layout
// mix-up within its first head bytes.
func fixKeyboardLayout(s string, head int) string {
	if !utf8.ValidString(s) {
		// A wedge types only valid text; broken bytes come from elsewhere
		// and must not be turned into replacement characters here.
		return s
	}
	for _, l := range layouts {
		if hasSignature(s, l.signatures, head) {
			return strings.Map(func(r rune) rune {
				if f, ok := l.fix[r]; ok {
					return f
				}
				return r
			}, s)
		}
	}
	return s
}
