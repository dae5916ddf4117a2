// Package config reads the kiosk's settings: command-line flags on top of
// the [kiosk] table of the office's TOML file.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"lotse/hub/api"
	"lotse/internal/tomlcheck"
)

// DefaultHub is the hub the kiosk talks to when none is configured.
const DefaultHub = "http://localhost:8080"

// Settings are everything the kiosk can be told.
type Settings struct {
	// Hub is the hub's base URL.
	Hub string `toml:"hub"`
	// Office is the office ID; empty means the first office the hub lists.
	Office string `toml:"office"`
	// Token is the kiosk's device token.
	Token string `toml:"token"`
	// Windowed runs in a normal window instead of full screen (development).
	Windowed bool `toml:"windowed"`
	// Scanner is the serial device of a QR scanner, e.g. /dev/ttyACM0.
	Scanner string `toml:"scanner"`
	// Printer is the ticket printer: a device path or tcp://host:9100.
	Printer string `toml:"printer"`
	// Camera is a webcam that reads QR codes: a Video4Linux device such as
	// /dev/video0, the URL of an MJPEG stream, or file:PATH, an MJPEG file
	// or an image played in a loop like a camera (demos, tests).
	Camera string `toml:"camera"`
	// ScannerPrefixes are texts a scanner was set up to send before every
	// code; they are removed on every scanner path, like AIM identifiers,
	// which need no setting.
	ScannerPrefixes []string `toml:"scanner_prefixes"`
	// ScannerSuffixes are texts a scanner was set up to send after every
	// code (CR, LF and TAB need no setting).
	ScannerSuffixes []string `toml:"scanner_suffixes"`
	// StaffPIN lets staff leave the kiosk. Only in the file, so that it does
	// not show in the process list.
	StaffPIN string `toml:"staff_pin"`
	// WalkIns, when set, overrides the hub's walk-in setting for this kiosk.
	WalkIns *bool `toml:"walk_ins"`
	// Languages offered on the idle screen, German first.
	Languages []string `toml:"languages"`
	// HubTimeout bounds every hub call.
	HubTimeout time.Duration `toml:"hub_timeout"`
	// ResultTimeout is how long a ticket or message stays on screen.
	ResultTimeout time.Duration `toml:"result_timeout"`
	// IdleTimeout returns to the idle screen after this long untouched.
	IdleTimeout time.Duration `toml:"idle_timeout"`
	// PrintTimeout bounds one print job.
	PrintTimeout time.Duration `toml:"print_timeout"`
	// Speech reads screens aloud with espeak-ng ("Vorlesen"); nil means
	// on when espeak-ng is installed.
	Speech *bool `toml:"speech"`
	// AudioDevice is where speech is played, as espeak-ng's -d takes it:
	// an ALSA device such as "plughw:CARD=Headphones,DEV=0" (a headphone
	// jack) or a PulseAudio sink; empty means the default device.
	AudioDevice string `toml:"audio_device"`
	// KeypadHelp are the USB keypad's keys that read the screen aloud.
	KeypadHelp string `toml:"keypad_help"`
	// KeypadBack are the USB keypad's keys that go back.
	KeypadBack string `toml:"keypad_back"`
}

// file is the part of the office's TOML file the kiosk reads; the hub's
// tables in the same file are ignored.
type file struct {
	Kiosk Settings `toml:"kiosk"`
}

// fileKeys explains every key of the [kiosk] table, in the order of
// Settings, with its default. -h prints them after the flags, so that one
// command lists every setting; a test checks that no key is missing.
var fileKeys = []struct{ key, help string }{
	{"hub", "hub base URL, or a comma-separated list: the primary, then its standbys (default " + DefaultHub + "; flag -hub)"},
	{"office", "office ID (default: the first office the hub lists; flag -office)"},
	{"token", "device token of this kiosk (flag -token)"},
	{"windowed", "true: a window instead of full screen (flag -windowed)"},
	{"scanner", "serial device of the QR scanner; keyboard-wedge scanners need nothing (flag -scanner)"},
	{"printer", "ticket printer: device path or tcp://host:9100 (flag -printer)"},
	{"camera", "webcam reading QR codes (flag -camera)"},
	{"scanner_prefixes", `texts a scanner was set up to send before every code, e.g. ["SCAN:"]`},
	{"scanner_suffixes", "texts a scanner sends after every code (CR, LF and TAB need none)"},
	{"staff_pin", "PIN to leave the kiosk (hidden top left corner, then the PIN; Ctrl+Alt+Q); only in the file, not in the process list"},
	{"walk_ins", `false hides "Ohne Termin" on this kiosk (default: as the hub's office allows)`},
	{"languages", `languages offered, German first; "de-LS" is easy German (default ["de", "de-LS", "en", "tr", "uk", "ru"])`},
	{"hub_timeout", `bound of every hub call (default "5s")`},
	{"result_timeout", `how long a ticket or message stays on screen (default "15s")`},
	{"idle_timeout", `back to idle, and to German, when untouched this long (default "45s")`},
	{"print_timeout", `bound of one print job (default "10s")`},
	{"speech", `false: no "Vorlesen" button and no speech (default: on when espeak-ng is installed)`},
	{"audio_device", `audio output of speech, as espeak-ng -d takes it, e.g. "plughw:CARD=Headphones,DEV=0" (flag -audio-device; default: the system's)`},
	{"keypad_help", `USB keypad keys that read the screen aloud (default "+*")`},
	{"keypad_back", `USB keypad keys that go back (default "-")`},
}

// usage prints the flags and then every key of the [kiosk] table.
func usage(fs *flag.FlagSet) func() {
	return func() {
		out := fs.Output()
		fmt.Fprintln(out, "Usage: kiosk [flags]")
		fmt.Fprintln(out, "\nFlags (they override the file):")
		fs.PrintDefaults()
		fmt.Fprintln(out, "\nSettings in the [kiosk] table of the -config file:")
		for _, k := range fileKeys {
			fmt.Fprintf(out, "  %s\n    \t%s\n", k.key, k.help)
		}
	}
}

// ErrHelp is returned when -h or -help was given; usage has been printed.
var ErrHelp = flag.ErrHelp

// Parse reads the settings from args (without the program name): first the
// -config file, then every flag given explicitly on top of it. Usage and
// flag errors go to output.
func Parse(args []string, output io.Writer) (Settings, error) {
	fs := flag.NewFlagSet("kiosk", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.Usage = usage(fs)
	var flags Settings
	configFile := fs.String("config", "", "the office's TOML `file` (table [kiosk]); flags override it")
	fs.StringVar(&flags.Hub, "hub", DefaultHub, "hub base `URL`, or a comma-separated list: the primary, then its standbys")
	fs.StringVar(&flags.Office, "office", "", "office `ID` (default: the first office the hub lists)")
	fs.StringVar(&flags.Token, "token", "", "device `token` of this kiosk")
	fs.BoolVar(&flags.Windowed, "windowed", false, "run in a window instead of full screen (development)")
	fs.StringVar(&flags.Scanner, "scanner", "", "serial `device` of the QR scanner, e.g. /dev/ttyACM0")
	fs.StringVar(&flags.Printer, "printer", "", "ticket printer: `device` path or tcp://host:9100")
	fs.StringVar(&flags.AudioDevice, "audio-device", "", "audio output `device` of speech, as espeak-ng -d takes it (e.g. plughw:CARD=Headphones,DEV=0)")
	fs.StringVar(&flags.Camera, "camera", "", "webcam reading QR codes: a `device` such as /dev/video0, an MJPEG stream URL, or file:PATH[?fps=N] (an MJPEG file or image played in a loop)")
	if err := fs.Parse(args); err != nil {
		return Settings{}, err
	}
	if fs.NArg() > 0 {
		return Settings{}, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}

	s := Settings{Hub: DefaultHub}
	if *configFile != "" {
		var f file
		f.Kiosk.Hub = DefaultHub
		src, err := os.ReadFile(*configFile)
		if err != nil {
			return Settings{}, fmt.Errorf("read config: %w", err)
		}
		// Strict about [kiosk]; the hub's and the display's tables in the
		// same file are theirs.
		if err := tomlcheck.Decode(src, &f, "kiosk"); err != nil {
			return Settings{}, fmt.Errorf("config %s: %w", *configFile, err)
		}
		s = f.Kiosk
	}
	fs.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "hub":
			s.Hub = flags.Hub
		case "office":
			s.Office = flags.Office
		case "token":
			s.Token = flags.Token
		case "windowed":
			s.Windowed = flags.Windowed
		case "scanner":
			s.Scanner = flags.Scanner
		case "printer":
			s.Printer = flags.Printer
		case "camera":
			s.Camera = flags.Camera
		case "audio-device":
			s.AudioDevice = flags.AudioDevice
		}
	})
	if s.Hub == "" {
		return Settings{}, errors.New("no hub URL: set -hub")
	}
	if _, err := api.ParseHubs(s.Hub); err != nil {
		return Settings{}, err
	}
	for _, d := range []time.Duration{s.HubTimeout, s.ResultTimeout, s.IdleTimeout, s.PrintTimeout} {
		if d < 0 {
			return Settings{}, fmt.Errorf("negative timeout %v", d)
		}
	}
	return s, nil
}
