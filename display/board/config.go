package board

import (
	"fmt"
	"os"

	"lotse/hub/api"
	"lotse/internal/tomlcheck"
)

// Config is the display's configuration: flags, or the [display] table of
// a TOML file with the same names.
type Config struct {
	Hub      string `toml:"hub"`      // hub base URL, or a comma-separated list: the primary, then its standbys
	Office   string `toml:"office"`   // office id; empty: the first the hub lists
	Token    string `toml:"token"`    // device token
	Windowed bool   `toml:"windowed"` // a window instead of fullscreen
	Lang     string `toml:"lang"`     // language of the screen texts
	Lang2    string `toml:"lang2"`    // second announcement language; empty: none
	Speech   bool   `toml:"speech"`   // speak announcements
	Sound    bool   `toml:"sound"`    // play the gong (and speech)
	Layout   string `toml:"layout"`   // auto, list or columns
	History  int    `toml:"history"`  // calls kept on the board
	Debug    bool   `toml:"debug"`    // log every repaint (for measuring)
}

// DefaultConfig is the configuration without flags or file.
func DefaultConfig() Config {
	return Config{
		Hub:     "http://localhost:8080",
		Lang:    "de",
		Speech:  true,
		Sound:   true,
		Layout:  LayoutAuto,
		History: DefaultHistory,
	}
}

// LoadConfig reads the [display] table of a TOML file over c; keys absent
// from the file keep c's values. A key of [display] the display does not
// know is an error naming it and its line.
func LoadConfig(path string, c Config) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("read config: %w", err)
	}
	file := struct {
		Display *Config `toml:"display"`
	}{Display: &c}
	// Strict about [display]; the hub's and the kiosk's tables in the same
	// file are theirs.
	if err := tomlcheck.Decode(data, &file, "display"); err != nil {
		return c, fmt.Errorf("config %s: %w", path, err)
	}
	return c, c.Validate()
}

// Validate reports settings the display cannot run with.
func (c Config) Validate() error {
	switch c.Layout {
	case LayoutAuto, LayoutList, LayoutColumns:
	default:
		return fmt.Errorf("layout %q: want auto, list or columns", c.Layout)
	}
	if c.Hub == "" {
		return fmt.Errorf("no hub URL")
	}
	if _, err := api.ParseHubs(c.Hub); err != nil {
		return err
	}
	if c.History < 1 {
		return fmt.Errorf("history %d: want at least 1", c.History)
	}
	return nil
}

// rightToLeft are the languages written from right to left. Fyne 2.7 lays
// their lines out left to right and puts digits and full stops on the
// wrong side (see DefaultLanguages in kiosk/ui): a board would show
// visibly broken sentences.
var rightToLeft = map[string]bool{"ar": true, "fa": true, "he": true}

// ScreenLanguage is the language the board shows its texts in for the
// configured lang: lang itself, or German for a right-to-left language,
// with an error saying so. The announcements still speak such a language
// (Voices): a voice has no layout.
func ScreenLanguage(lang string) (string, error) {
	if rightToLeft[lang] {
		return "de", fmt.Errorf("screen language %q: Fyne lays out right-to-left text wrongly, the screen shows German (the web board shows %q; lang2 speaks it)", lang, lang)
	}
	return lang, nil
}
