// Package assets embeds everything the binaries show or play: fonts, icons,
// sounds, translations and the ticket logo. Offices run on closed networks,
// so nothing is loaded at run time from anywhere else.
package assets

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// FS holds the embedded files.
//
//go:embed fonts sounds images translations
var FS embed.FS

// SourceLanguage is the language every translation falls back to.
const SourceLanguage = "de"

// Messages returns the texts of one app ("kiosk", "display", "counter") in
// one language, with German filling the gaps, so a missing translation
// shows German rather than a key.
func Messages(app, lang string) (map[string]string, error) {
	base, err := readMessages(app, SourceLanguage)
	if err != nil {
		return nil, err
	}
	if lang == SourceLanguage {
		return base, nil
	}
	tr, err := readMessages(app, lang)
	if err != nil {
		return nil, err
	}
	for k, v := range tr {
		if v != "" {
			base[k] = v
		}
	}
	return base, nil
}

func readMessages(app, lang string) (map[string]string, error) {
	data, err := FS.ReadFile(path.Join("translations", app, lang+".json"))
	if err != nil {
		return nil, fmt.Errorf("translations of %s in %s: %w", app, lang, err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("translations of %s in %s: %w", app, lang, err)
	}
	return m, nil
}

// Languages lists the languages an app has translations for, German first.
func Languages(app string) []string {
	entries, err := fs.ReadDir(FS, path.Join("translations", app))
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if l, ok := strings.CutSuffix(e.Name(), ".json"); ok && l != SourceLanguage {
			out = append(out, l)
		}
	}
	sort.Strings(out)
	return append([]string{SourceLanguage}, out...)
}
