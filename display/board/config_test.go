package board

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadConfigExample(t *testing.T) {
	c, err := LoadConfig(filepath.Join("..", "..", "docs", "lotse.example.toml"), DefaultConfig())
	if err != nil {
		t.Fatalf("the README's installation file does not load: %v", err)
	}
	if c.Hub != "http://hub.local:8080" || c.Office != "mitte" || c.Lang2 != "en" {
		t.Fatalf("config = %+v", c)
	}
}

func TestLoadConfigStrictAboutDisplayOnly(t *testing.T) {
	const typos = "[hub]\nadr = ':1'\n[kiosk]\nscaner = 'x'\n[display]\noffice = 'a'\nlayot = 'list'\n"
	p := filepath.Join(t.TempDir(), "lotse.toml")
	if err := os.WriteFile(p, []byte(typos), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadConfig(p, DefaultConfig())
	if err == nil || !strings.Contains(err.Error(), "display.layot (line 7)") {
		t.Fatalf("error = %v, want display.layot named with line 7", err)
	}
	if strings.Contains(err.Error(), "adr") || strings.Contains(err.Error(), "scaner") {
		t.Fatalf("the display judged another program's table: %v", err)
	}
	if err := os.WriteFile(p, []byte(strings.Replace(typos, "layot", "layout", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if c, err := LoadConfig(p, DefaultConfig()); err != nil || c.Layout != LayoutList || c.Office != "a" {
		t.Fatalf("LoadConfig = %+v, %v", c, err)
	}
}
