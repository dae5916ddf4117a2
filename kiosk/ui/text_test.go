package ui

import (
	"encoding/json"
	"path"
	"sort"
	"strings"
	"testing"

	"lotse/assets"
)

// TestTranslationsComplete checks that every language has exactly the keys
// of German, the source, and keeps the placeholders.
func TestTranslationsComplete(t *testing.T) {
	read := func(lang string) map[string]string {
		data, err := assets.FS.ReadFile(path.Join("translations", "kiosk", lang+".json"))
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		return m
	}
	de := read("de")
	langs := assets.Languages("kiosk")
	for _, want := range append(DefaultLanguages, "ar") {
		if !contains(langs, want) {
			t.Errorf("no translation file for %s", want)
		}
	}
	for _, lang := range langs {
		m := read(lang)
		var missing, extra []string
		for k := range de {
			if m[k] == "" {
				missing = append(missing, k)
			}
		}
		for k := range m {
			if _, ok := de[k]; !ok {
				extra = append(extra, k)
			}
		}
		sort.Strings(missing)
		sort.Strings(extra)
		if len(missing) > 0 || len(extra) > 0 {
			t.Errorf("%s: missing %q, unknown %q", lang, missing, extra)
		}
		for k, v := range de {
			for _, ph := range []string{"{time}", "{minutes}", "{seconds}", "{office}"} {
				if strings.Contains(v, ph) && !strings.Contains(m[k], ph) {
					t.Errorf("%s: %s lacks %s", lang, k, ph)
				}
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
