package ui

import (
	"sync/atomic"
	"testing"

	"fyne.io/fyne/v2"

	"lotse/kiosk/internal/fakehub"
)

// TestOnScan: every scan reaches the health report's hook, from a serial
// or camera source and from a keyboard-wedge scanner, also one the screen
// ignores: it still shows that the scanner works.
func TestOnScan(t *testing.T) {
	var scans atomic.Int32
	h := newHarness(t, landscape, func(o *Options) { o.OnScan = func() { scans.Add(1) } })
	h.scan(fakehub.CodeGood)
	h.waitScreen(ScreenTicket)
	h.scan(fakehub.CodeMultiPerson) // ignored while the ticket shows
	waitFor(t, func() bool { return scans.Load() == 2 }, "two scans counted")
	h.tap("Fertig")
	h.waitScreen(ScreenIdle)
	c := h.window.Canvas()
	h.do(func() {
		for _, r := range fakehub.CodeGood {
			c.OnTypedRune()(r)
		}
		c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyReturn})
	})
	waitFor(t, func() bool { return scans.Load() == 3 }, "the wedge scan counted")
}
