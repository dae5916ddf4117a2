package queue

import (
	"html"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"lotse/internal/plaintext"
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
//   - quoted-printable that a mail program left in the text is undone
//     first (undoQuotedPrintable): a body still wholly encoded ("=3D",
//     "=26", soft line breaks) is decoded, and a stray soft line break
//     ("=" at a line's end) inside a code removed, never the "=" that pads
//     a secret or separates a parameter from its value;
//   - line breaks and invisible format characters (soft hyphen,
//     zero-width space, BOM, bidi controls) that mail programs and PDF
//     viewers put into a long link are removed, together with what starts
//     a continued line: its indentation (blanks of any kind, no-break
//     space included) and mail-quote markers ("> ");
//   - full-width forms ("ＬＯＴＳＥ：", "＆", "＝") become their ASCII
//     characters; secrets are ASCII (base64url, or ZMS's alphanumeric
//     keys), so this never changes a valid one;
//   - a pasted HTML anchor (`<a href="…">Termin ändern</a>`) or Markdown
//     link (`[text](url)`) is replaced by its target;
//   - a link or native payload inside text (`URL:https://…`, `Termin
//     ändern: https://… Mit freundlichen Grüßen`, `Ihr Code: LOTSE:…`) is
//     cut out of it, a percent-encoded native payload (`LOTSE%3A…`,
//     `LOTSE:id%3Asecret`) decoded;
//   - what wraps a code or ends the sentence it stands in is cut off at
//     both ends (trimCode): blanks, quotes, brackets, any punctuation or
//     symbol that no id or secret ends with (`…`, `。`, `*`, `:`, `/`).
//
// Escaping inside a link (HTML entities, percent encoding, redirect
// wrappers, blanks around values) is undone by the link format itself,
// where it knows which parts are values.
func NormalizeCode(text string) string {
	text = undoQuotedPrintable(text)
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
		case skipIndent && (unicode.IsSpace(r) || r == '>'):
			continue
		}
		skipIndent = false
		if r >= 0xff01 && r <= 0xff5e {
			// Full-width ASCII: the same character, as an East Asian
			// input method or a PDF typeset it.
			raw = string(r - 0xff01 + '!')
		} else if r == '\u3000' {
			raw = " "
		}
		// Otherwise the bytes as they came: invalid UTF-8 must stay
		// invalid, so that the formats can refuse it rather than read
		// U+FFFD.
		b.WriteString(raw)
	}
	text = b.String()
	text = strings.TrimLeftFunc(text, unicode.IsSpace)
	text = linkTarget(text)
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
	opening := 0 // the "_" of Markdown emphasis before the code
	if i >= 0 {
		for _, r := range text[:i] {
			switch {
			case r == '_':
				opening++
			case !wrapping(r):
				opening = 0
			}
		}
		text = text[i:]
		if k := strings.IndexFunc(text, unicode.IsSpace); k > 0 && inText {
			text = text[:k]
		}
	} else {
		text, opening = trimOpening(text)
	}
	text = trimCode(text, opening)
	if len(text) > 5 && strings.EqualFold(text[:5], nativePrefix[:5]) && strings.Contains(text, "%") {
		// The native payload percent-encoded, wholly by a QR generator's
		// form (`LOTSE%3A…`) or in part (`LOTSE:id%3Asecret`).
		if dec, err := url.PathUnescape(text); err == nil {
			text = trimCode(dec, opening)
		}
	}
	return text
}

// undoQuotedPrintable undoes quoted-printable (RFC 2045) that reached the
// kiosk because a mail program showed or forwarded a body undecoded.
//
// A text that reads as encoded as a whole (qpEncoded: every "=" starts
// an escape such as "=3D", "=26", "=C3=BC" or a soft line break, and
// each parameter's "=" is written "=3D") is decoded as a whole.
//
// Otherwise only stray soft line breaks are removed: an "=" directly
// before a single line break that continues the code. The "=" stays when
// it may be meant: when what follows may follow a value (continues: the
// end, a blank line, "=", "&", "#", a quote or a bracket), since a base64
// secret may end in "=" of padding, or when it directly follows a
// parameter name ("authKey=" wrapped after the "=").
func undoQuotedPrintable(text string) string {
	if !strings.Contains(text, "=") {
		return text
	}
	if wholly := qpEncoded(text); wholly {
		var b strings.Builder
		b.Grow(len(text))
		for i := 0; i < len(text); {
			if text[i] != '=' {
				b.WriteByte(text[i])
				i++
				continue
			}
			if n := softBreak(text[i+1:]); n > 0 {
				if _, blank := continues(text[i+1+n:]); blank {
					// An encoded blank at the line's start ends
					// the code; the next step would join over it.
					i += 1 + n
					continue
				}
				// The line break stays for the next step, which
				// also drops a continued line's quote markers.
				i++
				continue
			}
			b.WriteByte(unhex(text[i+1])<<4 | unhex(text[i+2]))
			i += 3
		}
		return b.String()
	}
	var b strings.Builder
	b.Grow(len(text))
	for i := 0; i < len(text); i++ {
		if text[i] == '=' {
			if n := softBreak(text[i+1:]); n > 0 && !afterName(text[:i]) {
				if ok, blank := continues(text[i+1+n:]); ok && blank {
					// The blank ends the code, as the sender meant;
					// the next step would join the lines over it.
					i += n
					continue
				} else if ok {
					continue // the line break is the next step's
				}
			}
		}
		b.WriteByte(text[i])
	}
	return b.String()
}

// qpEncoded reports whether text reads as quoted-printable as a whole:
// every "=" starts an escape or a soft line break, every "=" after a
// parameter's name is "=3D" (the encoded separator), there is at least
// one escape, each escape is what a body encoder writes ("=3D", "=26", a
// byte outside ASCII), and they decode to valid UTF-8. A plain link
// passes only if each of its values starts with "3D" and none holds
// another "=".
func qpEncoded(text string) bool {
	sawEscape := false
	var dec []byte
	for i := 0; i < len(text); i++ {
		if text[i] != '=' {
			dec = append(dec, text[i])
			continue
		}
		if n := softBreak(text[i+1:]); n > 0 {
			i += n
			continue
		}
		if i+2 >= len(text) || !upperHex(text[i+1]) || !upperHex(text[i+2]) {
			return false
		}
		isSep := text[i+1:i+3] == "3D"
		if !isSep && afterName(text[:i]) {
			return false
		}
		if c := text[i+1 : i+3]; !isSep && c != "26" && c[0] < '8' {
			// A body encoder escapes "=", bytes outside ASCII and at
			// most an "&"; "=41" is a plain value.
			return false
		}
		sawEscape = true
		dec = append(dec, unhex(text[i+1])<<4|unhex(text[i+2]))
		i += 2
	}
	if !sawEscape || !utf8.Valid(dec) {
		return false
	}
	return true
}

// softBreak returns the length of the line break ("\r\n" or "\n") that
// s starts with, or 0.
func softBreak(s string) int {
	switch {
	case strings.HasPrefix(s, "\r\n"):
		return 2
	case strings.HasPrefix(s, "\n"):
		return 1
	}
	return 0
}

// continues reports whether the line after a soft break carries on a
// code, and whether it starts with a blank that the soft break kept in
// the text (quoted-printable moves a blank to the next line's start):
// after mail-quote markers ("> ") and such a blank comes a character of a
// code, not what may follow a secret's padding: the end, another line
// break, "=", "&", "#", ";", a quote or a bracket.
func continues(s string) (ok, blank bool) {
	for i, r := range s {
		switch {
		case r == '>':
			continue
		case r == ' ' && i > 0 && s[i-1] == '>':
			continue
		case r == ' ' || r == '\t':
			blank = true
			continue
		}
		return unicode.IsPrint(r) && !unicode.IsSpace(r) && !strings.ContainsRune("=&#;\"'<>()[]{}", r), blank
	}
	return false, false
}

// afterName reports whether s ends with a query parameter's name right
// after "?", "&", "#" or ";" of a link's query, so that an "=" following
// it separates the value.
func afterName(s string) bool {
	i := strings.LastIndexAny(s, "?&#;")
	if i < 0 || i == len(s)-1 || !strings.Contains(s, "://") || !strings.ContainsAny(s[:i+1], "?#") {
		// Not in a link's query: a native code's id may hold "?" or ";".
		return false
	}
	for _, r := range s[i+1:] {
		if !(r == '_' || r == '-' || r == '.' || r == '[' || r == ']' || unicode.In(r, unicode.L, unicode.N)) {
			return false
		}
	}
	return true
}

// upperHex reports an upper-case hex digit, as quoted-printable writes it.
func upperHex(c byte) bool { return '0' <= c && c <= '9' || 'A' <= c && c <= 'F' }

// unhex returns the value of an upper-case hex digit.
func unhex(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return c - 'A' + 10
}

// linkTarget returns the target of a pasted HTML anchor or Markdown link,
// or text as it is. The target, not the link text, is what the booking
// system wrote: the text may be "Termin ändern" or the link shortened.
func linkTarget(text string) string {
	if a, i := indexFold(text, "<a"), indexFold(text, "href="); a >= 0 && i > a {
		// Only in an anchor: a redirect link may carry "href=" as a
		// parameter of its own.
		v := text[i+len("href="):]
		if v != "" && (v[0] == '"' || v[0] == '\'') {
			if end := strings.IndexByte(v[1:], v[0]); end >= 0 {
				return v[1 : end+1]
			}
			return v[1:]
		}
		if end := strings.IndexAny(v, " \t>"); end >= 0 {
			return v[:end]
		}
		return v
	}
	if i := strings.Index(text, "]("); i >= 0 {
		v := text[i+2:]
		if end := strings.IndexByte(v, ')'); end >= 0 {
			return v[:end]
		}
		return v
	}
	return text
}

// invisibleBreak reports characters that only mark where a line may break
// or are invisible format characters (bidi controls, zero-width
// characters, BOM — the hub's one rule, plaintext.Invisible, without the
// control characters): they never belong to an id, a secret or a link. A
// booking's id is cleaned of the same characters when it is synced.
func invisibleBreak(r rune) bool {
	return r != utf8.RuneError && !unicode.Is(unicode.Cc, r) && plaintext.Invisible(r)
}

// trimCode cuts off at both ends what wraps a code or a value, or ends
// the sentence it stands in: everything but letters, digits, marks and
// the characters an id or secret may end with. Secrets are base64url
// ("-", "_", "=" of padding) or ZMS's alphanumeric keys, ids are a
// backend's printable strings.
// A "_" is cut at the end only as often as one opened the code, as
// Markdown's emphasis (`_LOTSE:…_`), since base64url may end with one.
func trimCode(s string, opening int) string {
	s = strings.TrimLeftFunc(s, wrapping)
	for {
		s = strings.TrimRightFunc(s, wrapping)
		if opening == 0 || !strings.HasSuffix(s, "_") {
			return s
		}
		s = s[:len(s)-1]
		opening--
	}
}

// trimOpening cuts what wraps s at its start, and returns how many "_"
// were among it, so that as many are cut at the end.
func trimOpening(s string) (string, int) {
	underscores := 0
	for s != "" {
		r, n := utf8.DecodeRuneInString(s)
		if r != '_' && !wrapping(r) {
			break
		}
		if r == '_' {
			underscores++
		}
		s = s[n:]
	}
	return s, underscores
}

// wrapping reports characters that never end an id or a secret.
func wrapping(r rune) bool {
	switch {
	case r == '-' || r == '_' || r == '=':
		return false
	case r == utf8.RuneError:
		// Invalid bytes stay, for the formats to refuse.
		return false
	}
	return !unicode.In(r, unicode.L, unicode.N, unicode.M)
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
	} else if frag := u.EscapedFragment(); strings.Contains(frag, "=") {
		// Parameters as the whole fragment: "…#process=1&authKey=x".
		queries = append(queries, frag)
	}
	for _, q := range queries {
		if dec := separators.Replace(q); dec != q {
			// The separators themselves percent-encoded
			// ("process=1%26authKey%3Dab"), tried only after the query
			// as it is: a value may hold an encoded "=" of padding.
			queries = append(queries, dec)
		}
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
		id, secret = trimCode(decodeAgain(param(v, f.IDParam)), 0), trimCode(decodeAgain(param(v, f.SecretParam)), 0)
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

// param returns the first value of the named query parameter, the name
// matched without regard to case ("authkey", "AUTHKEY"): booking systems
// and people retyping a link do not keep the case. The exact spelling wins;
// among other spellings the first in sort order, so that the choice never
// follows map order.
func param(v url.Values, name string) string {
	if vals := v[name]; len(vals) > 0 {
		return vals[0]
	}
	keys := make([]string, 0, len(v))
	for k := range v {
		if strings.EqualFold(k, name) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return ""
	}
	slices.Sort(keys)
	return v[keys[0]][0]
}

// separators decodes a percent-encoded "&" or "=", and nothing else.
var separators = strings.NewReplacer("%26", "&", "%3D", "=", "%3d", "=")

// entity matches an HTML character reference with its semicolon.
var entity = regexp.MustCompile(`&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});`)

// maxUnescape bounds how often HTML escaping is undone: each mail
// program or content system on the way may escape once more, and each
// round shortens the text, so the bound only caps the work.
const maxUnescape = 16

// unescapeHTML undoes HTML escaping as often as it was applied
// ("&amp;amp;" is an "&" escaped twice), maxUnescape times at most. Only
// text with a complete reference ("&amp;", "&#38;") counts as escaped, so
// that a plain "&lang=de" is never read as the legacy entity "&lang".
func unescapeHTML(s string) string {
	for range maxUnescape {
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
