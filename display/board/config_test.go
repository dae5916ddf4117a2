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

// TestValidateHubList: the display takes a list of hubs to fail over to,
// and refuses a list with an entry that is no hub URL.
func TestValidateHubList(t *testing.T) {
	for hub, ok := range map[string]bool{
		"http://hub.local:8080":                            true,
		"http://hub-a.local:8080, http://hub-b.local:8080": true,
		"http://hub-a.local:8080,hub-b.local":              false,
	} {
		c := DefaultConfig()
		c.Hub = hub
		if err := c.Validate(); (err == nil) != ok {
			t.Errorf("Validate(hub %q) = %v; want ok %v", hub, err, ok)
		}
	}
}
