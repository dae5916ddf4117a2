package tomlcheck

import (
	"errors"
	"testing"

	"github.com/BurntSushi/toml"
)

const file = `# an installation
[hub]
addr = ":8080"

[[office]]
id = "a"

  [[office.service]]
  id = "s"
  names = { en = "S", "fr" = "S" }

[[office]]
id = "b"
colour = "red"         # misspelt? unknown to the hub
  [office.backend]
  type = "demo"
  tpye = "demo"
  "quoted key" = 1
  inline = { deep = 1 }

[kiosk]
hub = "http://hub"
scaner = "/dev/ttyACM0"

[display]
layout = "list"
lyout = "list"

[kiosks]
hub = "x"

text = """
not = a key
"""
`

type hubFile struct {
	Hub struct {
		Addr string `toml:"addr"`
	} `toml:"hub"`
	Offices []struct {
		ID       string `toml:"id"`
		Services []struct {
			ID    string            `toml:"id"`
			Names map[string]string `toml:"names"`
		} `toml:"service"`
		Backend struct {
			Type string `toml:"type"`
		} `toml:"backend"`
	} `toml:"office"`
}

type kioskFile struct {
	Kiosk struct {
		Hub string `toml:"hub"`
	} `toml:"kiosk"`
}

type displayFile struct {
	Display struct {
		Layout string `toml:"layout"`
	} `toml:"display"`
}

func TestDecodeReportsOwnKeysWithLines(t *testing.T) {
	tests := []struct {
		program string
		v       any
		want    string
	}{
		{"hub", &hubFile{}, `unknown key: office.colour (line 14), office.backend.tpye (line 17), ` +
			`office.backend."quoted key" (line 18), office.backend.inline (line 19), kiosks (line 29)`},
		{"kiosk", &kioskFile{}, "unknown key: kiosk.scaner (line 23), kiosks (line 29)"},
		{"display", &displayFile{}, "unknown key: display.lyout (line 27), kiosks (line 29)"},
	}
	for _, tt := range tests {
		t.Run(tt.program, func(t *testing.T) {
			err := Decode([]byte(file), tt.v, tt.program)
			if !errors.Is(err, ErrUnknownKey) || err.Error() != tt.want {
				t.Errorf("error = %v\nwant    %s", err, tt.want)
			}
		})
	}
}

func TestLine(t *testing.T) {
	tests := []struct {
		key  toml.Key
		want int
	}{
		{toml.Key{"hub", "addr"}, 3},
		{toml.Key{"office"}, 5},
		{toml.Key{"office", "service", "names", "fr"}, 10},
		{toml.Key{"office", "backend", "inline", "deep"}, 19},
		{toml.Key{"kiosks", "not"}, 0},
		{toml.Key{"kiosks", "text"}, 32},
	}
	for _, tt := range tests {
		if got := Line([]byte(file), tt.key); got != tt.want {
			t.Errorf("Line(%s) = %d, want %d", tt.key, got, tt.want)
		}
	}
}

func TestNoErrorWhenAllKnown(t *testing.T) {
	src := "[kiosk]\nhub = 'x'\n[hub]\nwhatever = 1\n[[office]]\nid = 1\n"
	if err := Decode([]byte(src), &kioskFile{}, "kiosk"); err != nil {
		t.Fatal(err)
	}
	if err := Decode([]byte("[kiosk]\nhub = 'x'\nport = 1\n"), &displayFile{}, "display"); err != nil {
		t.Fatalf("the display judged the kiosk's table: %v", err)
	}
}
