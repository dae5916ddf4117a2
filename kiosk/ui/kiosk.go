// Package ui is the kiosk's user interface: the lobby terminal where
// citizens check in by QR code or birth date, or draw a number without an
// appointment. It talks to the hub through the HubClient interface (api.Client
// implements it) and is driven headless in tests with fyne.io/fyne/v2/test.
//
// Threading: Fyne's widgets belong to the UI goroutine. Everything that
// arrives from elsewhere (scans, hub answers, timers, the printer) is handed
// over with Options.Do, which is fyne.Do in the real app.
//
// One file per concern, each owning its part of the Kiosk's state:
// kiosk.go the options and the constructor, office.go the office loop
// (hubLink), flow.go one citizen's visit and the timeouts (visit,
// idleTimer), scan.go scanner and key intake (wedgeIntake), printer.go
// printing, birthdate.go and keypad.go the digit entry, staff.go the
// staff exit (staffExit), screens.go and widgets.go what is drawn (view),
// speech.go reading aloud and the USB number keypad, access.go the visit's
// access modes (access).
//
// Known limits of Fyne 2.7, checked on screen: Fyne lays out right-to-left
// text wrongly and has no embedded Arabic font, so rtl.go draws such texts
// itself (package shape) and mirrors the screens; the mouse pointer is hidden over every
// kiosk widget (desktop.HiddenCursor, which covers the whole screen because
// a transparent surface lies under everything) but Fyne has no call to hide
// it globally, so a pointer moved onto a window edge by a stray mouse may
// show; `unclutter -idle 0` closes that gap on kiosk PCs with a mouse.
package ui

import (
	"context"
	"log/slog"
	"time"

	"fyne.io/fyne/v2"

	"lotse/assets"
	"lotse/hardware/scanner"
	"lotse/hub/api"
)

// HubClient is what the kiosk needs of the hub; *api.Client implements it.
type HubClient interface {
	Offices(ctx context.Context) ([]api.Office, error)
	CheckIn(ctx context.Context, office string, req api.CheckInRequest) (api.Ticket, error)
	WalkIn(ctx context.Context, office string, req api.WalkInRequest) (api.Ticket, error)
}

// Defaults of Options.
const (
	DefaultHubTimeout      = 5 * time.Second
	DefaultResultTimeout   = 15 * time.Second
	DefaultIdleTimeout     = 45 * time.Second
	DefaultRetryInterval   = 3 * time.Second
	DefaultRefreshInterval = 30 * time.Second
	DefaultPrintTimeout    = 10 * time.Second
	DefaultClockInterval   = 5 * time.Second
)

// Options configure a Kiosk. The zero value of every field is a sensible
// default.
type Options struct {
	// Office is the office ID; empty means the first office the hub lists.
	Office string
	// Languages are offered on the idle screen, German first; nil means
	// DefaultLanguages.
	Languages []string
	// StaffPIN unlocks the staff exit (hidden corner, then PIN pad). Empty
	// disables the hidden corner; the key chord then exits at once.
	StaffPIN string
	// WalkIns, when not nil, overrides the office's walk-in setting:
	// false hides "Ohne Termin" even where the hub allows walk-ins.
	WalkIns *bool
	// HubTimeout bounds every hub call.
	HubTimeout time.Duration
	// ResultTimeout is how long a ticket or a message stays on screen.
	ResultTimeout time.Duration
	// IdleTimeout returns to the idle screen after this long without a
	// touch.
	IdleTimeout time.Duration
	// RetryInterval is the pause between attempts to reach a lost hub.
	RetryInterval time.Duration
	// RefreshInterval is how often the office's settings are fetched again
	// while the hub is reachable (which also notices a lost hub).
	RefreshInterval time.Duration
	// ClockInterval is how often the idle screen's clock is updated.
	ClockInterval time.Duration
	// Printer prints tickets; nil means no printer.
	Printer Printer
	// PrintTimeout bounds one print job.
	PrintTimeout time.Duration
	// Wedge tells keyboard-wedge scanners from typing; its zero value uses
	// the scanner package's defaults.
	Wedge scanner.WedgeDetector
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Do runs f on the UI goroutine; nil means fyne.Do.
	Do func(f func())
	// OnExit is called when staff leave the kiosk.
	OnExit func()
	// OnIdle is called on the UI goroutine whenever the idle screen
	// appears: after start and after every citizen. It must not block.
	OnIdle func()
	// Logger receives operational messages (never personal data).
	Logger *slog.Logger
	// OnScan, if set, is told of every scan, from any scanner, on the UI
	// goroutine: the device's health report names the last one.
	OnScan func()
	// Speaker reads screens aloud ("Vorlesen"); nil means the kiosk has no
	// voice and shows no "Vorlesen" button.
	Speaker Speaker
	// HelpKeys are the keypad keys that read the screen aloud; empty means
	// DefaultHelpKeys. BackKeys go back; empty means DefaultBackKeys.
	HelpKeys, BackKeys string
}

func (o *Options) setDefaults() {
	if o.Languages == nil {
		o.Languages = DefaultLanguages
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.HubTimeout, DefaultHubTimeout)
	def(&o.ResultTimeout, DefaultResultTimeout)
	def(&o.IdleTimeout, DefaultIdleTimeout)
	def(&o.RetryInterval, DefaultRetryInterval)
	def(&o.RefreshInterval, DefaultRefreshInterval)
	def(&o.PrintTimeout, DefaultPrintTimeout)
	def(&o.ClockInterval, DefaultClockInterval)
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Do == nil {
		o.Do = fyne.Do
	}
	if o.OnExit == nil {
		o.OnExit = func() {}
	}
	if o.OnIdle == nil {
		o.OnIdle = func() {}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.HelpKeys == "" {
		o.HelpKeys = DefaultHelpKeys
	}
	if o.BackKeys == "" {
		o.BackKeys = DefaultBackKeys
	}
}

// Screen names the screen the kiosk shows; tests and logs use it.
type Screen string

// The screens of the kiosk.
const (
	ScreenLoading    Screen = "loading"
	ScreenIdle       Screen = "idle"
	ScreenOutOfOrder Screen = "out-of-order"
	ScreenBirthDate  Screen = "birth-date"
	ScreenChoice     Screen = "choice"
	ScreenWalkIn     Screen = "walk-in"
	ScreenBusy       Screen = "busy"
	ScreenTicket     Screen = "ticket"
	ScreenMessage    Screen = "message"
	ScreenStaff      Screen = "staff"
)

// Kiosk is the kiosk application's state and screens. Create it with New,
// put Content into a window, call Start, and feed scans to Scan.
type Kiosk struct {
	opts Options
	hub  HubClient
	log  *slog.Logger
	ctx  context.Context // Start's: it bounds every hub call and print job

	// Everything below belongs to the UI goroutine, except link.recheck.
	link   hubLink // what the hub said about the office (office.go)
	view   view    // the Fyne objects on screen (screens.go)
	text   texts   // the language shown
	screen Screen
	// shownAt is when the screen last changed; taps are ignored for
	// inputPause after it.
	shownAt time.Time
	// requestGen counts the hub calls started and the visits ended: a hub
	// answer or a print outcome of an older generation is dropped, because
	// the citizen it was for has gone.
	requestGen int
	timeout    idleTimer   // the way back to idle (flow.go)
	visit      visit       // the citizen at the kiosk (flow.go)
	wedge      wedgeIntake // keys from a keyboard-wedge scanner (scan.go)
	staff      staffExit   // the way out for staff (staff.go)
	access     access      // the visit's speech, wheelchair and contrast modes (access.go)
}

// New returns a kiosk talking to hub. Call it on the UI goroutine.
func New(hub HubClient, opts Options) *Kiosk {
	opts.setDefaults()
	k := &Kiosk{
		opts:   opts,
		hub:    hub,
		log:    opts.Logger,
		ctx:    context.Background(),
		link:   hubLink{loc: time.Local, recheck: make(chan struct{}, 1)},
		view:   view{theme: kioskTheme{scale: 1}},
		screen: ScreenLoading,
		visit:  newVisit(),
		wedge:  wedgeIntake{detector: opts.Wedge},
		staff:  staffExit{pin: keypad{max: maxPINDigits}},
	}
	k.text = k.mustTexts(assets.SourceLanguage)
	k.view.body = containerStack()
	bg := newSurface("", k.guarded(k.touch))
	corner := containerWith(cornerLayout{}, newSurface(sizeTouch, k.cornerTapped))
	k.view.root = containerWith(&sizeWatcher{onSize: k.resized}, bg, k.view.body, corner)
	fyne.CurrentApp().Settings().SetTheme(k.view.theme)
	k.render()
	return k
}

// Content is the kiosk's whole screen.
func (k *Kiosk) Content() fyne.CanvasObject { return k.view.root }

// Screen returns the screen shown. Call it on the UI goroutine.
func (k *Kiosk) Screen() Screen { return k.screen }

// Language returns the language shown. Call it on the UI goroutine.
func (k *Kiosk) Language() string { return k.text.lang }

// Start fetches the office from the hub, retrying until it answers, keeps
// its settings fresh and runs the clock, until ctx ends. Call it once, on
// the UI goroutine.
func (k *Kiosk) Start(ctx context.Context) {
	k.ctx = ctx
	go k.officeLoop(ctx)
	go k.clockLoop(ctx)
}

func (k *Kiosk) mustTexts(lang string) texts {
	t, err := loadTexts(lang)
	if err != nil {
		k.log.Error("translations missing", "lang", lang, "err", err)
		if lang != assets.SourceLanguage {
			return k.mustTexts(assets.SourceLanguage)
		}
		return texts{lang: lang, msgs: map[string]string{}}
	}
	return t
}

// resized re-scales the theme when the window size changes.
func (k *Kiosk) resized(size fyne.Size) {
	s := scaleFor(size)
	portrait := size.Height > size.Width
	if s == k.view.theme.scale && portrait == k.view.portrait {
		return
	}
	k.view.theme.scale, k.view.portrait = s, portrait
	k.view.theme.large = k.access.contrast && portrait
	// Setting the theme relayouts everything; do it after this layout pass.
	go k.opts.Do(func() { fyne.CurrentApp().Settings().SetTheme(k.view.theme) })
}

// formatTime shows a time of day in the office's zone.
func (k *Kiosk) formatTime(t time.Time) string {
	return t.In(k.link.loc).Format("15:04")
}
