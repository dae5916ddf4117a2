package booking

import "testing"

// TestCleanTextIsTheOneRule: the adapters' sanitiser is the hub's one rule
// (its cases are in internal/plaintext).
func TestCleanTextIsTheOneRule(t *testing.T) {
	for in, want := range map[string]string{"\u202eMu\u0308ller\u200b": "Müller", " a\tb ": "a b"} {
		if got := CleanText(in); got != want {
			t.Errorf("CleanText(%q) = %q, want %q", in, got, want)
		}
	}
}
