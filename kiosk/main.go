// Command kiosk is the lobby touch terminal of a citizen office: citizens
// check in with the QR code of their appointment confirmation or their
// birth date, or draw a number without an appointment.
//
//	kiosk -hub http://localhost:8080 -token demo -windowed
//
// It starts full screen and refuses to close; staff leave by tapping the
// top left corner five times within four seconds and typing the PIN
// (staff_pin in the [kiosk] table of -config), or with Ctrl+Alt+Q, which
// also asks for the PIN when one is set and exits at once when none is.
//
// Flags override the [kiosk] table of the office's TOML file:
//
//	[kiosk]
//	hub = "http://hub.local:8080"
//	office = "buergerbuero-mitte"   # default: the first office the hub lists
//	token = "…"                     # device token
//	scanner = "/dev/ttyACM0"        # serial QR scanner; wedge scanners need nothing
//	printer = "tcp://192.0.2.7:9100"
//	camera = "/dev/video0"          # webcam reading QR codes, an MJPEG stream URL or file:frames.mjpg
//	scanner_prefixes = ["SCAN:"]    # texts a scanner was set up to add; AIM identifiers need nothing
//	scanner_suffixes = []
//	staff_pin = "2468"
//	walk_ins = false                # hide "Ohne Termin" on this kiosk
//	languages = ["de", "de-LS", "en", "tr", "uk", "ru"]
//	hub_timeout = "5s"
//	result_timeout = "15s"          # ticket and messages on screen
//	idle_timeout = "45s"            # back to idle (and German) when untouched
//	print_timeout = "10s"
//	speech = true                   # "Vorlesen" with espeak-ng (default: when installed)
//	audio_device = "plughw:CARD=Headphones,DEV=0"   # espeak-ng -d; default: the system's
//	keypad_help = "+*"              # USB keypad keys that read the screen aloud
//	keypad_back = "-"               # USB keypad keys that go back
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"
	_ "time/tzdata" // offices run on minimal systems; the office's zone must resolve

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"lotse/hardware/scanner"
	"lotse/hardware/speech"
	"lotse/hub/api"
	"lotse/internal/glwindow"
	"lotse/internal/malloc"
	"lotse/kiosk/config"
	"lotse/kiosk/ui"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		if errors.Is(err, config.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "kiosk:", err)
		os.Exit(1)
	}
}

// run parses the settings, wires hub, hardware and UI, and shows the kiosk
// until staff leave or ctx ends. It must run on the main goroutine (Fyne).
func run(ctx context.Context, args []string, stdout io.Writer) error {
	cfg, err := config.Parse(args, stdout)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stdout, nil))
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		// Fyne would panic with a GLFW stack trace; say what is wrong.
		return errors.New("no graphical session (DISPLAY is not set): start the kiosk in the desktop session of the kiosk PC")
	}
	malloc.ForFrames()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	a := app.NewWithID("de.lotse.kiosk")
	// Fyne never tests depth or stencil; without those buffers a frame
	// costs a fifth less under a software renderer.
	if err := glwindow.WithoutDepthBuffer(); err != nil {
		return fmt.Errorf("start the window system: %w", err)
	}
	w := a.NewWindow("Lotse Kiosk")
	printer, err := openPrinter(cfg.Printer, log)
	if err != nil {
		return err
	}
	health := watchHealth(ctx, cfg, printer, log)
	// Every scanner path strips the same decoration (scanner.Payload).
	affixes := scanner.Affixes{Prefixes: cfg.ScannerPrefixes, Suffixes: cfg.ScannerSuffixes}
	k := ui.New(api.NewClient(cfg.Hub, cfg.Token), ui.Options{
		Office:        cfg.Office,
		Languages:     cfg.Languages,
		StaffPIN:      cfg.StaffPIN,
		WalkIns:       cfg.WalkIns,
		HubTimeout:    cfg.HubTimeout,
		ResultTimeout: cfg.ResultTimeout,
		IdleTimeout:   cfg.IdleTimeout,
		PrintTimeout:  cfg.PrintTimeout,
		Wedge:         scanner.WedgeDetector{Affixes: affixes},
		Printer:       health.Printer(printer),
		OnScan:        health.Scanned,
		OnExit:        a.Quit,
		OnIdle:        returnMemory(),
		Logger:        log,
		Speaker:       openSpeech(cfg, log),
		HelpKeys:      cfg.KeypadHelp,
		BackKeys:      cfg.KeypadBack,
	})
	w.SetContent(k.Content())
	k.AttachKeyboard(w.Canvas())
	if cfg.Windowed {
		w.Resize(fyne.NewSize(1280, 1024))
	} else {
		w.SetFullScreen(true)
		w.SetPadded(false)
		// The public must not close the kiosk; staff use the PIN.
		w.SetCloseIntercept(func() { log.Info("window close refused: kiosk mode") })
		if cfg.StaffPIN == "" {
			log.Warn("no staff_pin configured: the hidden corner is off, Ctrl+Alt+Q exits without PIN")
		}
	}

	dedupe := &scanner.Deduper{}
	deliver := func(s scanner.Scan) { k.Scan(s.Code) }
	if cfg.Scanner != "" {
		src := &scanner.Serial{Device: cfg.Scanner, Affixes: affixes, Dedupe: dedupe, Logger: log}
		src.OnStatus = health.ScannerStatus
		go runSource(ctx, src, deliver, log)
	}
	if cfg.Camera != "" {
		open, err := scanner.OpenCameraAt(cfg.Camera)
		if err != nil {
			return err
		}
		src := &scanner.Camera{Name: "camera", Open: open, MinInterval: scanner.DefaultMinInterval, IdleInterval: scanner.DefaultIdleInterval,
			Affixes: affixes, Dedupe: dedupe, Logger: log}
		src.OnStatus = health.ScannerStatus
		go runSource(ctx, src, deliver, log)
	}

	k.Start(ctx)
	go func() {
		<-ctx.Done()
		fyne.Do(a.Quit)
	}()
	log.Info("kiosk started", "hub", cfg.Hub, "office", cfg.Office, "windowed", cfg.Windowed)
	w.ShowAndRun()
	return nil
}

// returnMemory returns the OnIdle hook that gives free memory back to the
// system, at most once a minute. Start-up and every citizen's screens leave
// garbage (decoded images, rasterised text, textures) that would otherwise
// stay resident for minutes or, in C's heap, for good. It waits until the
// idle screen is painted, so that painting's garbage goes too.
func returnMemory() func() {
	var last time.Time
	return func() {
		if time.Since(last) < time.Minute {
			return
		}
		last = time.Now()
		time.AfterFunc(2*time.Second, malloc.Release)
	}
}

// openSpeech returns the kiosk's voice, or nil (no "Vorlesen" button) when
// speech is switched off or espeak-ng is missing.
func openSpeech(cfg config.Settings, log *slog.Logger) ui.Speaker {
	if cfg.Speech != nil && !*cfg.Speech {
		return nil
	}
	e, err := speech.Find(cfg.AudioDevice)
	if err != nil {
		log.Warn("no speech: the kiosk shows no Vorlesen button", "err", err)
		return nil
	}
	return speech.NewReader(e, func(err error) { log.Warn("speech failed", "err", err) })
}

func runSource(ctx context.Context, src scanner.Source, deliver func(scanner.Scan), log *slog.Logger) {
	if err := src.Run(ctx, deliver); err != nil {
		log.Error("scanner stopped", "err", err)
	}
}
