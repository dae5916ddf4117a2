package booking

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// CleanText is the one sanitiser for text that comes from a booking
// backend (names, service ids and names): every adapter passes such text
// through it, and the Syncer once more for any other Backend. It
//
//   - drops bytes that are no UTF-8,
//   - removes control characters and invisible format characters: bidi
//     overrides, embeddings, isolates and marks (U+202A–U+202E,
//     U+2066–U+2069, U+200E, U+200F, U+061C), zero-width characters,
//     soft hyphens, BOMs, tag characters, and the Hangul fillers that
//     render as nothing, so that a name can neither show reversed on the
//     clerk's page nor hide characters from the desk search,
//   - turns every kind of blank and line break into one space and trims,
//   - normalises to NFC, so that "Mu"+U+0308+"ller" and "Müller" are the
//     same string for the search and the comparison of bookings.
func CleanText(s string) string {
	out, _ := cleanText(s)
	return out
}

// cleanText is CleanText that also says whether it removed more than
// blanks: invalid bytes, control or format characters. That is a repair
// worth counting; a change of normal form is not.
func cleanText(s string) (string, bool) {
	if isPlain(s) {
		return s, false
	}
	removed := false
	if !utf8.ValidString(s) {
		s, removed = strings.ToValidUTF8(s, ""), true
	}
	var b strings.Builder
	b.Grow(len(s))
	blank := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			blank = b.Len() > 0
			continue
		case invisible(r):
			removed = true
			continue
		}
		if blank {
			b.WriteByte(' ')
			blank = false
		}
		b.WriteRune(r)
	}
	// NFC after the removal: a format character between a letter and its
	// combining mark kept them from composing.
	return norm.NFC.String(b.String()), removed
}

// invisible reports characters that carry no visible text: controls,
// format characters (Cf holds every bidi control, the zero-width
// characters, the soft hyphen, the BOM and the tag characters) and the
// blank-looking Hangul fillers and combining grapheme joiner.
func invisible(r rune) bool {
	switch r {
	case '\u034f', '\u115f', '\u1160', '\u3164', '\uffa0':
		return true
	}
	return unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError
}

// isPlain reports whether s is printable ASCII with single inner spaces
// and none at the ends: the common case, which needs no work.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || (c == ' ' && (i == 0 || i == len(s)-1 || s[i+1] == ' ')) {
			return false
		}
	}
	return true
}

// shorten cuts s to at most n bytes at a character boundary, and before
// the combining marks of the last kept letter rather than between them.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	for cut > 0 {
		r, size := utf8.DecodeRuneInString(s[cut:])
		if !unicode.Is(unicode.M, r) || size == 0 {
			break
		}
		_, prev := utf8.DecodeLastRuneInString(s[:cut])
		cut -= prev
	}
	return strings.TrimRight(s[:cut], " ")
}
