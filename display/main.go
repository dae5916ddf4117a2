// Command display is the call display of the waiting room: it follows an
// office's stream from the hub, shows the calls, the waiting lines and the
// office notice, plays a gong and announces each call.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"
	_ "time/tzdata" // the office's zone must resolve on minimal systems too

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"lotse/assets"
	"lotse/display/board"
	"lotse/display/sound"
	"lotse/hub/api"
	"lotse/internal/glwindow"
	"lotse/internal/malloc"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "display:", err)
		os.Exit(1)
	}
}

// run parses the flags, wires the parts and shows the board until ctx ends
// or the window is closed. It must run on the main goroutine (Fyne).
func run(ctx context.Context, args []string, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	level := slog.LevelInfo
	if cfg.Debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		// Fyne would panic with a GLFW stack trace; say what is wrong.
		return errors.New("no graphical session (DISPLAY is not set): start the display in the desktop session of the screen's PC")
	}
	malloc.ForFrames()
	lang, err := board.ScreenLanguage(cfg.Lang)
	if err != nil {
		log.Warn("the screen texts are German", "err", err)
	}
	msgs, err := assets.Messages("display", lang)
	if err != nil {
		return err
	}

	var player board.Player = board.Silent{}
	var voices []board.Voice
	if cfg.Sound {
		player, voices = openSound(cfg, log)
	}
	announcer := &board.Announcer{Player: player, Voices: voices, Log: log}

	a := app.NewWithID("de.lotse.display")
	screen := board.NewScreen(board.ScreenOptions{
		Messages:    msgs,
		Layout:      cfg.Layout,
		History:     cfg.History,
		OnCall:      announcer.Announce,
		OnDayTurned: announcer.Drop,
		Log:         log,
		// Start-up garbage (parsed fonts, the first frame's rasterised
		// text) would stay resident for minutes; once the board shows,
		// giving it back costs nothing anyone sees.
		OnShown: func() { time.AfterFunc(2*time.Second, malloc.Release) },
	})
	// The theme's background follows the board's ground, which
	// the screen chooses with every frame (board/ground.go).
	a.Settings().SetTheme(screen.Theme())
	// Fyne never tests depth or stencil; without those buffers a frame
	// costs a fifth less under a software renderer.
	if err := glwindow.WithoutDepthBuffer(); err != nil {
		return fmt.Errorf("start the window system: %w", err)
	}
	w := a.NewWindow(msgs["window_title"])
	w.SetContent(screen)
	w.SetPadded(false)
	if cfg.Windowed {
		w.Resize(fyne.NewSize(1280, 720))
	} else {
		w.SetFullScreen(true)
	}
	watch := &streamWatch{Sink: screen, now: time.Now}
	follower := &board.Follower{
		Client: api.NewClient(cfg.Hub, cfg.Token),
		Office: cfg.Office,
		Sink:   watch,
		Log:    log,
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go follower.Run(ctx)
	go announcer.Run(ctx)
	go screen.Run(ctx)
	go trimEvery(ctx, 5*time.Minute)
	go reportHealth(ctx, cfg, watch, log)
	go func() {
		<-ctx.Done()
		fyne.Do(a.Quit)
	}()
	log.Info("display started", "hub", cfg.Hub, "office", cfg.Office, "layout", cfg.Layout)
	w.ShowAndRun()
	return nil
}

// trimEvery gives the C heap's free pages back now and then: the textures
// of calls long gone leave small holes that glibc would keep resident.
func trimEvery(ctx context.Context, d time.Duration) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			malloc.Trim()
		}
	}
}

// openSound opens the audio device; without one the display runs silently
// and says so once.
func openSound(cfg board.Config, log *slog.Logger) (board.Player, []board.Voice) {
	gong, err := assets.FS.ReadFile("sounds/" + sound.GongFile)
	if err != nil {
		log.Warn("no gong: running silently", "err", err)
		return board.Silent{}, nil
	}
	p, err := sound.Open(gong)
	if err != nil {
		log.Warn("no sound device: running silently", "err", err)
		return board.Silent{}, nil
	}
	if !cfg.Speech {
		return p, nil
	}
	if err := p.Speaks(); err != nil {
		log.Warn("announcements are not spoken, only the gong plays", "err", err)
		return p, nil
	}
	voices, err := board.Voices(cfg.Lang2)
	if err != nil {
		log.Warn("an announcement language is left out", "err", err)
	}
	return p, voices
}

// parseFlags reads the flags over the config file (if -config names one)
// over the defaults: a flag given on the command line always wins.
func parseFlags(args []string, stderr io.Writer) (board.Config, error) {
	cfg := board.DefaultConfig()
	fs := flag.NewFlagSet("display", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configFile := fs.String("config", "", "TOML file with a [display] table of these settings")
	hub := fs.String("hub", cfg.Hub, "hub base URL, or a comma-separated list: the primary, then its standbys")
	office := fs.String("office", cfg.Office, "office id (default: the first office the hub lists)")
	token := fs.String("token", cfg.Token, "device token")
	windowed := fs.Bool("windowed", cfg.Windowed, "run in a window instead of fullscreen (development)")
	lang := fs.String("lang", cfg.Lang, "language of the screen texts")
	lang2 := fs.String("lang2", cfg.Lang2, "second announcement language, e.g. en (optional)")
	speech := fs.Bool("speech", cfg.Speech, "speak announcements (espeak-ng)")
	snd := fs.Bool("sound", cfg.Sound, "play the gong and announcements")
	layout := fs.String("layout", cfg.Layout, "call area: auto, list or columns")
	debug := fs.Bool("debug", cfg.Debug, "log every repaint with its seq (for measuring)")
	history := fs.Int("history", cfg.History, "how many calls the board keeps")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if *configFile != "" {
		var err error
		if cfg, err = board.LoadConfig(*configFile, cfg); err != nil {
			return cfg, err
		}
	}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "hub":
			cfg.Hub = *hub
		case "office":
			cfg.Office = *office
		case "token":
			cfg.Token = *token
		case "windowed":
			cfg.Windowed = *windowed
		case "lang":
			cfg.Lang = *lang
		case "lang2":
			cfg.Lang2 = *lang2
		case "speech":
			cfg.Speech = *speech
		case "sound":
			cfg.Sound = *snd
		case "layout":
			cfg.Layout = *layout
		case "history":
			cfg.History = *history
		case "debug":
			cfg.Debug = *debug
		}
	})
	return cfg, cfg.Validate()
}
