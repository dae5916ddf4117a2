// Package plaintext holds the one rule for text that a person sees or a
// printer prints: names and services from a booking backend, names and
// notices from the configuration, desk search queries and every printed
// line. It also derives the folded key the desk search compares.
package plaintext

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Clean is Visible plus blanks: every kind of blank and line break becomes
// one space, and the ends are trimmed. It is the rule for one-line texts
// (names, services, notices, search queries).
func Clean(s string) string {
	out, _ := CleanReport(s)
	return out
}

// CleanReport is Clean that also says whether it removed more than
// blanks: invalid bytes, control or format characters. That is a repair
// worth counting; a change of normal form is not.
func CleanReport(s string) (string, bool) {
	if isPlain(s) {
		return s, false
	}
	return clean(s, true)
}

// Visible is the rule itself, without touching blanks (a printed line
// keeps its alignment):
//
//   - bytes that are no UTF-8 are dropped,
//   - control characters and invisible format characters are removed:
//     bidi overrides, embeddings, isolates and marks, zero-width
//     characters, soft hyphens, BOMs, tag characters and the Hangul
//     fillers that render as nothing, so that a text can neither show
//     reversed nor hide characters from a search nor print as '?'; a
//     zero-width joiner between two pictographs is kept, because it
//     joins an emoji sequence (👨‍👩‍👧),
//   - the result is NFC, so that "Mu"+U+0308+"ller" and "Müller" are the
//     same string everywhere.
//
// Tabs and line breaks are kept as blanks: Visible turns each into one
// space.
func Visible(s string) string {
	if isPlain(s) {
		return s
	}
	out, _ := clean(s, false)
	return out
}

func clean(s string, collapse bool) (string, bool) {
	removed := false
	if !utf8.ValidString(s) {
		s, removed = strings.ToValidUTF8(s, ""), true
	}
	var b strings.Builder
	b.Grow(len(s))
	blank := false
	var prev rune
	for i, r := range s {
		switch {
		case unicode.IsSpace(r) && collapse:
			blank = b.Len() > 0
			continue
		case unicode.IsSpace(r):
			r = ' '
		case r == '\u200d' && joinsEmoji(prev, s[i+len("\u200d"):]):
			// kept: part of an emoji sequence
		case Invisible(r):
			removed = true
			continue
		}
		if blank {
			b.WriteByte(' ')
			blank = false
		}
		b.WriteRune(r)
		prev = r
	}
	// NFC after the removal: a format character between a letter and its
	// combining mark kept them from composing.
	return norm.NFC.String(b.String()), removed
}

// joinsEmoji reports whether a zero-width joiner after prev and before
// rest joins two pictographs.
func joinsEmoji(prev rune, rest string) bool {
	next, size := utf8.DecodeRuneInString(rest)
	return size > 0 && next != utf8.RuneError && pictographic(prev) && pictographic(next)
}

// pictographic approximates Extended_Pictographic (which the standard
// library lacks): symbols, plus the variation selector and skin tone
// modifiers that may end an emoji before a joiner.
func pictographic(r rune) bool {
	return r >= 0x2190 && (unicode.Is(unicode.So, r) || r == '\ufe0f' || (r >= 0x1f3fb && r <= 0x1f3ff))
}

// Invisible reports characters that carry no visible text: controls,
// format characters (Cf holds every bidi control, the zero-width
// characters, the soft hyphen, the BOM and the tag characters), the
// blank-looking Hangul fillers and the combining grapheme joiner.
func Invisible(r rune) bool {
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
