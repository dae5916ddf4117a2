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
// buttons. Arabic has a translation file but is not offered. Checked on
// screen with Fyne 2.7: its letters do join (go-text shapes them), but the
// glyphs come from whatever Arabic system font fontconfig finds (Fyne's
// embedded Noto Sans has none, so a kiosk without one shows boxes), lines
// are laid out left to right, and full stops, colons and digits land on the
// wrong side of the words ("12حوالي", ".يرجى …"). A citizen would get a
// visibly broken text, so German, English, Turkish, Ukrainian and Russian
// it is; Options.Languages can still list "ar" once Fyne does bidi.
// "de-LS" is easy German (Leichte Sprache, which BITV 2.0 asks for).
var DefaultLanguages = []string{"de", "de-LS", "en", "tr", "uk", "ru"}
