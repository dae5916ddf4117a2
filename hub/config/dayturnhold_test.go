package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestDayTurnHold: the [hub] table's day_turn_hold is read (the example
// file sets it), and a negative one is refused.
func TestDayTurnHold(t *testing.T) {
	f, err := Load(filepath.Join("..", "..", "docs", "lotse.example.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Hub.DayTurnHold.Duration != 5*time.Minute {
		t.Fatalf("day_turn_hold of the example = %s", f.Hub.DayTurnHold.Duration)
	}
	tests := []struct {
		text string
		want time.Duration
		ok   bool
	}{
		{"", 0, true},
		{"day_turn_hold = '15m'", 15 * time.Minute, true},
		{"day_turn_hold = '-1m'", 0, false},
		{"day_turn_hold = 'soon'", 0, false},
	}
	for _, tt := range tests {
		p := filepath.Join(t.TempDir(), "c.toml")
		if err := os.WriteFile(p, []byte("[hub]\n"+tt.text+"\n[[office]]\nid='a'\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := Load(p)
		if (err == nil) != tt.ok {
			t.Fatalf("%q: %v", tt.text, err)
		}
		if err == nil && f.Hub.DayTurnHold.Duration != tt.want {
			t.Fatalf("%q: %s", tt.text, f.Hub.DayTurnHold.Duration)
		}
	}
}
