package config

import (
	"os"
	"path/filepath"
	"testing"
)

// TestWaitAlertMinutes: [office] wait_alert_minutes is read (the example
// sets it), left out it is 0 (the hub's default), and a negative one is
// refused.
func TestWaitAlertMinutes(t *testing.T) {
	f, err := Load(filepath.Join("..", "..", "docs", "lotse.example.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Offices[0].WaitAlertMinutes; got != 30 {
		t.Fatalf("wait_alert_minutes of the example = %d", got)
	}
	tests := []struct {
		text string
		want int
		ok   bool
	}{
		{"", 0, true},
		{"wait_alert_minutes = 20", 20, true},
		{"wait_alert_minutes = -5", 0, false},
		{"wait_alert_minutes = 'soon'", 0, false},
	}
	for _, tt := range tests {
		p := filepath.Join(t.TempDir(), "c.toml")
		if err := os.WriteFile(p, []byte("[[office]]\nid='a'\n"+tt.text+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := Load(p)
		if err == nil {
			_, err = f.Offices[0].QueueOffice()
		}
		if (err == nil) != tt.ok {
			t.Fatalf("%q: %v", tt.text, err)
		}
		if err == nil && f.Offices[0].WaitAlertMinutes != tt.want {
			t.Fatalf("%q: %d", tt.text, f.Offices[0].WaitAlertMinutes)
		}
	}
}
