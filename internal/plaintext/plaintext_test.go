package plaintext

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// TestClean covers what backends, configuration files and people put
// into texts: other normal forms, bidi controls, invisible and control
// characters.
func TestClean(t *testing.T) {
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
		{"joiner inside an emoji sequence stays", "Familie 👨\u200d👩\u200d👧", "Familie 👨\u200d👩\u200d👧", false},
		{"joiner after a skin tone stays", "👩🏽\u200d💻", "👩🏽\u200d💻", false},
		{"joiner after a variation selector stays", "❤\ufe0f\u200d🔥", "❤\ufe0f\u200d🔥", false},
		{"joiner between letters goes", "a\u200db", "ab", true},
		{"joiner at the end goes", "👨\u200d", "👨", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, removed := CleanReport(tt.in)
			if got != tt.want || removed != tt.removed {
				t.Errorf("CleanReport(%q) = %q, %v; want %q, %v", tt.in, got, removed, tt.want, tt.removed)
			}
			if Clean(got) != got {
				t.Errorf("Clean is not idempotent on %q", got)
			}
		})
	}
}

// TestVisible: the rule for printed lines keeps the blanks of a line
// (alignment), turning tabs and breaks into spaces.
func TestVisible(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Schalter  2", "Schalter  2"},
		{"Schälter\u200b 2", "Schälter 2"},
		{"Trenn\u00adung", "Trennung"},
		{"\u202eA001", "A001"},
		{"a\tb\n", "a b "},
		{"Mu\u0308ller", "Müller"},
	}
	for _, tt := range tests {
		if got := Visible(tt.in); got != tt.want {
			t.Errorf("Visible(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzClean: the result is NFC, valid UTF-8, without controls, format
// characters (but joiners of emoji) or blanks at the ends, and cleaning
// it again changes nothing.
func FuzzClean(f *testing.F) {
	for _, s := range []string{"Mu\u0308ller", "\u202eabc", "a\x00b", "M\xfcller", " a  b ", "u\u200b\u0308", "👨\u200d👩", "👨\u200d\u200d👩"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Clean(s)
		if !utf8.ValidString(got) || !norm.NFC.IsNormalString(got) || got != strings.TrimSpace(got) || Clean(got) != got {
			t.Fatalf("Clean(%q) = %q", s, got)
		}
		for _, r := range got {
			if unicode.Is(unicode.Cc, r) || (unicode.Is(unicode.Cf, r) && r != '\u200d') {
				t.Fatalf("Clean(%q) = %q keeps %U", s, got, r)
			}
		}
	})
}

// TestShorten cuts at a character boundary and never inside a letter with
// its marks or an emoji sequence.
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
		{"a👨\u200d👩", 8, "a"},
		{"a👩🏽", 6, "a"},
	}
	for _, tt := range tests {
		if got := Shorten(tt.in, tt.n); got != tt.want {
			t.Errorf("Shorten(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

// TestLimitMarks: a mark flood keeps its letters; real scripts are left
// alone.
func TestLimitMarks(t *testing.T) {
	zalgo := "Z" + strings.Repeat("\u0301\u0316", 150) + "algo"
	tests := []struct {
		in, want string
		dropped  bool
	}{
		{"Müller", "Müller", false},
		{"Nguyễn", "Nguyễn", false},
		{"e\u0301\u0302\u0303\u0304", "e\u0301\u0302\u0303\u0304", false},
		{"e\u0301\u0302\u0303\u0304\u0305x", "e\u0301\u0302\u0303\u0304x", true},
		{zalgo, "Z\u0301\u0316\u0301\u0316algo", true},
	}
	for _, tt := range tests {
		got, dropped := LimitMarks(tt.in)
		if got != tt.want || dropped != tt.dropped {
			t.Errorf("LimitMarks(%q) = %q, %v; want %q, %v", tt.in, got, dropped, tt.want, tt.dropped)
		}
	}
}

// TestFold: the query and the names meet on one key.
func TestFold(t *testing.T) {
	tests := []struct{ name, query string }{
		{"Müller", "müller"},
		{"Müller", "Mueller"},
		{"Müller", "Muller"},
		{"Müller", "MÜLLER"},
		{"Mu\u0308ller", "Müller"},
		{"Mueller", "Müller"},
		{"Strauß", "Strauss"},
		{"STRASSE", "straße"},
		{"İpek Yılmaz", "ipek yilmaz"},
		{"İPEK", "Ipek"},
		{"Ｍüｌｌｅｒ", "Müller"},
		{"Müller", "ＭＵＬＬＥＲ"},
		{"Zoë Ørsted", "zoe"},
		{"Nguyễn", "nguyen"},
		{"Gößweiner", "Goessweiner"},
		{"\u202eMüller", "müll"},
	}
	for _, tt := range tests {
		if !strings.Contains(Fold(tt.name), Fold(tt.query)) {
			t.Errorf("Fold(%q) = %q does not contain Fold(%q) = %q", tt.name, Fold(tt.name), tt.query, Fold(tt.query))
		}
	}
	for _, tt := range []struct{ name, query string }{{"Müller", "Maler"}, {"Schmidt", "Schmitt"}} {
		if strings.Contains(Fold(tt.name), Fold(tt.query)) {
			t.Errorf("Fold(%q) = %q matches Fold(%q)", tt.name, Fold(tt.name), tt.query)
		}
	}
}
