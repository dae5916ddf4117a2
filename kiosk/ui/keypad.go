package ui

// The keypad: one digit entry for both the birth date and the staff PIN.

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// maxPINDigits is the longest staff PIN the pad takes.
const maxPINDigits = 12

// keypad is what was typed on a keypad screen: the digits, at most max of
// them, and the problem found with them.
type keypad struct {
	digits  string
	max     int
	problem string // text key of the message under the digits; "" for none
}

// press adds digit r and clears the problem; it reports false, changing
// nothing, when the pad is full.
func (p *keypad) press(r rune) bool {
	if len(p.digits) >= p.max {
		return false
	}
	p.digits += string(r)
	p.problem = ""
	return true
}

// backspace removes the last digit. The problem stays: the caller decides
// whether a correction answers it.
func (p *keypad) backspace() {
	if p.digits != "" {
		p.digits = p.digits[:len(p.digits)-1]
	}
}

// reset empties the pad.
func (p *keypad) reset() {
	p.digits, p.problem = "", ""
}

// padDigit handles a digit key on pad p; other keys are ignored.
func (k *Kiosk) padDigit(p *keypad, r rune) {
	k.touch()
	if r >= '0' && r <= '9' && p.press(r) {
		k.render()
	}
}

// padTyped handles a typed key on a pad: digits and other characters go
// to press, Backspace corrects, Enter submits, Escape goes back.
func (k *Kiosk) padTyped(r rune, press func(rune), backspace, submit func()) {
	switch {
	case r == '\b':
		backspace()
	case r == '\n':
		submit()
	case r == 0x1b:
		k.goBack()
	default:
		press(r)
	}
}

// padKeys is a telephone-style grid of digit tiles that press; extra fills
// the last row around the 0 (nil marks the 0's place).
func (k *Kiosk) padKeys(press func(rune), extra []fyne.CanvasObject) fyne.CanvasObject {
	mk := func(r rune) fyne.CanvasObject {
		t := k.button(string(r), tileSecondary, func() { press(r) })
		t.sizeName = sizeKeypad
		t.noWrap = true
		return t
	}
	var keys []fyne.CanvasObject
	for r := '1'; r <= '9'; r++ {
		keys = append(keys, mk(r))
	}
	for _, e := range extra {
		if e == nil {
			keys = append(keys, mk('0'))
		} else {
			keys = append(keys, e)
		}
	}
	return leftToRight(container.NewGridWithColumns(3, keys...))
}

// padProblem shows pad p's problem, or keeps its line blank so that the
// keys do not move when one appears.
func (k *Kiosk) padProblem(p *keypad) *widget.Label {
	problem := text(" ", theme.SizeNameText, true)
	if p.problem != "" {
		problem.SetText(k.text.get(p.problem))
		problem.Importance = widget.DangerImportance
	}
	return problem
}
