package queue_test

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"lotse/hub/queue"
)

// codeTests are what scanners hand the kiosk; they also seed FuzzParseCode.
var codeTests = []struct {
	name       string
	text       string
	formats    []queue.CodeFormat // nil: the defaults
	id, secret string             // empty: invalid
}{
	{name: "native", text: "LOTSE:A-1234:k3Jx9Qp", id: "A-1234", secret: "k3Jx9Qp"},
	{name: "native, lower-case prefix", text: "lotse:A-1234:k3Jx9Qp", id: "A-1234", secret: "k3Jx9Qp"},
	{name: "native, mixed-case prefix", text: "LoTsE:A-1234:k3Jx9Qp", id: "A-1234", secret: "k3Jx9Qp"},
	{name: "native, secret case kept", text: "LOTSE:a:SeCrEt", id: "a", secret: "SeCrEt"},
	{name: "native, trailing CR LF", text: "LOTSE:A-1234:k3Jx9Qp\r\n", id: "A-1234", secret: "k3Jx9Qp"},
	{name: "native, trailing LF", text: "LOTSE:A-1234:k3Jx9Qp\n", id: "A-1234", secret: "k3Jx9Qp"},
	{name: "native, surrounding blanks and tab", text: " \tLOTSE:A-1234:k3Jx9Qp  ", id: "A-1234", secret: "k3Jx9Qp"},
	{name: "native, leading STX and trailing ETX", text: "\x02LOTSE:A-1234:k3Jx9Qp\x03", id: "A-1234", secret: "k3Jx9Qp"},
	{name: "native, id with colons: id is before the last colon", text: "LOTSE:zms:4711:abc", id: "zms:4711", secret: "abc"},
	{name: "native, many colons", text: "LOTSE:a:b:c:d", id: "a:b:c", secret: "d"},
	{name: "native, umlaut in id", text: "LOTSE:Düsseldorf-1:x", id: "Düsseldorf-1", secret: "x"},
	{name: "native, empty id", text: "LOTSE::secret"},
	{name: "native, empty secret", text: "LOTSE:A-1234:"},
	{name: "native, no secret", text: "LOTSE:A-1234"},
	{name: "native, prefix only", text: "LOTSE:"},
	{name: "native, prefix without colon", text: "LOTSEA:1:x"},
	{name: "native, inner space", text: "LOTSE:A 1234:secret"},
	{name: "native, inner tab", text: "LOTSE:A-1234:sec\tret"},
	{name: "native, inner NUL", text: "LOTSE:A-12\x0034:secret"},
	{name: "native, inner CR", text: "LOTSE:A-1234:sec\rret"},
	{name: "native, inner DEL", text: "LOTSE:A-1234:sec\x7fret"},
	{name: "native, inner escape sequence", text: "LOTSE:A-1234:\x1b[31msecret"},
	{name: "native, invalid UTF-8 in secret", text: "LOTSE:0:\x98"},
	{name: "native, invalid UTF-8 in id", text: "LOTSE:A\xff1:secret"},
	{name: "ZMS link, escaped invalid UTF-8", text: "https://host/?process=1%FF2&authKey=ab"},
	{name: "native, zero-width space", text: "LOTSE:A-1234:sec\u200bret"},
	{name: "native, not configured", text: "LOTSE:A-1234:k3Jx9Qp", formats: []queue.CodeFormat{{IDParam: "process", SecretParam: "authKey"}}},
	{name: "ZMS link", text: "https://host/terminvereinbarung/?process=123&authKey=abc", id: "123", secret: "abc"},
	{name: "ZMS link, CR LF", text: "https://host/terminvereinbarung/?process=123&authKey=abc\r\n", id: "123", secret: "abc"},
	{name: "ZMS link, parameters swapped and more of them", text: "https://termine.example.de/terminvereinbarung/?authKey=a1b2&lang=de&process=98765", id: "98765", secret: "a1b2"},
	{name: "ZMS link, escaped characters", text: "https://host/?process=12%3A3&authKey=a%2Bb", id: "12:3", secret: "a+b"},
	{name: "ZMS link, fragment", text: "https://host/terminvereinbarung/?process=123&authKey=abc#/change", id: "123", secret: "abc"},
	{name: "ZMS link without key", text: "https://host/terminvereinbarung/?process=123"},
	{name: "ZMS link, empty key", text: "https://host/terminvereinbarung/?process=123&authKey="},
	{name: "ZMS link, escaped space in key", text: "https://host/?process=123&authKey=a%20b"},
	{name: "ZMS link, escaped NUL in id", text: "https://host/?process=1%002&authKey=ab"},
	{name: "ZMS link, raw NUL", text: "https://host/?process=1\x002&authKey=ab"},
	{name: "ZMS link, wrong parameter case", text: "https://host/?Process=123&AuthKey=abc"},
	{name: "ZMS link, not configured", text: "https://host/?process=123&authKey=abc", formats: []queue.CodeFormat{{Native: true}}},
	{name: "Lotse booking link", text: "https://buchen.example.de/termin?appointment=77&secret=zz", id: "77", secret: "zz"},
	{name: "custom format", text: "https://x.example/?id=5&pin=9", formats: []queue.CodeFormat{{IDParam: "id", SecretParam: "pin"}}, id: "5", secret: "9"},
	{name: "no formats", text: "LOTSE:A-1234:k3Jx9Qp", formats: []queue.CodeFormat{}},
	{name: "URL without query", text: "https://host/terminvereinbarung/"},
	{name: "garbage", text: "hello world"},
	{name: "EAN barcode", text: "4006381333931"},
	{name: "empty", text: ""},
	{name: "only blanks", text: " \r\n\t"},
	{name: "only control characters", text: "\x00\x01\x02"},
	{name: "overlong native", text: "LOTSE:A-1234:" + strings.Repeat("x", 2048)},
	{name: "overlong link", text: "https://host/?process=123&authKey=" + strings.Repeat("k", 2048)},
	{name: "long but within bounds", text: "LOTSE:A-1234:" + strings.Repeat("x", 2000), id: "A-1234", secret: strings.Repeat("x", 2000)},
}

// TestParseCode covers the QR formats, scanner noise and rejected input.
func TestParseCode(t *testing.T) {
	for _, tt := range codeTests {
		t.Run(tt.name, func(t *testing.T) {
			formats := tt.formats
			if formats == nil {
				formats = queue.DefaultCodeFormats()
			}
			id, secret, err := queue.ParseCode(tt.text, formats)
			if tt.id == "" {
				wantCode(t, "parse", err, queue.Invalid)
				if id != "" || secret != "" {
					t.Fatalf("invalid code yields id %q secret %q", id, secret)
				}
				return
			}
			wantCode(t, "parse", err, "")
			if id != tt.id || secret != tt.secret {
				t.Fatalf("got id %q secret %q, want %q %q", id, secret, tt.id, tt.secret)
			}
		})
	}
}

// FuzzParseCode: no input panics; whatever parses yields an id and a secret
// that are non-empty, valid UTF-8 and free of blanks and control characters
// (they end up in SQL parameters, JSON and logs); whatever does not parse is
// "invalid", never another code.
func FuzzParseCode(f *testing.F) {
	for _, tt := range codeTests {
		f.Add(tt.text)
	}
	formats := queue.DefaultCodeFormats()
	f.Fuzz(func(t *testing.T, text string) {
		id, secret, err := queue.ParseCode(text, formats)
		if err != nil {
			if queue.ErrorCode(err) != queue.Invalid {
				t.Fatalf("ParseCode(%q): %v, want an invalid error", text, err)
			}
			return
		}
		for _, s := range []string{id, secret} {
			if s == "" || !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool {
				return unicode.IsSpace(r) || unicode.IsControl(r)
			}) {
				t.Fatalf("ParseCode(%q) = id %q secret %q", text, id, secret)
			}
		}
	})
}
