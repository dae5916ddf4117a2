package plaintext

import (
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Fold returns the key the desk search compares, the same for the query
// and the names: cleaned, compatibility-decomposed (full-width letters
// become plain ones), without accents, case-folded ("ß" becomes "ss",
// Turkish "İ" and "ı" become "i"), and with the German transliterations
// "ae", "oe", "ue" read as the plain vowel — so that "Müller", "Mueller",
// "Muller" and "MÜLLER" share one key. A key may match a little more than
// the spelling ("Samuel" as "Samul"); for a person at the desk choosing
// among today's appointments that is the right side to err on. A query
// that starts inside such a pair ("erg" for "Joerg") misses; searches
// start at the beginning of a name or a word.
func Fold(s string) string {
	s = norm.NFKD.String(Clean(s))
	s = cases.Fold().String(dropMarks(s))
	// Folding may decompose again ("İ" → "i" + U+0307).
	s = dropMarks(norm.NFKD.String(s))
	return transliterated.Replace(s)
}

// transliterated undoes German transliteration and the dotless i.
var transliterated = strings.NewReplacer("ae", "a", "oe", "o", "ue", "u", "ı", "i")

func dropMarks(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) {
			return -1
		}
		return r
	}, s)
}
