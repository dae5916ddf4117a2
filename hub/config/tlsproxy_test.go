package config

import (
	"os"
	"path/filepath"
	"testing"
)

// TestBehindTLSProxy: the [hub] table's behind_tls_proxy is read, off
// unless set, and a value that is not a boolean is refused.
func TestBehindTLSProxy(t *testing.T) {
	tests := []struct {
		text string
		want bool
		ok   bool
	}{
		{"", false, true},
		{"behind_tls_proxy = true", true, true},
		{"behind_tls_proxy = false", false, true},
		{"behind_tls_proxy = 'yes'", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "c.toml")
			if err := os.WriteFile(p, []byte("[hub]\n"+tt.text+"\n[[office]]\nid='a'\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := Load(p)
			if (err == nil) != tt.ok {
				t.Fatalf("%q: %v", tt.text, err)
			}
			if err == nil && f.Hub.BehindTLSProxy != tt.want {
				t.Fatalf("%q: behind_tls_proxy = %v, want %v", tt.text, f.Hub.BehindTLSProxy, tt.want)
			}
		})
	}
}
