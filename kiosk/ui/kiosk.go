// Package ui is the kiosk's user interface: the lobby terminal where
// citizens check in by QR code or birth date, or draw a number without an
// appointment. It talks to the hub through the Hub interface (api.Client
// implements it) and is driven headless in tests with fyne.io/fyne/v2/test.
//
// Threading: Fyne's widgets belong to the UI goroutine. Everything that
// arrives from elsewhere (scans, hub answers, timers, the printer) is handed
// over with Options.Do, which is fyne.Do in the real app.
//
// Known limits of Fyne 2.7, checked on screen: Arabic is not offered
// because Fyne lays out right-to-left text wrongly and has no embedded
// Arabic font (see DefaultLanguages); the mouse pointer is hidden over every
// kiosk widget (desktop.HiddenCursor, which covers the whole screen because
// a transparent surface lies under everything) but Fyne has no call to hide
// it globally, so a pointer moved onto a window edge by a stray mouse may
// show; `unclutter -idle 0` closes that gap on kiosk PCs with a mouse.
package ui

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"

	"lotse/assets"
	"lotse/hardware/scanner"
	"lotse/hub/api"
)

// Hub is what the kiosk needs of the hub; *api.Client implements it.
type Hub interface {
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

// staffTaps is how many taps into the hidden corner open the PIN pad, and
// staffTapWindow the time they must fall into.
const (
	staffTaps      = 5
	staffTapWindow = 4 * time.Second
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
	hub  Hub
	log  *slog.Logger
	ctx  context.Context
	wake chan struct{} // asks the office loop to try the hub now

	// Everything below belongs to the UI goroutine.
	canvas     fyne.Canvas
	root       *fyne.Container
	body       *fyne.Container
	theme      kioskTheme
	office     *api.Office
	loc        *time.Location
	hubDown    bool
	text       texts
	screen     Screen
	call       int // generation of the running hub call; stale answers are dropped
	timer      *time.Timer
	timerGen   int
	wedge      scanner.WedgeDetector
	wedgeArmed bool
	clock      clockLabel
	corner     []time.Time
	picture    *canvas.Image

	birthDigits  string
	birthProblem birthDateProblem
	birthDate    string // the validated date while choosing among matches
	choices      []api.Choice
	ticket       api.Ticket
	printNote    string // text key of the printer's state on the ticket screen
	message      string
	pinDigits    string
	pinWrong     bool
}

// New returns a kiosk talking to hub. Call it on the UI goroutine.
func New(hub Hub, opts Options) *Kiosk {
	opts.setDefaults()
	k := &Kiosk{
		opts:   opts,
		hub:    hub,
		log:    opts.Logger,
		ctx:    context.Background(),
		wake:   make(chan struct{}, 1),
		wedge:  opts.Wedge,
		screen: ScreenLoading,
		theme:  kioskTheme{scale: 1},
		loc:    time.Local,
	}
	k.text = k.mustTexts(assets.SourceLanguage)
	k.body = containerStack()
	bg := newSurface("", k.touch)
	corner := containerWith(cornerLayout{}, newSurface(sizeTouch, k.cornerTapped))
	k.root = containerWith(&sizeWatcher{onSize: k.resized}, bg, k.body, corner)
	fyne.CurrentApp().Settings().SetTheme(k.theme)
	k.render()
	return k
}

// Content is the kiosk's whole screen.
func (k *Kiosk) Content() fyne.CanvasObject { return k.root }

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

// AttachKeyboard routes the window canvas's key events through the wedge
// detector, so a keyboard-wedge scanner works with no text field focused,
// and registers the staff key chord (Ctrl+Alt+Q).
func (k *Kiosk) AttachKeyboard(c fyne.Canvas) {
	k.canvas = c
	c.SetOnTypedRune(func(r rune) {
		k.key(scanner.KeyEvent{Rune: r, At: time.Now()})
	})
	c.SetOnTypedKey(func(ev *fyne.KeyEvent) {
		switch ev.Name {
		case fyne.KeyReturn, fyne.KeyEnter:
			k.key(scanner.KeyEvent{Enter: true, At: time.Now()})
		case fyne.KeyBackspace:
			k.typed([]rune{'\b'})
		case fyne.KeyEscape:
			k.typed([]rune{0x1b})
		}
	})
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyQ, Modifier: fyne.KeyModifierControl | fyne.KeyModifierAlt},
		func(fyne.Shortcut) { k.staffChord() })
}

// Scan hands over a code read by a scanner. It may be called from any
// goroutine.
func (k *Kiosk) Scan(code string) {
	k.opts.Do(func() { k.scanned(code) })
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
	if s == k.theme.scale {
		return
	}
	k.theme = kioskTheme{scale: s}
	// Setting the theme relayouts everything; do it after this layout pass.
	go k.opts.Do(func() { fyne.CurrentApp().Settings().SetTheme(k.theme) })
}

// officeLoop fetches the office until the hub answers, then refreshes it
// periodically; a failure marks the hub as lost until the next success.
func (k *Kiosk) officeLoop(ctx context.Context) {
	for {
		office, err := k.fetchOffice(ctx)
		if ctx.Err() != nil {
			return
		}
		k.opts.Do(func() { k.officeFetched(office, err) })
		wait := k.opts.RefreshInterval
		if err != nil {
			wait = k.opts.RetryInterval
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-k.wake:
			t.Stop()
		case <-t.C:
		}
	}
}

var errNoSuchOffice = errors.New("office not listed by the hub")

func (k *Kiosk) fetchOffice(ctx context.Context) (api.Office, error) {
	ctx, cancel := context.WithTimeout(ctx, k.opts.HubTimeout)
	defer cancel()
	offices, err := k.hub.Offices(ctx)
	if err != nil {
		return api.Office{}, err
	}
	for _, o := range offices {
		if k.opts.Office == "" || o.ID == k.opts.Office {
			return o, nil
		}
	}
	return api.Office{}, errNoSuchOffice
}

// officeFetched applies the answer of the office loop.
func (k *Kiosk) officeFetched(office api.Office, err error) {
	wasDown := k.hubDown || k.office == nil
	if err != nil {
		if !k.hubDown {
			switch {
			case api.ErrorCode(err) == api.CodeUnauthorized:
				k.log.Error("hub refused the device token (-token); kiosk out of order", "err", err)
			case errors.Is(err, errNoSuchOffice):
				k.log.Error("the hub does not list this office (-office); kiosk out of order", "office", k.opts.Office)
			default:
				k.log.Warn("hub unreachable; kiosk out of order until it answers", "office", k.opts.Office, "err", err)
			}
		}
		k.hubDown = true
		if k.screen == ScreenIdle || k.screen == ScreenLoading {
			k.show(ScreenOutOfOrder)
		}
		return
	}
	k.hubDown = false
	changed := k.office == nil || !sameOffice(*k.office, office)
	k.office = &office
	if loc, lerr := time.LoadLocation(office.Timezone); office.Timezone != "" && lerr == nil {
		k.loc = loc
	}
	if wasDown {
		k.log.Info("hub reachable", "office", office.ID)
	}
	if k.screen == ScreenOutOfOrder || k.screen == ScreenLoading || (k.screen == ScreenIdle && changed) {
		k.show(ScreenIdle)
	}
}

func sameOffice(a, b api.Office) bool {
	if a.ID != b.ID || a.Name != b.Name || a.WalkIns != b.WalkIns || a.BirthDateCheckIn != b.BirthDateCheckIn ||
		len(a.Services) != len(b.Services) {
		return false
	}
	for i := range a.Services {
		sa, sb := a.Services[i], b.Services[i]
		if sa.ID != sb.ID || sa.Name != sb.Name || sa.Prefix != sb.Prefix || sa.Minutes != sb.Minutes || !maps.Equal(sa.Names, sb.Names) {
			return false
		}
	}
	return true
}

// hubLost marks the hub as unreachable after a failed call and asks the
// office loop to check it now.
func (k *Kiosk) hubLost() {
	k.hubDown = true
	select {
	case k.wake <- struct{}{}:
	default:
	}
}

// clockLoop updates the idle screen's clock every few seconds.
func (k *Kiosk) clockLoop(ctx context.Context) {
	t := time.NewTicker(k.opts.ClockInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			// The closure reads k.clock on the UI goroutine: a method
			// value would copy it here, racing with the idle screen
			// rebuilding it.
			k.opts.Do(func() { k.clock.update() })
		}
	}
}

// touch records activity: it restarts the inactivity timer.
func (k *Kiosk) touch() {
	switch k.screen {
	case ScreenTicket, ScreenMessage:
		// A tap on a ticket or a message means "done".
		k.goIdle()
	case ScreenIdle, ScreenOutOfOrder, ScreenLoading:
		if k.text.lang != assets.SourceLanguage {
			k.armTimer(k.opts.IdleTimeout)
		}
	default:
		k.armTimer(k.opts.IdleTimeout)
	}
}

// armTimer returns to idle after d unless something else happens first.
func (k *Kiosk) armTimer(d time.Duration) {
	k.timerGen++
	gen := k.timerGen
	if k.timer != nil {
		k.timer.Stop()
	}
	k.timer = time.AfterFunc(d, func() {
		k.opts.Do(func() {
			if gen == k.timerGen {
				k.goIdle()
			}
		})
	})
}

func (k *Kiosk) stopTimer() {
	k.timerGen++
	if k.timer != nil {
		k.timer.Stop()
		k.timer = nil
	}
}

// goIdle returns to the idle screen and forgets everything about the
// citizen who left, including the language they chose.
func (k *Kiosk) goIdle() {
	k.stopTimer()
	k.call++ // an answer still on its way is for nobody now
	k.birthDigits, k.birthProblem, k.birthDate = "", birthOK, ""
	k.choices = nil
	k.ticket = api.Ticket{}
	k.message, k.printNote = "", ""
	k.pinDigits, k.pinWrong = "", false
	if k.text.lang != assets.SourceLanguage {
		k.text = k.mustTexts(assets.SourceLanguage)
	}
	switch {
	case k.office == nil && !k.hubDown:
		k.show(ScreenLoading)
	case k.office == nil || k.hubDown:
		k.show(ScreenOutOfOrder)
	default:
		k.show(ScreenIdle)
	}
}

// show switches to screen s and arms the timer that fits it.
func (k *Kiosk) show(s Screen) {
	changed := s != k.screen
	if changed {
		k.log.Info("screen", "name", string(s))
	}
	k.screen = s
	switch s {
	case ScreenIdle, ScreenOutOfOrder, ScreenLoading:
		if k.text.lang == assets.SourceLanguage {
			k.stopTimer()
		}
	case ScreenTicket, ScreenMessage:
		k.armTimer(k.opts.ResultTimeout)
	default:
		k.armTimer(k.opts.IdleTimeout)
	}
	k.render()
	if changed && s == ScreenIdle {
		k.opts.OnIdle()
	}
}

// setLanguage switches the texts; the choice lasts until the next return to
// idle.
func (k *Kiosk) setLanguage(lang string) {
	k.text = k.mustTexts(lang)
	if lang != assets.SourceLanguage {
		k.armTimer(k.opts.IdleTimeout)
	} else if k.screen == ScreenIdle {
		k.stopTimer()
	}
	k.render()
}

// acceptsScans reports whether a scan may start a check-in now.
func (k *Kiosk) acceptsScans() bool {
	switch k.screen {
	case ScreenTicket, ScreenBusy, ScreenStaff:
		return false
	}
	return true
}

func (k *Kiosk) scanned(code string) {
	if !k.acceptsScans() {
		k.log.Info("scan ignored", "screen", string(k.screen), "length", len(code))
		return
	}
	k.log.Info("scan", "length", len(code))
	k.checkIn(api.CheckInRequest{Code: code})
}

// officeID is the office the kiosk serves: the configured one, or the one
// the hub listed first.
func (k *Kiosk) officeID() string {
	if k.office != nil {
		return k.office.ID
	}
	return k.opts.Office
}

// checkIn sends a check-in to the hub in the background.
func (k *Kiosk) checkIn(req api.CheckInRequest) {
	office := k.officeID()
	byBirthDate := req.BirthDate != ""
	k.request(func(ctx context.Context) (api.Ticket, error) {
		return k.hub.CheckIn(ctx, office, req)
	}, func(err error) {
		k.checkInFailed(err, byBirthDate)
	})
}

// walkIn draws a ticket without appointment.
func (k *Kiosk) walkIn(service string) {
	office := k.officeID()
	k.request(func(ctx context.Context) (api.Ticket, error) {
		return k.hub.WalkIn(ctx, office, api.WalkInRequest{Service: service})
	}, k.walkInFailed)
}

// request runs a hub call with a deadline in the background; the busy
// screen shows meanwhile. An answer that arrives after the citizen left is
// dropped.
func (k *Kiosk) request(call func(ctx context.Context) (api.Ticket, error), failed func(error)) {
	k.call++
	gen := k.call
	k.show(ScreenBusy)
	ctx := k.ctx
	go func() {
		ctx, cancel := context.WithTimeout(ctx, k.opts.HubTimeout)
		t, err := call(ctx)
		cancel()
		k.opts.Do(func() {
			if gen != k.call {
				return
			}
			if err != nil {
				failed(err)
				return
			}
			k.showTicket(t)
		})
	}()
}

func (k *Kiosk) checkInFailed(err error, byBirthDate bool) {
	code := api.ErrorCode(err)
	k.log.Info("check-in refused", "code", code)
	var e *api.Error
	errors.As(err, &e)
	switch code {
	case api.CodeConflict:
		if e != nil && len(e.Choices) > 0 {
			k.choices = e.Choices
			k.show(ScreenChoice)
			return
		}
		k.showMessage(k.text.get("err_not_found"))
	case api.CodeInvalid:
		if byBirthDate {
			k.showMessage(k.text.get("birth_invalid"))
		} else {
			k.showMessage(k.text.get("err_invalid_code"))
		}
	case api.CodeNotFound:
		if byBirthDate {
			k.showMessage(k.text.get("err_not_found_birth"))
		} else {
			k.showMessage(k.text.get("err_not_found"))
		}
	case api.CodeTooEarly:
		if e != nil && e.ComeBackAt != nil {
			k.showMessage(k.text.get("err_too_early", "time", e.ComeBackAt.In(k.loc).Format("15:04")))
		} else {
			k.showMessage(k.text.get("err_too_early_plain"))
		}
	case api.CodeTooLate:
		k.showMessage(k.text.get("err_too_late"))
	case api.CodeWrongOffice:
		name := ""
		if e != nil && e.Office != nil {
			name = e.Office.Name
		}
		if name == "" {
			k.showMessage(k.text.get("err_not_found"))
		} else {
			k.showMessage(k.text.get("err_wrong_office", "office", name))
		}
	case api.CodeRateLimited:
		k.showMessage(k.text.get("err_rate_limited"))
	default:
		k.failedUnavailable(err)
	}
}

func (k *Kiosk) walkInFailed(err error) {
	code := api.ErrorCode(err)
	k.log.Info("walk-in refused", "code", code)
	switch code {
	case api.CodeRateLimited:
		k.showMessage(k.text.get("err_rate_limited"))
	case api.CodeInvalid, api.CodeConflict, api.CodeNotFound, api.CodeTooLate, api.CodeTooEarly:
		k.showMessage(k.text.get("walkin_closed"))
	default:
		k.failedUnavailable(err)
	}
}

// failedUnavailable handles a hub that did not answer usefully.
func (k *Kiosk) failedUnavailable(err error) {
	var e *api.Error
	if !errors.As(err, &e) || e.Code == api.CodeUnavailable {
		k.hubLost()
	}
	if e != nil && e.Code == api.CodeUnauthorized {
		k.log.Error("hub refused the kiosk's device token; check -token", "err", err)
	} else {
		k.log.Warn("hub call failed", "err", err)
	}
	k.showMessage(k.text.get("err_unavailable"))
}

func (k *Kiosk) showMessage(msg string) {
	k.message = msg
	k.show(ScreenMessage)
}

// showTicket shows a new ticket and prints it in the background.
func (k *Kiosk) showTicket(t api.Ticket) {
	k.log.Info("ticket issued", "number", t.Number)
	k.ticket = t
	k.printNote = ""
	if k.opts.Printer != nil {
		k.printNote = "result_printing"
		k.print(t)
	}
	k.show(ScreenTicket)
}

// print prints t with a deadline; the outcome updates the ticket screen if
// it still shows t. The UI never waits for the printer.
func (k *Kiosk) print(t api.Ticket) {
	job := k.printJob(t)
	gen := k.call
	ctx := k.ctx
	go func() {
		ctx, cancel := context.WithTimeout(ctx, k.opts.PrintTimeout)
		err := k.opts.Printer.Print(ctx, job)
		cancel()
		note := "result_printed"
		switch {
		case errors.Is(err, ErrPaperOut):
			note = "printer_paper_out"
		case err != nil:
			note = "printer_failed"
		}
		if err != nil {
			k.log.Warn("ticket not printed", "number", job.Number, "err", err)
		}
		k.opts.Do(func() {
			if gen != k.call || k.screen != ScreenTicket {
				return
			}
			k.printNote = note
			k.render()
		})
	}()
}

// printJob is what goes on paper: German, because receipt printers' code
// pages cannot print every script, and with no personal data.
func (k *Kiosk) printJob(t api.Ticket) PrintJob {
	job := PrintJob{Number: t.Number, Issued: k.opts.Now().In(k.loc), WaitMinutes: t.WaitMinutes}
	if k.office != nil {
		job.Office = k.office.Name
	}
	job.Services = k.serviceLines(t.Services, assets.SourceLanguage)
	if t.AppointmentStart != nil {
		s := t.AppointmentStart.In(k.loc)
		job.Appointment = &s
	}
	return job
}

// serviceLines names the services in language lang, "2 × Anmeldung" for
// two persons.
func (k *Kiosk) serviceLines(services []api.ServiceCount, lang string) []string {
	var out []string
	for _, s := range services {
		name := k.serviceName(s.Service, lang)
		if name == "" {
			name = s.Name
		}
		if name == "" {
			name = s.Service
		}
		if s.Count > 1 {
			name = strconv.Itoa(s.Count) + " × " + name
		}
		out = append(out, name)
	}
	return out
}

// serviceName is the office's name of service id in language lang, or ""
// for a service the office does not list.
func (k *Kiosk) serviceName(id, lang string) string {
	if k.office != nil {
		for _, s := range k.office.Services {
			if s.ID == id {
				return s.LocalName(lang)
			}
		}
	}
	return ""
}

// key feeds a key event into the wedge detector.
func (k *Kiosk) key(ev scanner.KeyEvent) {
	res := k.wedge.Key(ev)
	k.wedgeResult(res)
	if !ev.Enter && !k.wedgeArmed {
		// Release held keys once the burst has gone quiet.
		k.wedgeArmed = true
		k.tickWedge()
	}
}

func (k *Kiosk) tickWedge() {
	gap := k.wedge.MaxGap
	if gap <= 0 {
		gap = scanner.DefaultWedgeMaxGap
	}
	time.AfterFunc(gap+10*time.Millisecond, func() {
		k.opts.Do(func() {
			res := k.wedge.Tick(time.Now())
			k.wedgeResult(res)
			if res.Code == "" && len(res.Typed) == 0 && res.Dropped == "" {
				k.tickWedge() // a burst is still running
				return
			}
			k.wedgeArmed = false
		})
	})
}

func (k *Kiosk) wedgeResult(res scanner.WedgeResult) {
	if res.Dropped != "" {
		k.log.Warn("keyboard scan dropped", "reason", res.Dropped, "length", res.Length)
	}
	if len(res.Typed) > 0 {
		k.typed(res.Typed)
	}
	if res.Code != "" {
		k.scanned(res.Code)
	}
}

// typed handles keys a person typed: digits on the keypads, Enter to
// continue, Backspace to correct, Escape to go back.
func (k *Kiosk) typed(keys []rune) {
	for _, r := range keys {
		switch k.screen {
		case ScreenBirthDate:
			switch {
			case r >= '0' && r <= '9':
				k.birthDigit(r)
			case r == '\b':
				k.birthBackspace()
			case r == '\n':
				k.birthContinue()
			case r == 0x1b:
				k.goIdle()
			}
		case ScreenStaff:
			switch {
			case r >= '0' && r <= '9':
				k.pinDigit(r)
			case r == '\b':
				k.pinBackspace()
			case r == '\n':
				k.pinSubmit()
			case r == 0x1b:
				k.goIdle()
			}
		case ScreenTicket, ScreenMessage:
			if r == '\n' || r == 0x1b {
				k.goIdle()
			}
		case ScreenChoice, ScreenWalkIn:
			if r == 0x1b {
				k.goIdle()
			}
		}
	}
}

// Birth-date keypad.

func (k *Kiosk) birthDigit(r rune) {
	k.touch()
	if len(k.birthDigits) >= birthDateDigits {
		return
	}
	k.birthDigits += string(r)
	k.birthProblem = birthOK
	k.render()
}

func (k *Kiosk) birthBackspace() {
	k.touch()
	if k.birthDigits != "" {
		k.birthDigits = k.birthDigits[:len(k.birthDigits)-1]
	}
	k.birthProblem = birthOK
	k.render()
}

func (k *Kiosk) birthClear() {
	k.touch()
	k.birthDigits = ""
	k.birthProblem = birthOK
	k.render()
}

func (k *Kiosk) birthContinue() {
	k.touch()
	date, problem := parseBirthDate(k.birthDigits, k.opts.Now().In(k.loc))
	if problem != birthOK {
		k.birthProblem = problem
		k.render()
		return
	}
	k.birthDate = date
	k.checkIn(api.CheckInRequest{BirthDate: date})
}

func (k *Kiosk) chooseAppointment(c api.Choice) {
	k.checkIn(api.CheckInRequest{BirthDate: k.birthDate, Appointment: c.Appointment})
}

// Staff exit.

func (k *Kiosk) cornerTapped() {
	if k.opts.StaffPIN == "" {
		k.touch()
		return
	}
	now := time.Now()
	kept := k.corner[:0]
	for _, t := range k.corner {
		if now.Sub(t) < staffTapWindow {
			kept = append(kept, t)
		}
	}
	k.corner = append(kept, now)
	if len(k.corner) >= staffTaps {
		k.corner = nil
		k.openStaff()
		return
	}
	k.touch()
}

func (k *Kiosk) staffChord() {
	if k.opts.StaffPIN == "" {
		k.log.Info("staff exit by key chord")
		k.opts.OnExit()
		return
	}
	k.openStaff()
}

func (k *Kiosk) openStaff() {
	k.call++
	k.pinDigits, k.pinWrong = "", false
	k.show(ScreenStaff)
}

func (k *Kiosk) pinDigit(r rune) {
	k.touch()
	if len(k.pinDigits) >= 12 {
		return
	}
	k.pinDigits += string(r)
	k.pinWrong = false
	k.render()
}

func (k *Kiosk) pinBackspace() {
	k.touch()
	if k.pinDigits != "" {
		k.pinDigits = k.pinDigits[:len(k.pinDigits)-1]
	}
	k.render()
}

func (k *Kiosk) pinSubmit() {
	k.touch()
	if k.pinDigits == k.opts.StaffPIN {
		k.log.Info("staff exit")
		k.pinDigits = ""
		k.opts.OnExit()
		return
	}
	k.log.Warn("wrong staff PIN")
	k.pinDigits, k.pinWrong = "", true
	k.render()
}

// formatTime shows a time of day in the office's zone.
func (k *Kiosk) formatTime(t time.Time) string {
	return t.In(k.loc).Format("15:04")
}

// maskedPIN shows one dot per typed digit.
func maskedPIN(n int) string {
	if n == 0 {
		return " "
	}
	return strings.Repeat("● ", n)
}
