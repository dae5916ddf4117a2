// Package tomlcheck lets the programs that share an installation's TOML
// file (hub, kiosk, display) each be strict about their own tables and
// ignore the others'.
//
// One file describes an installation: the hub reads [hub], [[office]],
// [[clerk]] and [[device]], the kiosk [kiosk], the display [display]. A
// misspelt key must stop the program that owns it with the key and its
// line, not be ignored; a table another program owns is none of its
// business. A top-level table that no program owns is a misspelling and
// every program reports it.
package tomlcheck

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// Tables are the top-level tables of the installation file and the
// program that reads each.
var Tables = map[string]string{
	"hub":     "hub",
	"office":  "hub",
	"clerk":   "hub",
	"device":  "hub",
	"auth":    "hub",
	"backup":  "hub",
	"kiosk":   "kiosk",
	"display": "display",
}

// ErrUnknownKey is wrapped by the error of Unknown.
var ErrUnknownKey = errors.New("unknown key")

// Decode decodes the TOML text src into v and returns an error naming
// every key that program owns (see Tables) and v does not know, or that
// no program owns, each with its line. Keys of other programs' tables are
// ignored.
func Decode(src []byte, v any, program string) error {
	md, err := toml.Decode(string(src), v)
	if err != nil {
		return err
	}
	return Unknown(src, md, program)
}

// Unknown returns the error of Decode for a file already decoded.
func Unknown(src []byte, md toml.MetaData, program string) error {
	var bad []toml.Key
	for _, k := range md.Undecoded() {
		if len(k) == 0 {
			continue
		}
		owner, known := Tables[k[0]]
		if known && owner != program {
			continue
		}
		bad = append(bad, k)
	}
	// An unknown table is reported once, not with each of its keys.
	var msgs []string
	for _, k := range bad {
		if slices.ContainsFunc(bad, func(p toml.Key) bool { return len(p) < len(k) && slices.Equal(p, k[:len(p)]) }) {
			continue
		}
		if line := Line(src, k); line > 0 {
			msgs = append(msgs, fmt.Sprintf("%s (line %d)", k, line))
		} else {
			msgs = append(msgs, k.String())
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrUnknownKey, strings.Join(msgs, ", "))
}

// Line returns the first line (from 1) of src where key is defined, as a
// key or a table header; a key inside an inline table or a dotted key
// gives the line of its nearest enclosing key. 0 means not found.
func Line(src []byte, key toml.Key) int {
	var table []string
	best := 0
	inString := ""
	for i, line := range strings.Split(string(src), "\n") {
		line = strings.TrimSpace(line)
		if inString != "" {
			// Inside a multi-line string nothing is a key.
			if strings.Count(line, inString)%2 == 1 {
				inString = ""
			}
			continue
		}
		var path []string
		switch {
		case line == "" || line[0] == '#':
			continue
		case strings.HasPrefix(line, "[["):
			end := strings.Index(line, "]]")
			if end < 0 {
				continue
			}
			table = splitKey(line[2:end])
			path = table
		case line[0] == '[':
			end := strings.IndexByte(line, ']')
			if end < 0 {
				continue
			}
			table = splitKey(line[1:end])
			path = table
		default:
			eq := keyEnd(line)
			if eq < 0 {
				continue
			}
			path = append(slices.Clip(table), splitKey(line[:eq])...)
			for _, q := range []string{`"""`, `'''`} {
				if strings.Count(line[eq:], q)%2 == 1 {
					inString = q
				}
			}
		}
		switch {
		case slices.Equal(path, key):
			return i + 1
		case best == 0 && len(path) > 0 && len(path) < len(key) && slices.Equal(path, key[:len(path)]) &&
			!isHeader(line) && strings.Contains(line, key[len(key)-1]):
			// An inline table or a dotted key holding key.
			best = i + 1
		}
	}
	return best
}

func isHeader(line string) bool { return strings.HasPrefix(line, "[") }

// keyEnd returns the index of the '=' after the key at the start of line,
// skipping quoted parts of the key, or -1.
func keyEnd(line string) int {
	quote := byte(0)
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0:
			if c == '\\' && quote == '"' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '=':
			return i
		}
	}
	return -1
}

// splitKey splits a dotted TOML key into its parts, unquoting quoted ones.
func splitKey(s string) []string {
	var parts []string
	var cur strings.Builder
	quote := byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			cur.WriteByte(c)
			if c == '\\' && quote == '"' && i+1 < len(s) {
				i++
				cur.WriteByte(s[i])
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
			cur.WriteByte(c)
		case c == '.':
			parts = append(parts, unquote(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(parts, unquote(cur.String()))
}

func unquote(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		return s[1 : len(s)-1]
	}
	if len(s) >= 2 && s[0] == '"' {
		if u, err := strconv.Unquote(s); err == nil {
			return u
		}
	}
	return s
}
