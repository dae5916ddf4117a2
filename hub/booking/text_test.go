package booking

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// TestCleanText covers what backends put into names and service names:
// other normal forms, bidi controls, invisible and control characters.
func TestCleanText(t *testing.T) {
	tests := []struct {
		name, in, want string
		removed        bool
	}{
		{"plain", "Erika Mustermann", "Erika Mustermann", false},
		{"decomposed umlaut", "Mu\u0308ller", "Müller", false},
		{"decomposed Vietnamese", "Nguye\u0302\u0303n", "Nguyễn", false},
		{"composed stays", "Müller", "Müller", false},
		{"Turkish", "Ayşe Yılmaz", "Ayşe Yılmaz", false},
		{"right-to-left override", "\u202eMüller", "Müller", true},
		{"left-to-right override and pop", "\u202dAl-Hassan\u202c", "Al-Hassan", true},
		{"embeddings", "\u202aA\u202b\u202cB", "AB", true},
		{"isolates", "\u2066Kaya\u2069 \u2067x\u2068", "Kaya x", true},
		{"marks", "\u200eSchmidt\u200f\u061c", "Schmidt", true},
		{"zero-width and BOM", "Sch\u200bmi\u200cd\u200dt\u2060\ufeff", "Schmidt", true},
		{"soft hyphen", "Schnei\u00adder", "Schneider", true},
		{"tag characters", "Weber\U000E0041\U000E007F", "Weber", true},
		{"Hangul filler", "\u3164Kim", "Kim", true},
		{"format character between letter and mark", "u\u200b\u0308", "ü", true},
		{"control characters", "Max\x00\x1b[31m Muster\x7fmann", "Max[31m Mustermann", true},
		{"C1 control", "Max\u0085Muster\u009bmann", "Max Mustermann", true},
		{"invalid UTF-8", "M\xfcller", "Mller", true},
		{"blanks collapse and trim", "  Erika\t\n Mustermann\u00a0 ", "Erika Mustermann", false},
		{"line separators", "Erika\u2028Mustermann", "Erika Mustermann", false},
		{"only invisible", "\u202e\u200b", "", true},
		{"empty", "", "", false},
		{"Arabic letters stay", "محمد", "محمد", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, removed := cleanText(tt.in)
			if got != tt.want || removed != tt.removed {
				t.Errorf("cleanText(%q) = %q, %v; want %q, %v", tt.in, got, removed, tt.want, tt.removed)
			}
			if CleanText(got) != got {
				t.Errorf("CleanText is not idempotent on %q", got)
			}
		})
	}
}

// FuzzCleanText: the result is NFC, valid UTF-8, without controls, format
// characters or blanks at the ends, and cleaning it again changes nothing.
func FuzzCleanText(f *testing.F) {
	for _, s := range []string{"Mu\u0308ller", "\u202eabc", "a\x00b", "M\xfcller", " a  b ", "u\u200b\u0308"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := CleanText(s)
		if !utf8.ValidString(got) || !norm.NFC.IsNormalString(got) || got != strings.TrimSpace(got) || CleanText(got) != got {
			t.Fatalf("CleanText(%q) = %q", s, got)
		}
		for _, r := range got {
			if unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) {
				t.Fatalf("CleanText(%q) = %q keeps %U", s, got, r)
			}
		}
	})
}

// TestShorten cuts at a character boundary and never between a letter and
// its combining marks.
func TestShorten(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"abc", 5, "abc"},
		{"abcdef", 3, "abc"},
		{"aüb", 2, "a"},
		{"abq\u0301", 3, "ab"},
		{"abq\u0301\u0323x", 5, "ab"},
		{"ab cd", 3, "ab"},
	}
	for _, tt := range tests {
		if got := shorten(tt.in, tt.n); got != tt.want {
			t.Errorf("shorten(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}
