package printer

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"

	"lotse/internal/plaintext"
)

// CodePage is a single-byte character table the printer is switched to
// with ESC t n. ESC/POS printers know no UTF-8; text is transcoded to the
// selected table.
type CodePage struct {
	// Name is for logs and errors.
	Name string
	// Number is n of ESC t n (the Epson numbering; most clones follow it).
	Number byte
	table  *charmap.Charmap
}

// The tables that hold all of ÄÖÜäöüß and €.
var (
	// CP858 is PC858 (PC850 with €), ESC t 19. The default: Epson TM
	// printers and most clones have it.
	CP858 = CodePage{Name: "CP858", Number: 19, table: charmap.CodePage858}
	// WPC1252 is Windows-1252, ESC t 16, for printers without PC858.
	WPC1252 = CodePage{Name: "WPC1252", Number: 16, table: charmap.Windows1252}
)

// encode transcodes UTF-8 to the code page. The text is cleaned by the
// hub's one rule for visible text first (plaintext.Visible): NFC, so that
// a name that arrives decomposed ("u" + U+0308) prints as the table's
// "ü", not as "u?"; invisible characters (zero-width, bidi controls, BOM,
// soft hyphen) removed, so that they print neither as '?' nor, as the
// soft hyphen would in CP858, as a visible byte; control characters
// dropped and line breaks made blanks, so that text can never smuggle a
// printer command into the stream. A letter the table lacks prints as its
// base letter when it has one ("Ş" as "S"), other visible runes the table
// lacks become '?'.
func (cp CodePage) encode(s string) []byte {
	s = plaintext.Visible(s)
	out := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			out = append(out, '?')
		case r < 0x20 || r == 0x7f || unicode.Is(unicode.Cf, r):
			// dropped: ESC, GS, DLE… are commands to the printer; a
			// joiner Visible kept inside an emoji prints as nothing
		case r < 0x7f:
			out = append(out, byte(r))
		default:
			b, ok := cp.table.EncodeRune(r)
			if ok && b >= 0x80 {
				out = append(out, b)
				continue
			}
			if fallback, ok := typographic[r]; ok {
				out = append(out, fallback...)
				continue
			}
			if base, ok := cp.baseLetter(r); ok {
				out = append(out, base)
				continue
			}
			if unicode.Is(unicode.Mn, r) {
				// A mark NFC could not join to its letter: the letter is
				// printed already, a '?' after it would only confuse.
				continue
			}
			out = append(out, '?')
		}
	}
	return out
}

// baseLetter returns the code page's byte for r without its accents, if r
// decomposes into a letter the table has and combining marks.
func (cp CodePage) baseLetter(r rune) (byte, bool) {
	d := norm.NFD.String(string(r))
	base, size := utf8.DecodeRuneInString(d)
	if size == len(d) {
		return 0, false
	}
	for _, m := range d[size:] {
		if !unicode.Is(unicode.Mn, m) {
			return 0, false
		}
	}
	if base < 0x7f && base >= 0x20 {
		return byte(base), true
	}
	if b, ok := cp.table.EncodeRune(base); ok && b >= 0x80 {
		return b, true
	}
	return 0, false
}

// typographic maps punctuation that word processors put into office texts
// (and CP858 lacks) to the plain characters a reader expects, rather
// than '?'.
var typographic = map[rune]string{
	'\u00a0': " ", // no-break space
	'\u2010': "-", // hyphen
	'\u2011': "-", // no-break hyphen
	'\u2013': "-", // en dash
	'\u2014': "-", // em dash
	'\u2018': "'", // quotation marks
	'\u2019': "'",
	'\u201a': "'",
	'\u201c': "\"",
	'\u201d': "\"",
	'\u201e': "\"",
	'\u2026': "...", // ellipsis
	'\u2022': "*",   // bullet
}

// decode is encode's inverse for the preview and the printer sink.
func (cp CodePage) decode(b byte) rune {
	if b < 0x80 {
		return rune(b)
	}
	return cp.table.DecodeByte(b)
}

// codePageByNumber finds the code page of ESC t n; unknown numbers fall back
// to CP858 in the preview, which shows '?' only for the bytes that differ.
func codePageByNumber(n byte) (CodePage, bool) {
	switch n {
	case CP858.Number:
		return CP858, true
	case WPC1252.Number:
		return WPC1252, true
	case 0: // PC437, the power-on default; close enough to CP858 for ASCII
		return CodePage{Name: "PC437", Number: 0, table: charmap.CodePage437}, true
	case 2:
		return CodePage{Name: "PC850", Number: 2, table: charmap.CodePage850}, true
	}
	return CP858, false
}
