package plaintext

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxMarks is how many combining marks one base character keeps. Real
// scripts stack at most three or four (Vietnamese two, some Indic and
// Hebrew texts four); more is a "zalgo" flood that only hides the letters.
const MaxMarks = 4

// LimitMarks keeps at most MaxMarks combining marks after each base
// character and reports whether it dropped any. s should be NFC.
func LimitMarks(s string) (string, bool) {
	var b strings.Builder
	marks, dropped := 0, false
	for i, r := range s {
		if !unicode.Is(unicode.M, r) {
			marks = 0
		} else if marks++; marks > MaxMarks {
			if !dropped {
				b.Grow(len(s))
				b.WriteString(s[:i])
				dropped = true
			}
			continue
		}
		if dropped {
			b.WriteRune(r)
		}
	}
	if !dropped {
		return s, false
	}
	return b.String(), true
}

// Shorten cuts s to at most n bytes without splitting a character, a
// letter from its combining marks, or an emoji sequence (joiner,
// variation selector, skin tone) — the cut goes before the whole
// cluster. Callers run LimitMarks first, so that a mark flood does not
// cost the letters of the name.
func Shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := max(n, 0)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	for cut > 0 {
		r, _ := utf8.DecodeRuneInString(s[cut:])
		prev, size := utf8.DecodeLastRuneInString(s[:cut])
		if !extends(r) && prev != '\u200d' {
			break
		}
		cut -= size
	}
	return strings.TrimRight(s[:cut], " ")
}

// extends reports runes that belong to the cluster before them.
func extends(r rune) bool {
	return unicode.Is(unicode.M, r) || r == '\u200d' || (r >= 0x1f3fb && r <= 0x1f3ff)
}
