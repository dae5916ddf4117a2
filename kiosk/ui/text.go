package ui

import (
	"fmt"
	"strings"

	"lotse/assets"
)

// texts is one language's messages, German filling the gaps.
type texts struct {
	lang string
	msgs map[string]string
}

// loadTexts reads the kiosk's messages in lang.
func loadTexts(lang string) (texts, error) {
	m, err := assets.Messages("kiosk", lang)
	if err != nil {
		return texts{}, fmt.Errorf("load kiosk texts: %w", err)
	}
	return texts{lang: lang, msgs: m}, nil
}

// get returns the text of key with {name} placeholders replaced by the
// pairs in args ("time", "10:30", …). A missing key shows the key itself, so
// the gap is visible in screenshots and tests rather than an empty label.
func (t texts) get(key string, args ...string) string {
	s, ok := t.msgs[key]
	if !ok {
		return key
	}
	for i := 0; i+1 < len(args); i += 2 {
		s = strings.ReplaceAll(s, "{"+args[i]+"}", args[i+1])
	}
	return s
}

// DefaultLanguages are the languages the kiosk offers, in the order of the
// buttons. Arabic and Persian (Farsi, read by Dari speakers too) run right
// to left: their texts are shaped and their screens mirrored (see rtl.go),
// since Fyne alone would lay them out left to right. "de-LS" is easy
// German (Leichte Sprache, which BITV 2.0 asks for).
var DefaultLanguages = []string{"de", "de-LS", "en", "tr", "uk", "ru", "ar", "fa"}
