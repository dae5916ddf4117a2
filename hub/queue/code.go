package queue

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CodeFormat is one way a booking system puts an appointment's id and
// check-in secret into the QR code of its confirmation.
type CodeFormat struct {
	// Native is Lotse's own "LOTSE:<id>:<secret>".
	Native bool
	// IDParam and SecretParam name the query parameters of a URL that
	// carries both, e.g. "process" and "authKey" for ZMS change links.
	IDParam, SecretParam string
}

// DefaultCodeFormats are accepted when an office configures none: the native
// format, ZMS change links and the Lotse booking protocol's links.
func DefaultCodeFormats() []CodeFormat {
	return []CodeFormat{
		{Native: true},
		{IDParam: "process", SecretParam: "authKey"},
		{IDParam: "appointment", SecretParam: "secret"},
	}
}

// maxCodeLength bounds what a scanner may hand us; longer input is noise.
const maxCodeLength = 2048

// ParseCode extracts appointment id and secret from scanned text. Scanners
// add stray whitespace and control characters; those are ignored. Anything
// it cannot read is an invalid error ("code not recognised"), never a
// not-found, so that the kiosk can tell a bad scan from an unknown booking.
func ParseCode(text string, formats []CodeFormat) (id, secret string, err error) {
	text = strings.TrimFunc(text, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) })
	if text == "" || len(text) > maxCodeLength {
		return "", "", Errorf(Invalid, "code not recognised")
	}
	for _, f := range formats {
		if f.Native {
			if len(text) > 6 && strings.EqualFold(text[:6], "LOTSE:") {
				rest := text[6:]
				i := strings.LastIndexByte(rest, ':')
				if i > 0 && i < len(rest)-1 && printable(rest) {
					return rest[:i], rest[i+1:], nil
				}
			}
			continue
		}
		u, perr := url.Parse(text)
		if perr != nil || u.RawQuery == "" {
			continue
		}
		v := u.Query()
		id, secret = v.Get(f.IDParam), v.Get(f.SecretParam)
		if id != "" && secret != "" && printable(id) && printable(secret) {
			return id, secret, nil
		}
	}
	return "", "", Errorf(Invalid, "code not recognised")
}

// printable reports whether s is valid UTF-8 without blanks or control
// characters. Invalid UTF-8 would pass unicode.IsPrint as U+FFFD and then
// be mangled in JSON and logs; no booking system issues such ids.
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return false
		}
	}
	return true
}
