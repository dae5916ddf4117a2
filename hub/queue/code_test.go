package queue_test

import (
	"fmt"
	"net/url"
	"regexp"
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
	{name: "native, line break inside", text: "LOTSE:A-1234:sec\r\nret", id: "A-1234", secret: "secret"},
	{name: "native, inner DEL", text: "LOTSE:A-1234:sec\x7fret"},
	{name: "native, inner escape sequence", text: "LOTSE:A-1234:\x1b[31msecret"},
	{name: "native, invalid UTF-8 in secret", text: "LOTSE:0:\x98"},
	{name: "native, invalid UTF-8 in id", text: "LOTSE:A\xff1:secret"},
	{name: "ZMS link, escaped invalid UTF-8", text: "https://host/?process=1%FF2&authKey=ab"},
	{name: "native, zero-width space inside", text: "LOTSE:A-1234:sec\u200bret", id: "A-1234", secret: "secret"},
	{name: "native, in quotes", text: "\"LOTSE:A-1234:k3Jx9Qp\"", id: "A-1234", secret: "k3Jx9Qp"},
	{name: "native, German quotes and full stop", text: "\u201eLOTSE:A-1234:k3Jx9Qp\u201c.", id: "A-1234", secret: "k3Jx9Qp"},
	{name: "native, angle brackets", text: "<LOTSE:A-1234:k3Jx9Qp>", id: "A-1234", secret: "k3Jx9Qp"},
	{name: "native, BOM and no-break spaces", text: "\ufeff\u00a0lotse:A-1234:k3Jx9Qp\u00a0", id: "A-1234", secret: "k3Jx9Qp"},
	{name: "native, in a sentence", text: "Ihr Code: LOTSE:A-1234:k3Jx9Qp. Bitte mitbringen.", id: "A-1234", secret: "k3Jx9Qp"},
	{name: "native, percent-encoded", text: "LOTSE%3AA-1234%3Ak3Jx9Qp", id: "A-1234", secret: "k3Jx9Qp"},
	{name: "native, percent-encoded control character", text: "LOTSE%3AA-1234%3Ak3%00Qp"},
	{name: "native, inner right-to-left override", text: "LOTSE:A-1234:sec\u202eret", id: "A-1234", secret: "secret"},
	{name: "native, id with a right-to-left override", text: "LOTSE:S-6\u202e:k3Jx9Qp", id: "S-6", secret: "k3Jx9Qp"},
	// What a mail program, PDF viewer, messenger or person does to a
	// code: punctuation and symbols at the ends, full-width forms,
	// encoded separators, escaping, quoting and markup.
	{name: "native, ellipsis", text: "LOTSE:A-1234:k3Jx9Qp\u2026", id: "A-1234", secret: "k3Jx9Qp"},
	{name: "native, ideographic full stop", text: "LOTSE:A-1234:k3Jx9Qp\u3002", id: "A-1234", secret: "k3Jx9Qp"},
	{name: "native, ideographic comma", text: "LOTSE:A-1234:k3Jx9Qp\u3001", id: "A-1234", secret: "k3Jx9Qp"},
	{name: "native, messenger bold", text: "*LOTSE:A-1234:k3Jx9Qp*", id: "A-1234", secret: "k3Jx9Qp"},
	{name: "native, messenger strike-through", text: "~LOTSE:A-1234:k3Jx9Qp~", id: "A-1234", secret: "k3Jx9Qp"},
	{name: "native, Markdown emphasis", text: "_LOTSE:A-1234:k3Jx9Qp_", id: "A-1234", secret: "k3Jx9Qp"},
	{name: "native, Markdown bold emphasis", text: "__*LOTSE:A-1234:k3Jx9Qp*__", id: "A-1234", secret: "k3Jx9Qp"},
	{name: "native, base64url secret ending in _", text: "LOTSE:A-1234:k3Jx9Qp_", id: "A-1234", secret: "k3Jx9Qp_"},
	{name: "native, base64url secret starting and ending in _", text: "\"LOTSE:A-1234:_k3Jx9Qp_\".", id: "A-1234", secret: "_k3Jx9Qp_"},
	{name: "native, emphasis around a secret ending in _", text: "_LOTSE:A-1234:k3Jx9Qp__", id: "A-1234", secret: "k3Jx9Qp_"},
	{name: "ZMS link, value starting with _", text: "https://host/?process=123&authKey=_ab12", id: "123", secret: "_ab12"},
	{name: "native, secret ending in -", text: "Code: LOTSE:A-1234:k3Jx9Qp-.", id: "A-1234", secret: "k3Jx9Qp-"},
	{name: "native, padded secret", text: "LOTSE:A-1234:k3Jx9Q==.", id: "A-1234", secret: "k3Jx9Q=="},
	{name: "native, exclamation marks and emoji", text: "LOTSE:A-1234:k3Jx9Qp!!! \U0001F44D", id: "A-1234", secret: "k3Jx9Qp"},
	{name: "native, colon after it", text: "LOTSE:A-1234:k3Jx9Qp:", id: "A-1234", secret: "k3Jx9Qp"},
	{name: "native, trailing slash", text: "LOTSE:A-1234:k3Jx9Qp/", id: "A-1234", secret: "k3Jx9Qp"},
	{name: "native, trailing backslash", text: "LOTSE:A-1234:k3Jx9Qp\\", id: "A-1234", secret: "k3Jx9Qp"},
	{name: "native, full-width", text: "\uff2c\uff2f\uff34\uff33\uff25\uff1aA-1234\uff1ak3Jx9Qp\u3002", id: "A-1234", secret: "k3Jx9Qp"},
	{name: "native, full-width secret", text: "LOTSE:A-1234:\uff4b\uff13\uff2a", id: "A-1234", secret: "k3J"},
	{name: "native, id separator percent-encoded", text: "LOTSE:A-1234%3Ak3Jx9Qp", id: "A-1234", secret: "k3Jx9Qp"},
	{name: "native, percent-encoded blank after it", text: "LOTSE:A-1234:k3Jx9Qp%20", id: "A-1234", secret: "k3Jx9Qp"},
	{name: "native, Markdown link", text: "[LOTSE:A-1234:k3Jx9Qp](LOTSE:A-1234:k3Jx9Qp)", id: "A-1234", secret: "k3Jx9Qp"},
	{name: "ZMS link, ellipsis", text: "https://host/?process=123&authKey=ab12\u2026", id: "123", secret: "ab12"},
	{name: "ZMS link, colon after it", text: "https://host/?process=123&authKey=ab12:", id: "123", secret: "ab12"},
	{name: "ZMS link, messenger bold", text: "*https://host/?process=123&authKey=ab12*", id: "123", secret: "ab12"},
	{name: "ZMS link, percent-encoded blank after it", text: "https://host/?process=123&authKey=ab12%20", id: "123", secret: "ab12"},
	{name: "ZMS link, percent-encoded blanks around values", text: "https://host/?process=%20123%20&authKey=%20ab12%20", id: "123", secret: "ab12"},
	{name: "ZMS link, + around values", text: "https://host/?process=+123+&authKey=+ab12+", id: "123", secret: "ab12"},
	{name: "ZMS link, percent-encoded ellipsis after it", text: "https://host/?process=123&authKey=ab12%E2%80%A6", id: "123", secret: "ab12"},
	{name: "ZMS link, full-width", text: "https://host/?process\uff1d123\uff06authKey\uff1dab12", id: "123", secret: "ab12"},
	{name: "ZMS link, separators percent-encoded", text: "https://host/?process=123%26authKey%3Dab12", id: "123", secret: "ab12"},
	{name: "ZMS link, &amp; escaped four times", text: "https://host/?process=123&amp;amp;amp;amp;authKey=ab12", id: "123", secret: "ab12"},
	{name: "ZMS link, continuation indented with no-break spaces", text: "https://host/terminvereinbarung/?process=123&auth\n\u00a0\u00a0Key=ab12", id: "123", secret: "ab12"},
	{name: "ZMS link, mail-quoted continuation", text: "> https://host/terminvereinbarung/?process=123&auth\n> Key=ab12", id: "123", secret: "ab12"},
	{name: "ZMS link, twice mail-quoted continuation", text: ">> https://host/?process=123&auth\r\n>> Key=ab12", id: "123", secret: "ab12"},
	{name: "ZMS link, HTML anchor pasted whole", text: "<a href=\"https://host/?process=123&amp;authKey=ab12\">Termin \u00e4ndern</a>", id: "123", secret: "ab12"},
	{name: "ZMS link, HTML anchor in single quotes", text: "<A HREF='https://host/?process=123&authKey=ab12' target=_blank>hier</A>", id: "123", secret: "ab12"},
	{name: "ZMS link, href as a redirect's parameter", text: "https://gw.example/?href=https%3A%2F%2Fhost%2F%3Fprocess%3D123%26authKey%3Dab12&x=1", id: "123", secret: "ab12"},
	{name: "ZMS link, Markdown link with text", text: "[Termin \u00e4ndern](https://host/?process=123&authKey=ab12)", id: "123", secret: "ab12"},
	{name: "ZMS link, Markdown link with the link as text", text: "[https://host/?process=123&authKey=ab12](https://host/?process=123&authKey=ab12)", id: "123", secret: "ab12"},
	{name: "ZMS link, trailing slash", text: "https://host/?process=123&authKey=ab12/", id: "123", secret: "ab12"},
	{name: "ZMS link, trailing backslash", text: "https://host/?process=123&authKey=ab12\\", id: "123", secret: "ab12"},
	{name: "native, not configured", text: "LOTSE:A-1234:k3Jx9Qp", formats: []queue.CodeFormat{{IDParam: "process", SecretParam: "authKey"}}},
	{name: "ZMS link", text: "https://host/terminvereinbarung/?process=123&authKey=abc", id: "123", secret: "abc"},
	{name: "ZMS link, CR LF", text: "https://host/terminvereinbarung/?process=123&authKey=abc\r\n", id: "123", secret: "abc"},
	{name: "ZMS link, parameters swapped and more of them", text: "https://termine.example.de/terminvereinbarung/?authKey=a1b2&lang=de&process=98765", id: "98765", secret: "a1b2"},
	{name: "ZMS link, escaped characters", text: "https://host/?process=12%3A3&authKey=a%2Bb", id: "12:3", secret: "a+b"},
	{name: "ZMS link, fragment", text: "https://host/terminvereinbarung/?process=123&authKey=abc#/change", id: "123", secret: "abc"},
	{name: "ZMS link, &amp;", text: "https://host/terminvereinbarung/?process=123&amp;authKey=ab12", id: "123", secret: "ab12"},
	{name: "ZMS link, &#38;", text: "https://host/?process=123&#38;authKey=ab12", id: "123", secret: "ab12"},
	{name: "ZMS link, &#x26;", text: "https://host/?process=123&#x26;authKey=ab12", id: "123", secret: "ab12"},
	{name: "ZMS link, &amp;amp;", text: "https://host/?process=123&amp;amp;authKey=ab12", id: "123", secret: "ab12"},
	{name: "ZMS link, escaped key first", text: "https://host/?authKey=ab12&amp;process=123", id: "123", secret: "ab12"},
	{name: "ZMS link, percent-encoded values", text: "https://host/?process=%31%32%33&authKey=%61%62%31%32", id: "123", secret: "ab12"},
	{name: "ZMS link, double-encoded value", text: "https://host/?process=12%253A3&authKey=a%252Bb", id: "12:3", secret: "a+b"},
	{name: "ZMS link, whole link percent-encoded", text: "https%3A%2F%2Fhost%2F%3Fprocess%3D123%26authKey%3Dab12", id: "123", secret: "ab12"},
	{name: "ZMS link, behind a mail gateway's redirect", text: "https://eur01.safelinks.example.com/?url=https%3A%2F%2Fhost%2F%3Fprocess%3D123%26authKey%3Dab12&data=05%7C01", id: "123", secret: "ab12"},
	{name: "ZMS link, in a mailto body", text: "mailto:?subject=Termin&body=https%3A%2F%2Fhost%2F%3Fprocess%3D123%26authKey%3Dab12", id: "123", secret: "ab12"},
	{name: "ZMS link, trailing full stop", text: "https://host/?process=123&authKey=ab12.", id: "123", secret: "ab12"},
	{name: "ZMS link, trailing comma and blank", text: "https://host/?process=123&authKey=ab12, ", id: "123", secret: "ab12"},
	{name: "ZMS link, in parentheses", text: "(https://host/?process=123&authKey=ab12)", id: "123", secret: "ab12"},
	{name: "ZMS link, in angle brackets", text: "<https://host/?process=123&authKey=ab12>", id: "123", secret: "ab12"},
	{name: "ZMS link, in quotes", text: "\"https://host/?process=123&authKey=ab12\"", id: "123", secret: "ab12"},
	{name: "ZMS link, in single quotes", text: "'https://host/?process=123&authKey=ab12'", id: "123", secret: "ab12"},
	{name: "ZMS link, in square brackets", text: "[https://host/?process=123&authKey=ab12]", id: "123", secret: "ab12"},
	{name: "ZMS link, in German quotes", text: "\u201ehttps://host/?process=123&authKey=ab12\u201c", id: "123", secret: "ab12"},
	{name: "ZMS link, <URL:…>", text: "<URL:https://host/?process=123&authKey=ab12>", id: "123", secret: "ab12"},
	{name: "ZMS link, after text", text: "Termin \u00e4ndern: https://host/?process=123&authKey=ab12", id: "123", secret: "ab12"},
	{name: "ZMS link, the first of two in a sentence", text: "Siehe https://host/?process=123&authKey=ab12 oder http://alt.example/?process=9&authKey=z", id: "123", secret: "ab12"},
	{name: "ZMS link, text after it", text: "https://host/?process=123&authKey=ab12 Mit freundlichen Grüßen\r\n", id: "123", secret: "ab12"},
	{name: "ZMS link, uppercase scheme and host", text: "HTTPS://HOST.EXAMPLE.DE/TERMIN/?process=123&authKey=ab12", id: "123", secret: "ab12"},
	{name: "ZMS link, in a hash route", text: "https://host/#/manage?process=123&authKey=ab12", id: "123", secret: "ab12"},
	{name: "ZMS link, &amp; in a hash route", text: "https://host/#/manage?process=123&amp;authKey=ab12", id: "123", secret: "ab12"},
	{name: "ZMS link, line break inside", text: "https://host/terminvereinbarung/?process=123&auth\r\nKey=ab12", id: "123", secret: "ab12"},
	{name: "ZMS link, line break and indentation", text: "https://host/terminvereinbarung/\n   ?process=123&authKey=ab12", id: "123", secret: "ab12"},
	{name: "ZMS link, soft hyphen from a PDF", text: "https://host/termin\u00adverein\u00adbarung/?process=123&authKey=ab\u00ad12", id: "123", secret: "ab12"},
	{name: "ZMS link, everything at once", text: " <HTTPS://HOST/?process=%31%32%33&amp;amp;authKey=ab\r\n12>.\r\n", id: "123", secret: "ab12"},
	{name: "ZMS link, entity hides an unprintable value", text: "https://host/?process=1&amp;authKey=a&#9;b"},
	{name: "ZMS link without key", text: "https://host/terminvereinbarung/?process=123"},
	{name: "ZMS link, empty key", text: "https://host/terminvereinbarung/?process=123&authKey="},
	{name: "ZMS link, escaped space in key", text: "https://host/?process=123&authKey=a%20b"},
	{name: "ZMS link, escaped NUL in id", text: "https://host/?process=1%002&authKey=ab"},
	{name: "ZMS link, raw NUL", text: "https://host/?process=1\x002&authKey=ab"},
	{name: "ZMS link, parameter names in any case", text: "https://host/?Process=123&AuthKey=abc", id: "123", secret: "abc"},
	{name: "ZMS link, not configured", text: "https://host/?process=123&authKey=abc", formats: []queue.CodeFormat{{Native: true}}},
	{name: "Lotse booking link", text: "https://buchen.example.de/termin?appointment=77&secret=zz", id: "77", secret: "zz"},
	{name: "custom format", text: "https://x.example/?id=5&pin=9", formats: []queue.CodeFormat{{IDParam: "id", SecretParam: "pin"}}, id: "5", secret: "9"},
	{name: "no formats", text: "LOTSE:A-1234:k3Jx9Qp", formats: []queue.CodeFormat{}},
	{name: "URL without query", text: "https://host/terminvereinbarung/"},
	{name: "garbage", text: "hello world"},
	{name: "EAN barcode", text: "4006381333931"},
	{name: "empty", text: ""},
	// What a mail program leaves of quoted-printable (RFC 2045).
	{name: "native, soft line break", text: "LOTSE:98765:k3Jx9=\nQp", id: "98765", secret: "k3Jx9Qp"},
	{name: "native, soft line break CR LF", text: "LOTSE:98765:k3Jx9=\r\nQp", id: "98765", secret: "k3Jx9Qp"},
	{name: "native, soft line break in the id", text: "LOTSE:987=\n65:k3Jx9Qp", id: "98765", secret: "k3Jx9Qp"},
	{name: "native, soft line break before a colon", text: "LOTSE:98765=\r\n:k3Jx9Qp", id: "98765", secret: "k3Jx9Qp"},
	{name: "native, padding at the line's end stays", text: "LOTSE:1:a+b/c=\n", id: "1", secret: "a+b/c="},
	{name: "native, padding before a blank line stays", text: "LOTSE:1:_x-y=\r\n\r\n", id: "1", secret: "_x-y="},
	{name: "native, padding quoted-printable", text: "LOTSE:1:a+b/c=3D", id: "1", secret: "a+b/c="},
	{name: "native, quoted-printable, blank after a soft line break", text: "Ihr Code: LOTSE:1:a+b/c=3D=\r\n Danke", id: "1", secret: "a+b/c="},
	{name: "native, soft line break before a blank", text: "Ihr Code: LOTSE:1:k3Jx9Qp=\r\n Danke", id: "1", secret: "k3Jx9Qp"},
	{name: "ZMS link, soft line break in the secret", text: "https://host/?process=98765&authKey=k3Jx9=\nQp", id: "98765", secret: "k3Jx9Qp"},
	{name: "ZMS link, soft line break in the id", text: "https://host/?process=987=\r\n65&authKey=k3Jx9Qp", id: "98765", secret: "k3Jx9Qp"},
	{name: "ZMS link, soft line break in the path", text: "https://termine.example.de/termin=\nvereinbarung/?process=123&authKey=ab12", id: "123", secret: "ab12"},
	{name: "ZMS link, soft line break quoted and indented", text: "> https://host/?process=123&authKey=ab=\n> 12", id: "123", secret: "ab12"},
	{name: "ZMS link, wrapped after the parameter's =", text: "https://host/?process=123&authKey=\nab12", id: "123", secret: "ab12"},
	{name: "ZMS link, padding before & stays", text: "https://host/?authKey=ab12==\r\n&process=123", id: "123", secret: "ab12=="},
	{name: "ZMS link, padding before # stays", text: "https://host/?process=123&authKey=ab12=\n#/x", id: "123", secret: "ab12="},
	{name: "ZMS link, =3D", text: "https://host/?process=3D123&authKey=3Dab12", id: "123", secret: "ab12"},
	{name: "ZMS link, =3D and =26", text: "https://host/?process=3D123=26authKey=3Dab12", id: "123", secret: "ab12"},
	{name: "ZMS link, quoted-printable with soft line breaks", text: "Termin =C3=A4ndern: https://termine.example.de/terminvereinbarun=\r\ng/?process=3D12=\r\n3&authKey=3Dab=\r\n12 Danke", id: "123", secret: "ab12"},
	{name: "ZMS link, quoted-printable soft break before =3D", text: "https://host/?process=3D123&authKey=\r\n=3Dab12", id: "123", secret: "ab12"},
	{name: "ZMS link, quoted-printable padding", text: "https://host/?process=3D1&authKey=3Dab12=3D=3D", id: "1", secret: "ab12=="},
	{name: "ZMS link, 3D in a plain value stays", text: "https://host/?process=123&authKey=3Dab", id: "123", secret: "3Dab"},
	{name: "ZMS link, 3D in a plain value after a printable escape stays", text: "https://host/?process=45678&authKey=3Dab", id: "45678", secret: "3Dab"},
	{name: "ZMS link, lower-case 3d stays", text: "https://host/?process=3d12&authKey=3d9f", id: "3d12", secret: "3d9f"},
	// Parameter names as people and other systems spell them.
	{name: "ZMS link, authkey", text: "https://host/?process=123&authkey=ab12", id: "123", secret: "ab12"},
	{name: "ZMS link, AUTHKEY and PROCESS", text: "https://host/?PROCESS=123&AUTHKEY=ab12", id: "123", secret: "ab12"},
	{name: "ZMS link, Process", text: "https://host/?Process=123&authKey=ab12", id: "123", secret: "ab12"},
	{name: "ZMS link, exact spelling wins", text: "https://host/?process=123&AuthKey=x&authKey=ab12", id: "123", secret: "ab12"},
	{name: "Lotse link, SECRET", text: "https://host/?Appointment=A-1&SECRET=k3Jx9Qp", id: "A-1", secret: "k3Jx9Qp"},
	// Parameters in the fragment.
	{name: "ZMS link, parameters in a hash route", text: "https://host/#/cancel?process=1&authKey=x", id: "1", secret: "x"},
	{name: "ZMS link, parameters as the fragment", text: "https://host/termin#process=1&authKey=x", id: "1", secret: "x"},
	{name: "ZMS link, parameters as the fragment after a slash", text: "https://host/#process=1&amp;authkey=x", id: "1", secret: "x"},
	{name: "ZMS link, only the id in the fragment", text: "https://host/#process=1"},
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

// wrappings are the ways mail programs, PDF viewers and people pass a
// link on; each must check in like the plain link.
var wrappings = []func(link string) string{
	func(l string) string { return strings.ReplaceAll(l, "&", "&amp;") },
	func(l string) string { return strings.ReplaceAll(l, "&", "&#38;") },
	func(l string) string { return strings.ReplaceAll(l, "&", "&#x26;") },
	func(l string) string { return strings.ReplaceAll(l, "&", "&amp;amp;") },
	func(l string) string { return l + ".\r\n" },
	func(l string) string { return "<" + l + ">" },
	func(l string) string { return "\"" + l + "\"," },
	func(l string) string { return "(" + l + ")" },
	func(l string) string { return "[" + l + "]" },
	func(l string) string { return "Link: " + l },
	func(l string) string { return "Termin ändern: " + l + ". Mit freundlichen Grüßen" },
	func(l string) string { return "<URL:" + l + ">" },
	func(l string) string { return "HTTPS" + strings.TrimPrefix(l, "https") },
	func(l string) string { return l + "#/termin" },
	func(l string) string { return l[:len(l)/2] + "\r\n  " + l[len(l)/2:] },
	func(l string) string { return l[:len(l)/2] + "\u00ad" + l[len(l)/2:] },
	func(l string) string { return l[:len(l)/2] + "\n\u00a0\u00a0" + l[len(l)/2:] },
	func(l string) string { return "> " + l[:len(l)/2] + "\n> " + l[len(l)/2:] },
	func(l string) string { return l + "\u2026" },
	func(l string) string { return l + "\u3002" },
	func(l string) string { return "*" + l + "*" },
	func(l string) string { return "_" + l + "_" },
	func(l string) string { return l + ":" },
	func(l string) string { return l + "/" },
	func(l string) string { return l + "%20" },
	func(l string) string { return strings.ReplaceAll(l, "&", "&amp;amp;amp;amp;") },
	func(l string) string {
		return strings.ReplaceAll(strings.ReplaceAll(l, "&", "%26"), "authKey=", "authKey%3D")
	},
	func(l string) string {
		return "<a href=\"" + strings.ReplaceAll(l, "&", "&amp;") + "\">Termin \u00e4ndern</a>"
	},
	func(l string) string { return "[Termin \u00e4ndern](" + l + ")" },
	func(l string) string { return "[" + l + "](" + l + ")" },
	func(l string) string { return "mailto:?body=" + url.QueryEscape(l) },
	func(l string) string { return url.QueryEscape(l) },
	func(l string) string { return "https://gateway.example/?url=" + url.QueryEscape(l) + "&data=1" },
}

// mailWrappings are what a mail program that shows a body undecoded, or
// a person retyping a link, makes of it; quoted-printable only where it
// can be told from a plain link (qpReadable).
var mailWrappings = []func(link string) string{
	quotedPrintable,
	func(l string) string { return strings.ReplaceAll(quotedPrintable(l), "&", "=26") },
	func(l string) string { return "> " + strings.ReplaceAll(quotedPrintable(l), "\r\n", "\r\n> ") },
	func(l string) string {
		return strings.Replace(strings.Replace(l, "authKey=", "AUTHKEY=", 1), "process=", "Process=", 1)
	},
	func(l string) string { return strings.Replace(l, "authKey=", "authkey=", 1) },
	func(l string) string { return strings.Replace(l, "/?", "/#/cancel?", 1) },
	func(l string) string { return strings.Replace(l, "/?", "/#", 1) },
}

// quotedPrintable encodes s as a mail body (RFC 2045): "=" and bytes
// outside ASCII escaped, lines of at most 76 characters ended by soft
// line breaks.
func quotedPrintable(s string) string {
	var b strings.Builder
	line := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		enc := string(c)
		if c == '=' || c >= 0x80 {
			enc = fmt.Sprintf("=%02X", c)
		}
		if line+len(enc) > 75 {
			b.WriteString("=\r\n")
			line = 0
		}
		b.WriteString(enc)
		line += len(enc)
	}
	return b.String()
}

// qpEscape is what a quoted-printable body encoder writes for "=", "&"
// and bytes outside ASCII.
var qpEscape = regexp.MustCompile(`=(3D|26|[89A-F][0-9A-F])`)

// qpReadable reports whether a link with these values, encoded as
// quoted-printable, can be told from a plain one: not when every value
// starts with "3D", as the encoded separator does.
func qpReadable(id, secret string) bool {
	return !strings.HasPrefix(id, "3D") || !strings.HasPrefix(secret, "3D")
}

// FuzzCodeWrappings: for any id and secret a booking system may issue,
// the link and the native payload check in alike however they were
// passed on.
func FuzzCodeWrappings(f *testing.F) {
	f.Add("123", "ab12")
	f.Add("98765", "k3Jx9Qp")
	f.Add("12:3", "a+b/c=")
	f.Add("Düsseldorf-1", "x~y")
	f.Add("M-20260318-097", "uyzV6wJyaNnr_Ms8LR6jqUa-") // base64url, as Lotse issues
	f.Add("4711", "1c56")                               // short alphanumeric, as in ZMS links
	f.Add("A_1", "_x-y=")
	f.Add("S-6", "k3Jx9Qp_")
	f.Add("123", "3Dab")                                                 // a plain value like an encoded separator
	f.Add("M-20260318-097-Düsseldorf-Bürgerbüro-Mitte-Termin", "k3Jx9=") // long and non-ASCII: soft line breaks, escapes
	formats := queue.DefaultCodeFormats()
	f.Fuzz(func(t *testing.T, id, secret string) {
		if !issuable(id) || !issuable(secret) {
			t.Skip()
		}
		link := "https://termine.example.de/terminvereinbarung/?process=" + url.QueryEscape(id) + "&authKey=" + url.QueryEscape(secret)
		for i, wrap := range wrappings {
			text := wrap(link)
			gotID, gotSecret, err := queue.ParseCode(text, formats)
			if err != nil || gotID != id || gotSecret != secret {
				t.Errorf("wrapping %d: ParseCode(%q) = %q, %q, %v; want %q, %q", i, text, gotID, gotSecret, err, id, secret)
			}
		}
		for i, wrap := range mailWrappings {
			if i < 3 && !qpReadable(id, secret) {
				continue
			}
			text := wrap(link)
			gotID, gotSecret, err := queue.ParseCode(text, formats)
			if err != nil || gotID != id || gotSecret != secret {
				t.Errorf("mail wrapping %d: ParseCode(%q) = %q, %q, %v; want %q, %q", i, text, gotID, gotSecret, err, id, secret)
			}
		}
		native := "LOTSE:" + id + ":" + secret
		for _, text := range []string{native, " lotse:" + id + ":" + secret + "\r\n", "\"" + native + "\".", "<" + native + ">", url.QueryEscape(native), "Ihr Code: " + native + ". Danke",
			native + "\u2026", "*" + native + "*", "_" + native + "_", native + "%20", "[Code](" + native + ")", "\uff2c\uff2f\uff34\uff33\uff25\uff1a" + id + "\uff1a" + secret,
			quotedPrintable("Ihr Code: " + native + " Danke")} {
			if !strings.Contains(secret, ":") {
				gotID, gotSecret, err := queue.ParseCode(text, formats)
				if err != nil || gotID != id || gotSecret != secret {
					t.Errorf("ParseCode(%q) = %q, %q, %v; want %q, %q", text, gotID, gotSecret, err, id, secret)
				}
			}
		}
	})
}

// issuable reports whether s is what a booking system issues as an id or
// a secret: printable, no blanks, no "%" (a value that still looks
// percent-encoded is decoded once more), and neither starting nor ending in a
// character that wraps a code in text.
func issuable(s string) bool {
	if s == "" || len(s) > 200 || !utf8.ValidString(s) || strings.Contains(s, "](") || strings.Contains(strings.ToLower(s), "href=") {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) || r == '&' || r == '#' || r == '%' || r == '<' || r == '>' || r == '"' || r == '\'' || r == '\\' ||
			r == ')' || (r >= 0xff01 && r <= 0xff5e) {
			// ")" ends a Markdown link's target, in Markdown itself too.
			return false
		}
	}
	if qpEscape.MatchString(s) {
		// "=3D", "=26" or "=C3" in a value that holds no other "="
		// reads as quoted-printable (see qpReadable).
		return false
	}
	// Ids and secrets end in a letter, digit, mark, "-", "_" or "="
	// (base64url and alphanumeric secrets); a "_" at the end only where no "_"
	// wraps the code.
	ends := func(r rune) bool { return r == '-' || r == '=' || unicode.In(r, unicode.L, unicode.N, unicode.M) }
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	return (ends(first) || first == '_') && ends(last)
}

// TestFormatCodeRoundTrip: what FormatCode writes, ParseCode reads back
// unchanged, with only the native format configured; every producer of
// codes (the demo page, the demo backend's tests, the load test) uses it.
func TestFormatCodeRoundTrip(t *testing.T) {
	for _, c := range []struct{ id, secret string }{
		{"a1", "s3cr3t"},
		{"4711-0815", "Zm9vYmFy"},
		{"ns:appointment:17", "k"}, // an id may hold ':'
		{"ü-termin", "geheim"},
	} {
		code := queue.FormatCode(c.id, c.secret)
		id, secret, err := queue.ParseCode(code, []queue.CodeFormat{{Native: true}})
		if err != nil || id != c.id || secret != c.secret {
			t.Errorf("ParseCode(FormatCode(%q, %q) = %q) = %q, %q, %v", c.id, c.secret, code, id, secret, err)
		}
	}
}
