package queue

import (
	"html"
	"net/url"
	"regexp"
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

// maxUnwrap bounds how many layers of escaping (HTML entities, percent
// encoding, redirect links) are taken off: real links carry two at most,
// and a bound keeps crafted input cheap.
const maxUnwrap = 3

// ParseCode extracts appointment id and secret from scanned or pasted
// text. The text is first normalised (NormalizeCode) so that a link as a
// mail program or PDF viewer passes it on checks in like the plain link.
// Anything it cannot read is an invalid error ("code not recognised"),
// never a not-found, so that the kiosk can tell a bad scan from an unknown
// booking.
func ParseCode(text string, formats []CodeFormat) (id, secret string, err error) {
	if len(text) > 2*maxCodeLength {
		return "", "", Errorf(Invalid, "code not recognised")
	}
	text = NormalizeCode(text)
	if text == "" || len(text) > maxCodeLength {
		return "", "", Errorf(Invalid, "code not recognised")
	}
	for _, f := range formats {
		if f.Native {
			if id, secret, ok := parseNative(text); ok {
				return id, secret, nil
			}
			continue
		}
		if id, secret, ok := parseLink(text, f, maxUnwrap); ok {
			return id, secret, nil
		}
	}
	return "", "", Errorf(Invalid, "code not recognised")
}

// NormalizeCode is the one place where the ways of passing a code on are
// undone, before any format is tried:
//
//   - line breaks and invisible break characters (soft hyphen, zero-width
//     space, BOM) that mail programs and PDF viewers put into a long link
//     are removed, together with the indentation of a continued line;
//   - surrounding blanks, control characters, quotes, angle brackets and
//     brackets (`<https://…>`, `"LOTSE:…"`, `[…]`) and trailing
//     punctuation of a sentence (`.`, `,`, `)`, `;` …) are cut off;
//   - a link or native payload inside text (`URL:https://…`, `Termin
//     ändern: https://… Mit freundlichen Grüßen`, `Ihr Code: LOTSE:…`) is
//     cut out of it, and a percent-encoded native payload
//     (`LOTSE%3A…`) decoded.
//
// Escaping inside a link (HTML entities, percent encoding, redirect
// wrappers) is undone by the link format itself, where it knows which
// parts are values.
func NormalizeCode(text string) string {
	var b strings.Builder
	b.Grow(len(text))
	skipIndent := false
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		raw := text[i : i+n]
		i += n
		switch {
		case r == '\r' || r == '\n' || r == '\u2028' || r == '\u2029':
			skipIndent = true
			continue
		case invisibleBreak(r):
			continue
		case skipIndent && (r == ' ' || r == '\t'):
			continue
		}
		skipIndent = false
		// The bytes as they came: invalid UTF-8 must stay invalid, so
		// that the formats can refuse it rather than read U+FFFD.
		b.WriteString(raw)
	}
	text = b.String()
	text = strings.TrimLeftFunc(text, unicode.IsSpace)
	// A code in a sentence ends at the first blank: what follows is the
	// sentence ("… https://…?… Mit freundlichen Grüßen"). A link never
	// holds a blank; a native payload scanned on its own keeps its inner
	// blanks, so that a garbled scan stays "not recognised" rather than
	// becoming a wrong secret.
	i, inText := linkStart(text), true
	if i < 0 {
		i = indexFold(text, nativePrefix)
		inText = i > 0
	}
	if i >= 0 {
		text = text[i:]
		if k := strings.IndexFunc(text, unicode.IsSpace); k > 0 && inText {
			text = text[:k]
		}
	}
	text = strings.TrimFunc(text, wrapping)
	if len(text) > 8 && strings.EqualFold(text[:8], "LOTSE%3A") {
		// The native payload percent-encoded by a QR generator's form.
		if dec, err := url.PathUnescape(text); err == nil {
			text = dec
		}
	}
	return text
}

// invisibleBreak reports characters that only mark where a line may break
// or are invisible format characters: they never belong to an id, a
// secret or a link.
func invisibleBreak(r rune) bool {
	switch r {
	case '\u00ad', '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff':
		return true
	}
	return false
}

// wrapping reports characters that wrap a code or end the sentence it
// stands in, never its first or last character.
func wrapping(r rune) bool {
	if unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
		return true
	}
	switch r {
	case '<', '>', '(', ')', '[', ']', '{', '}', '"', '\'', '`',
		'.', ',', ';', '!', '?',
		'\u2018', '\u2019', '\u201a', '\u201c', '\u201d', '\u201e', '\u00ab', '\u00bb', '\u2039', '\u203a':
		return true
	}
	return false
}

// linkStart returns where the first http or https link in text begins,
// or -1.
func linkStart(text string) int {
	i, j := indexFold(text, "http://"), indexFold(text, "https://")
	if i < 0 || (j >= 0 && j < i) {
		return j
	}
	return i
}

// indexFold is strings.Index ignoring ASCII case.
func indexFold(s, substr string) int {
	n := len(substr)
	for i := 0; i+n <= len(s); i++ {
		if strings.EqualFold(s[i:i+n], substr) {
			return i
		}
	}
	return -1
}

// nativePrefix starts Lotse's own code format, "LOTSE:<id>:<secret>".
const nativePrefix = "LOTSE:"

// FormatCode returns the code of an appointment in Lotse's native format,
// "LOTSE:<id>:<secret>", as the QR code of a confirmation carries it.
// ParseCode reads it back; an id may contain ':', a secret must not.
func FormatCode(id, secret string) string { return nativePrefix + id + ":" + secret }

// parseNative reads "LOTSE:<id>:<secret>"; the prefix in any case.
func parseNative(text string) (id, secret string, ok bool) {
	if len(text) <= len(nativePrefix) || !strings.EqualFold(text[:len(nativePrefix)], nativePrefix) {
		return "", "", false
	}
	rest := text[len(nativePrefix):]
	i := strings.LastIndexByte(rest, ':')
	if i > 0 && i < len(rest)-1 && printable(rest) {
		return rest[:i], rest[i+1:], true
	}
	return "", "", false
}

// parseLink reads id and secret from the query of a link, or from the
// query inside its fragment (single-page apps route with "#/…?…"). HTML
// entities (`&amp;`, `&#38;`, even `&amp;amp;`) are undone before the
// query is split, and a value that is still percent-encoded after one
// decoding is decoded once more. A link that carries neither but holds
// another link as a value (a mail gateway's redirect: "?url=https%3A…")
// is read through, depth layers at most.
func parseLink(text string, f CodeFormat, depth int) (id, secret string, ok bool) {
	if depth <= 0 {
		return "", "", false
	}
	// Entities first: "&#38;" would otherwise start a fragment.
	text = unescapeHTML(text)
	u, err := url.Parse(text)
	if err != nil {
		return "", "", false
	}
	queries := []string{u.RawQuery}
	if _, q, found := strings.Cut(u.EscapedFragment(), "?"); found {
		queries = append(queries, q)
	}
	if u.RawQuery == "" && u.Fragment == "" && u.Opaque == "" && !strings.Contains(text, "?") {
		// A whole link percent-encoded once more: "https%3A%2F%2F…".
		if dec, err := url.PathUnescape(text); err == nil && dec != text {
			return parseLink(dec, f, depth-1)
		}
		return "", "", false
	}
	for _, raw := range queries {
		v, err := url.ParseQuery(raw)
		if err != nil && len(v) == 0 {
			continue
		}
		id, secret = decodeAgain(v.Get(f.IDParam)), decodeAgain(v.Get(f.SecretParam))
		if id != "" && secret != "" {
			if printable(id) && printable(secret) {
				return id, secret, true
			}
			return "", "", false
		}
		for _, vals := range v {
			for _, inner := range vals {
				if indexFold(inner, "http") == 0 {
					if id, secret, ok := parseLink(inner, f, depth-1); ok {
						return id, secret, true
					}
				}
			}
		}
	}
	return "", "", false
}

// entity matches an HTML character reference with its semicolon.
var entity = regexp.MustCompile(`&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});`)

// unescapeHTML undoes HTML escaping as often as it was applied
// ("&amp;amp;" is an "&" escaped twice), maxUnwrap times at most. Only
// text with a complete reference ("&amp;", "&#38;") counts as escaped, so
// that a plain "&lang=de" is never read as the legacy entity "&lang".
func unescapeHTML(s string) string {
	for range maxUnwrap {
		if !entity.MatchString(s) {
			return s
		}
		u := html.UnescapeString(s)
		if u == s {
			return s
		}
		s = u
	}
	return s
}

// decodeAgain decodes a query value that was percent-encoded twice
// ("12%253A3" arrives as "12%3A3"). A value that does not decode stays
// as it is: the printable check decides about it.
func decodeAgain(s string) string {
	for range maxUnwrap - 1 {
		if !strings.Contains(s, "%") {
			return s
		}
		d, err := url.QueryUnescape(s)
		if err != nil || d == s {
			return s
		}
		s = d
	}
	return s
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
