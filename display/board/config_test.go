package board

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lotse/assets"
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

// TestKioskLanguages: the board speaks every language of the kiosk with
// its own sentence, has every text in it, and shows it on the screen
// unless Fyne cannot lay it out (right to left: German, with a reason).
func TestKioskLanguages(t *testing.T) {
	de, err := assets.Messages("display", "de")
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range assets.Languages("kiosk") {
		if lang == "de-LS" {
			continue // easy German is the kiosk's; the board has no texts in it yet
		}
		t.Run(lang, func(t *testing.T) {
			voices, err := Voices(lang)
			if err != nil {
				t.Fatalf("Voices(%q): %v", lang, err)
			}
			msgs, err := assets.Messages("display", lang)
			if err != nil {
				t.Fatal(err)
			}
			if last := voices[len(voices)-1]; last.Lang != lang || last.Template != msgs["speech"] {
				t.Fatalf("lang2=%s is spoken as %+v, want %q", lang, last, msgs["speech"])
			}
			raw, err := assets.FS.ReadFile("translations/display/" + lang + ".json")
			if err != nil {
				t.Fatal(err)
			}
			var own map[string]string
			if err := json.Unmarshal(raw, &own); err != nil {
				t.Fatal(err)
			}
			for k := range de {
				if own[k] == "" {
					t.Errorf("display/%s.json lacks %q", lang, k)
				}
			}
			if lang != "de" && own["speech"] == de["speech"] {
				t.Errorf("display/%s.json speaks German", lang)
			}
			screen, err := ScreenLanguage(lang)
			if want := map[bool]string{true: "de", false: lang}[rightToLeft[lang]]; screen != want || (err != nil) != rightToLeft[lang] {
				t.Errorf("ScreenLanguage(%q) = %q, %v; want %q", lang, screen, err, want)
			}
		})
	}
}
