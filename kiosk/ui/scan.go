package ui

// Scanner intake: codes from serial and camera scanners, and keys from a
// keyboard-wedge scanner or a keyboard, told apart by the wedge detector.

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"

	"lotse/hardware/scanner"
	"lotse/hub/api"
)

// wedgeIntake tells a keyboard-wedge scanner's bursts of keys from typing.
type wedgeIntake struct {
	detector scanner.WedgeDetector
	ticking  bool // a tick is due to release keys held back by the detector
}

// AttachKeyboard routes the window canvas's key events through the wedge
// detector, so a keyboard-wedge scanner works with no text field focused,
// and registers the staff key chord (Ctrl+Alt+Q).
func (k *Kiosk) AttachKeyboard(c fyne.Canvas) {
	k.view.canvas = c
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

// acceptsScans reports whether a scan may start a check-in now.
func (k *Kiosk) acceptsScans() bool {
	switch k.screen {
	case ScreenTicket, ScreenBusy, ScreenStaff:
		return false
	}
	return true
}

func (k *Kiosk) scanned(code string) {
	if k.opts.OnScan != nil {
		k.opts.OnScan()
	}
	if !k.acceptsScans() {
		k.log.Info("scan ignored", "screen", string(k.screen), "length", len(code))
		return
	}
	k.log.Info("scan", "length", len(code))
	k.checkIn(api.CheckInRequest{Code: code})
}

// key feeds a key event into the wedge detector.
func (k *Kiosk) key(ev scanner.KeyEvent) {
	res := k.wedge.detector.Key(ev)
	k.wedgeResult(res)
	if !ev.Enter && !k.wedge.ticking {
		// Release held keys once the burst has gone quiet.
		k.wedge.ticking = true
		k.tickWedge()
	}
}

func (k *Kiosk) tickWedge() {
	gap := k.wedge.detector.MaxGap
	if gap <= 0 {
		gap = scanner.DefaultWedgeMaxGap
	}
	time.AfterFunc(gap+10*time.Millisecond, func() {
		k.opts.Do(func() {
			res := k.wedge.detector.Tick(time.Now())
			k.wedgeResult(res)
			if res.Code == "" && len(res.Typed) == 0 && res.Dropped == "" {
				k.tickWedge() // a burst is still running
				return
			}
			k.wedge.ticking = false
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
		if k.keypadKey(r) {
			continue
		}
		switch k.screen {
		case ScreenBirthDate:
			k.padTyped(r, k.birthTyped, k.birthBackspace, k.birthContinue)
		case ScreenStaff:
			k.padTyped(r, func(r rune) { k.padDigit(&k.staff.pin, r) }, k.pinBackspace, k.pinSubmit)
		case ScreenTicket:
			if r == '\n' || r == 0x1b {
				k.goIdle()
			}
		case ScreenMessage:
			if r == '\n' || r == 0x1b {
				k.goBack()
			}
		case ScreenChoice, ScreenWalkIn:
			if r == 0x1b {
				k.goBack()
			}
		}
	}
}
