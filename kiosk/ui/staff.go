package ui

// The staff exit: the hidden corner or the key chord, then the PIN.

import (
	"strings"
	"time"
)

// staffTaps is how many taps into the hidden corner open the PIN pad, and
// staffTapWindow the time they must fall into.
const (
	staffTaps      = 5
	staffTapWindow = 4 * time.Second
)

// staffExit is the way out for staff: taps into the hidden corner, then
// the PIN.
type staffExit struct {
	taps []time.Time // recent taps into the hidden corner
	pin  keypad      // the staff PIN being typed
}

func (k *Kiosk) cornerTapped() {
	if k.opts.StaffPIN == "" {
		k.touch()
		return
	}
	now := time.Now()
	kept := k.staff.taps[:0]
	for _, t := range k.staff.taps {
		if now.Sub(t) < staffTapWindow {
			kept = append(kept, t)
		}
	}
	k.staff.taps = append(kept, now)
	if len(k.staff.taps) >= staffTaps {
		k.staff.taps = nil
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
	k.requestGen++
	k.staff.pin.reset()
	k.show(ScreenStaff)
}

// pinBackspace corrects the last digit; "wrong PIN" stays until the next
// digit.
func (k *Kiosk) pinBackspace() {
	k.touch()
	k.staff.pin.backspace()
	k.render()
}

func (k *Kiosk) pinSubmit() {
	k.touch()
	if k.staff.pin.digits == k.opts.StaffPIN {
		k.log.Info("staff exit")
		k.staff.pin.digits = ""
		k.opts.OnExit()
		return
	}
	k.log.Warn("wrong staff PIN")
	k.staff.pin.digits, k.staff.pin.problem = "", "staff_wrong"
	k.render()
}

// maskedPIN shows one dot per typed digit.
func maskedPIN(n int) string {
	if n == 0 {
		return " "
	}
	return strings.Repeat("● ", n)
}
