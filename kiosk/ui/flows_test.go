package ui

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"lotse/hardware/scanner"
	"lotse/hub/api"
	"lotse/kiosk/internal/fakehub"
)

var (
	landscape = fyne.NewSize(1280, 1024)
	wide      = fyne.NewSize(1920, 1080)
	portrait  = fyne.NewSize(1080, 1920)
)

// scanWedge is a wedge detector with limits loose enough that keys typed
// by a test on a busy machine still count as one fast burst.
func scanWedge() scanner.WedgeDetector {
	return scanner.WedgeDetector{MaxGap: 2 * time.Second, MaxMeanGap: time.Second}
}

func TestScanGivesTicket(t *testing.T) {
	h := newHarness(t, landscape)
	h.wantText("Bürgerbüro Mitte", "10:05 Uhr", "Bitte halten Sie den QR-Code", "Mit Geburtsdatum anmelden", "Ohne Termin")
	h.scan(fakehub.CodeGood)
	h.waitScreen(ScreenTicket)
	h.wantText("A001", "Ihre Nummer", "Anmeldung einer Wohnung", "Ihr Termin: 10:30 Uhr",
		"Bitte warten Sie, bis Ihre Nummer auf dem Bildschirm erscheint.", "Geschätzte Wartezeit: etwa 12 Minuten")

	// A second scan while the ticket is shown is ignored.
	h.scan(fakehub.CodeMultiPerson)
	time.Sleep(50 * time.Millisecond)
	if h.screen() != ScreenTicket || !h.hasText("A001") {
		t.Errorf("a scan replaced the ticket on screen")
	}
	h.tap("Fertig")
	h.waitScreen(ScreenIdle)
}

func TestScanSeveralPersons(t *testing.T) {
	h := newHarness(t, landscape)
	h.scan(fakehub.CodeMultiPerson)
	h.waitScreen(ScreenTicket)
	h.wantText("A002", "2 × Anmeldung einer Wohnung", "Reisepass", "etwa 35 Minuten")
}

func TestBirthDate(t *testing.T) {
	tests := []struct {
		name     string
		digits   string
		choose   string // tile text on the choice screen; "" if none
		number   string
		estimate string
	}{
		{name: "one appointment", digits: "15031950", number: "A003", estimate: "Sie sind gleich an der Reihe."},
		{name: "nobody at a counter", digits: "06061960", number: "A006", estimate: "Zurzeit ist kein Schalter für Ihr Anliegen besetzt."},
		{name: "choose the later", digits: "01071980", choose: "11:00 Uhr · Anmeldung einer Wohnung", number: "A005", estimate: "etwa 20 Minuten"},
		{name: "choose the earlier", digits: "01071980", choose: "09:45 Uhr · Reisepass", number: "P004", estimate: "etwa 1 Minute"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, landscape)
			h.tap("Mit Geburtsdatum anmelden")
			h.waitScreen(ScreenBirthDate)
			h.wantText("Bitte geben Sie Ihr Geburtsdatum ein", "TT.MM.JJJJ")
			h.typeDigits(tt.digits)
			h.tap("Weiter")
			if tt.choose != "" {
				h.waitScreen(ScreenChoice)
				h.wantText("mehrere Termine")
				for _, s := range h.texts() {
					if strings.Contains(s, "Erika") || strings.Contains(s, "Mustermann") {
						t.Errorf("a name is on the kiosk: %q", s)
					}
				}
				h.tap(tt.choose)
			}
			h.waitScreen(ScreenTicket)
			h.wantText(tt.number, tt.estimate)
		})
	}
}

func TestBirthDateKeypad(t *testing.T) {
	h := newHarness(t, landscape)
	h.tap("Mit Geburtsdatum anmelden")
	h.waitScreen(ScreenBirthDate)
	h.typeDigits("1503")
	h.wantBirthShown("15.03.JJJJ")
	h.tap("⌫ Zeichen löschen")
	h.wantBirthShown("15.0M.JJJJ")
	h.tap("Alles löschen")
	h.wantBirthShown("TT.MM.JJJJ")

	for _, tc := range []struct{ digits, message string }{
		{"31022000", "Dieses Datum gibt es nicht."},
		{"01012099", "Dieses Datum liegt in der Zukunft."},
		{"01011850", "Bitte prüfen Sie das Geburtsjahr."},
	} {
		h.tap("Alles löschen")
		h.typeDigits(tc.digits)
		h.tap("Weiter")
		if h.screen() != ScreenBirthDate {
			t.Fatalf("%s: left the keypad for %q", tc.digits, h.screen())
		}
		h.wantText(tc.message)
	}
	if got := len(h.hub.Requests()); got != 1 { // only GET offices
		t.Errorf("invalid dates reached the hub: %q", h.hub.Requests())
	}
	h.tap("Zurück")
	h.waitScreen(ScreenIdle)
}

func TestWalkIn(t *testing.T) {
	h := newHarness(t, landscape)
	h.tap("Ohne Termin")
	h.waitScreen(ScreenWalkIn)
	h.wantText("Bitte wählen Sie Ihr Anliegen", "Führungszeugnis")
	h.tap("Führungszeugnis")
	h.waitScreen(ScreenTicket)
	h.wantText("F101", "Führungszeugnis", "etwa 25 Minuten")
	if h.hasText("Ihr Termin") {
		t.Errorf("a walk-in ticket shows an appointment time")
	}
}

// TestServiceNamesInCitizensLanguage: the walk-in tiles and the ticket
// name the services in the language chosen, where the office gave a name
// in it, and in German otherwise; the printed ticket stays German.
func TestServiceNamesInCitizensLanguage(t *testing.T) {
	p := &fakePrinter{}
	h := newHarness(t, landscape, func(o *Options) { o.Printer = p })
	h.tap("English")
	h.tap("Without appointment")
	h.waitScreen(ScreenWalkIn)
	h.wantText("Registering an address", "Passport", "Führungszeugnis")
	if h.hasText("Anmeldung einer Wohnung") {
		t.Error("the walk-in screen names a service in German that has an English name")
	}
	h.tap("Registering an address")
	h.waitScreen(ScreenTicket)
	h.wantText("Registering an address")
	waitFor(t, func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return len(p.jobs) == 1
	}, "the ticket to be printed")
	p.mu.Lock()
	defer p.mu.Unlock()
	if got := p.jobs[0].Services; len(got) != 1 || got[0] != "Anmeldung einer Wohnung" {
		t.Errorf("printed services %q, want the German name", got)
	}
}

func TestOfficeSettingsHideButtons(t *testing.T) {
	no := false
	tests := []struct {
		name         string
		office       func(*api.Office)
		opts         harnessOption
		birth, walks bool
	}{
		{name: "both", office: func(*api.Office) {}, birth: true, walks: true},
		{name: "no birth dates (ZMS)", office: func(o *api.Office) { o.BirthDateCheckIn = false }, walks: true},
		{name: "no walk-ins", office: func(o *api.Office) { o.WalkIns = false }, birth: true},
		{name: "walk-ins off on this kiosk", office: func(*api.Office) {}, opts: func(o *Options) { o.WalkIns = &no }, birth: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []harnessOption
			if tt.opts != nil {
				opts = append(opts, tt.opts)
			}
			opts = append(opts, func(*Options) {})
			office := fakehub.DefaultOffice()
			tt.office(&office)
			h := newHarnessWithOffice(t, landscape, office, opts...)
			if got := h.hasText("Mit Geburtsdatum anmelden"); got != tt.birth {
				t.Errorf("birth-date button shown = %v, want %v", got, tt.birth)
			}
			if got := h.hasText("Ohne Termin"); got != tt.walks {
				t.Errorf("walk-in button shown = %v, want %v", got, tt.walks)
			}
		})
	}
}

func TestFailuresInPlainLanguage(t *testing.T) {
	tests := []struct {
		name string
		code string
		want string
	}{
		{"not a check-in code", "HELLO-WORLD-1234", "Dieser Code wurde nicht erkannt."},
		{"appointment not found", fakehub.CodeUnknown, "Wir haben Ihren Termin nicht gefunden."},
		{"too early", fakehub.CodeTooEarly, "Der Check-in für Ihren Termin öffnet um 11:15 Uhr. Sie können gern hier warten."},
		{"too late", fakehub.CodeTooLate, "Ihr Termin ist leider abgelaufen."},
		{"wrong office", fakehub.CodeWrongOffice, "anderen Standort: Bürgerbüro Nord."},
		{"rate limited", fakehub.CodeRateLimited, "Zu viele Versuche. Bitte warten Sie 30 Sekunden"},
		{"already served", fakehub.CodeAlreadyServed, "Ihr Anliegen wurde heute bereits bearbeitet."},
		{"missed, see the desk", fakehub.CodeSeeDesk, "Ihre Nummer wurde bereits aufgerufen. Bitte wenden Sie sich an die Information."},
		{"hub error", fakehub.CodeHubError, "Bitte wenden Sie sich an die Information."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &fakePrinter{}
			h := newHarness(t, landscape, func(o *Options) { o.Printer = p })
			h.scan(tt.code)
			h.waitScreen(ScreenMessage)
			h.wantText(tt.want)
			for _, s := range h.texts() {
				// Never a number that will not be called.
				if strings.Contains(s, "Ihre Nummer") && !strings.Contains(s, "bereits aufgerufen") {
					t.Errorf("a number is promised: %q", s)
				}
			}
			h.tap("OK")
			h.waitScreen(ScreenIdle)
			p.mu.Lock()
			defer p.mu.Unlock()
			if len(p.jobs) != 0 {
				t.Errorf("printed %+v for a refused check-in", p.jobs)
			}
		})
	}
}

func TestBirthDateNotFound(t *testing.T) {
	h := newHarness(t, landscape)
	h.tap("Mit Geburtsdatum anmelden")
	h.typeDigits("02021962")
	h.tap("Weiter")
	h.waitScreen(ScreenMessage)
	h.wantText("Zu diesem Geburtsdatum gibt es heute keinen Termin.")
}

func TestHubLostAndBack(t *testing.T) {
	h := newHarness(t, landscape)
	h.hub.SetDown(true)
	h.scan(fakehub.CodeGood)
	h.waitScreen(ScreenMessage)
	h.wantText("Bitte wenden Sie sich an die Information.")
	h.tap("OK")
	h.waitScreen(ScreenOutOfOrder)
	h.wantText("Zurzeit außer Betrieb", "Bitte wenden Sie sich an die Information.")

	h.hub.SetDown(false)
	h.waitScreen(ScreenIdle)
	h.scan(fakehub.CodeGood)
	h.waitScreen(ScreenTicket)
}

func TestHubUnreachableAtStart(t *testing.T) {
	h := newHarnessDown(t, landscape)
	h.waitScreen(ScreenOutOfOrder)
	h.wantText("Zurzeit außer Betrieb")
	h.hub.SetDown(false)
	h.waitScreen(ScreenIdle)
	h.wantText("Bürgerbüro Mitte")
}

// slowHub answers after the kiosk's deadline.
type slowHub struct{ HubClient }

func (s slowHub) CheckIn(ctx context.Context, _ string, _ api.CheckInRequest) (api.Ticket, error) {
	<-ctx.Done()
	return api.Ticket{}, ctx.Err()
}

func TestHubTimeout(t *testing.T) {
	h := newHarness(t, landscape, func(o *Options) { o.HubTimeout = 100 * time.Millisecond })
	h.do(func() { h.kiosk.hub = slowHub{h.kiosk.hub} })
	h.scan(fakehub.CodeGood)
	h.waitScreen(ScreenMessage)
	h.wantText("Bitte wenden Sie sich an die Information.")
}

// fakePrinter records jobs and fails as told.
type fakePrinter struct {
	mu   sync.Mutex
	jobs []PrintJob
	err  error
}

func (p *fakePrinter) Print(_ context.Context, job PrintJob) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.jobs = append(p.jobs, job)
	return p.err
}

func TestPrinter(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"printed", nil, "Bitte nehmen Sie Ihr Ticket."},
		{"out of paper", fmtErr(ErrPaperOut), "Der Drucker hat kein Papier. Bitte merken Sie sich Ihre Nummer."},
		{"broken", errors.New("usb gone"), "Das Ticket konnte nicht gedruckt werden."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &fakePrinter{err: tt.err}
			h := newHarness(t, landscape, func(o *Options) { o.Printer = p })
			h.scan(fakehub.CodeGood)
			h.waitScreen(ScreenTicket)
			waitFor(t, func() bool { return h.hasText(tt.want) }, "printer note %q", tt.want)
			h.wantText("A001")
			p.mu.Lock()
			defer p.mu.Unlock()
			if len(p.jobs) != 1 || p.jobs[0].Number != "A001" || p.jobs[0].Office != "Bürgerbüro Mitte" {
				t.Errorf("print jobs %+v", p.jobs)
			}
		})
	}
}

func fmtErr(err error) error { return errors.Join(errors.New("escpos: status"), err) }

func TestLanguageSwitchAndFallback(t *testing.T) {
	h := newHarness(t, landscape)
	h.tap("Türkçe")
	h.wantText("Lütfen randevu onayınızdaki QR kodunu tarayıcının altına tutun", "Doğum tarihi ile giriş", "Randevusuz")
	h.scan(fakehub.CodeGood)
	h.waitScreen(ScreenTicket)
	h.wantText("Sıra numaranız", "Lütfen numaranız ekranda görünene kadar bekleyin.", "yaklaşık 12 dakika")
	h.tap("Tamam")
	h.waitScreen(ScreenIdle)
	h.wantText("Bitte halten Sie den QR-Code")
	if lang := h.lang(); lang != "de" {
		t.Errorf("language after return to idle = %q, want de", lang)
	}

	h.tap("Українська")
	h.wantText("Будь ласка, піднесіть QR-код із підтвердження запису під сканер", "Без запису")
}

func TestLanguageFallsBackOnIdleScreen(t *testing.T) {
	h := newHarness(t, landscape, func(o *Options) { o.IdleTimeout = 300 * time.Millisecond })
	h.tap("English")
	waitFor(t, func() bool { return h.lang() == "de" }, "fallback to German")
	h.wantText("Bitte halten Sie den QR-Code")
}

func TestTimeouts(t *testing.T) {
	t.Run("inactivity", func(t *testing.T) {
		h := newHarness(t, landscape, func(o *Options) { o.IdleTimeout = 200 * time.Millisecond })
		h.tap("Mit Geburtsdatum anmelden")
		h.waitSeen(ScreenBirthDate)
		h.waitScreen(ScreenIdle)
	})
	t.Run("result", func(t *testing.T) {
		h := newHarness(t, landscape, func(o *Options) { o.ResultTimeout = 200 * time.Millisecond })
		h.scan(fakehub.CodeGood)
		h.waitSeen(ScreenTicket)
		h.waitScreen(ScreenIdle)
	})
}

// TestClockTicksWhileScreensChange runs the clock's ticks against screens
// being rebuilt; under the race detector it catches the clock goroutine
// touching UI state outside the UI goroutine.
func TestClockTicksWhileScreensChange(t *testing.T) {
	h := newHarness(t, landscape, func(o *Options) { o.ClockInterval = time.Millisecond })
	for range 50 {
		h.do(func() {
			h.kiosk.show(ScreenBirthDate)
			h.kiosk.goIdle()
		})
	}
	h.wantText("10:05")
}

func TestWedgeScan(t *testing.T) {
	// What keyboard-wedge scanners type for the same code, depending on
	// their settings; each must check in.
	tests := []struct {
		name, typed string
		enter       bool
	}{
		{"plain", fakehub.CodeGood, true},
		{"AIM identifier", "]Q1" + fakehub.CodeGood, true},
		{"AIM identifier with ECI marker", `]Q2\000026` + fakehub.CodeGood, true},
		{"TAB or no suffix", "]Q1" + fakehub.CodeGood, false},
		{"US scanner on a German PC", "+Q1LOTSEÖapptß1Ös3cr3t", true},
		{"Caps Lock on", "]q1lotse:APPT-1:S3CR3T", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, landscape)
			c := h.window.Canvas()
			h.do(func() {
				for _, r := range tt.typed {
					c.OnTypedRune()(r)
				}
				if tt.enter {
					c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyReturn})
				}
			})
			h.waitScreen(ScreenTicket)
			h.wantText("A001")
		})
	}
}

func TestWedgeTypingOnKeypad(t *testing.T) {
	// A person typing on a keyboard (slowly) fills the birth-date keypad.
	h := newHarness(t, landscape, func(o *Options) {
		o.Wedge = scanner.WedgeDetector{MaxGap: 20 * time.Millisecond, MaxMeanGap: 10 * time.Millisecond}
	})
	h.tap("Mit Geburtsdatum anmelden")
	c := h.window.Canvas()
	for _, r := range "1503" {
		h.do(func() { c.OnTypedRune()(r) })
		time.Sleep(40 * time.Millisecond)
	}
	waitFor(t, func() bool {
		typed, hint, _, _ := h.birthDisplay()
		return typed+hint == "15.03.JJJJ"
	}, "typed digits on the keypad")
}

func TestStaffExit(t *testing.T) {
	exited := make(chan struct{}, 1)
	h := newHarness(t, landscape, func(o *Options) {
		o.StaffPIN = "2468"
		o.OnExit = func() { exited <- struct{}{} }
	})
	for range staffTaps {
		h.do(func() { h.kiosk.cornerTapped() })
	}
	h.waitScreen(ScreenStaff)
	h.typeDigits("1111")
	h.tap("Beenden")
	h.wantText("Falsche PIN")
	h.typeDigits("2468")
	h.tap("Beenden")
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		t.Fatal("correct PIN did not exit")
	}
}

func TestParseBirthDate(t *testing.T) {
	today := time.Date(2025, 11, 21, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		digits  string
		want    string
		problem birthDateProblem
	}{
		{"15031950", "1950-03-15", birthOK},
		{"29022000", "2000-02-29", birthOK},
		{"21112025", "2025-11-21", birthOK},
		{"29021900", "", birthNoSuchDate},
		{"31042000", "", birthNoSuchDate},
		{"00012000", "", birthNoSuchDate},
		{"01132000", "", birthNoSuchDate},
		{"22112025", "", birthInFuture},
		{"01011900", "1900-01-01", birthOK}, // 125 years: within the hub's limit
		{"20111895", "", birthTooOld},       // one day more than 130 years
		{"21111895", "1895-11-21", birthOK}, // exactly 130 years
		{"1503195", "", birthIncomplete},
	}
	for _, tt := range tests {
		got, problem := parseBirthDate(tt.digits, today)
		if got != tt.want || problem != tt.problem {
			t.Errorf("parseBirthDate(%q) = %q, %q; want %q, %q", tt.digits, got, problem, tt.want, tt.problem)
		}
	}
}

func waitFor(t *testing.T, cond func() bool, what string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for "+what, args...)
}
