package ui

// Access modes of one visit: speech (speech.go), the wheelchair layout and
// high contrast with large text (on portrait screens; landscape ones have
// no room for it on the birth-date keypad, and keep their 8 mm text). Each is switched on by a button in the
// access bar at the bottom of every screen and ends with the visit (goIdle),
// like the language: the next citizen finds the kiosk as usual.

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
)

// access is the modes the citizen at the kiosk chose.
type access struct {
	speech     bool // every new screen is read aloud
	wheelchair bool // every control in the lower part of the screen
	contrast   bool // high contrast and large text
}

// reachFraction is the lower part of the screen that holds every control
// in the wheelchair layout. On a floor-standing 32″ kiosk in portrait
// (active area 398 × 698 mm) whose screen starts at most 80 cm above the
// floor, its top edge is at 80 + 0.55 × 69.8 ≈ 118 cm: within the 120 cm a
// person in a wheelchair reaches forward (docs/kiosk-access.md).
const reachFraction = 0.55

// accessBar is the row of access buttons under every screen: "Vorlesen"
// (when the kiosk has a voice), the wheelchair layout and high contrast.
// A mode that is on shows as a primary tile.
func (k *Kiosk) accessBar() fyne.CanvasObject {
	style := func(on bool) tileStyle {
		if on {
			return tilePrimary
		}
		return tileSecondary
	}
	var tiles []fyne.CanvasObject
	if k.opts.Speaker != nil {
		tiles = append(tiles, k.accessTile(k.text.get("access_read"), tilePrimary, k.readAloud))
	}
	tiles = append(tiles,
		k.accessTile(k.text.get("access_wheelchair"), style(k.access.wheelchair), k.toggleWheelchair),
		k.accessTile(k.text.get("access_contrast"), style(k.access.contrast), k.toggleContrast))
	// A fixed width, so that short labels wrap onto two lines at most and
	// the bar fits beside the screen's own actions.
	bar := container.NewGridWithColumns(len(tiles), tiles...)
	return container.New(fixedWidth{width: sizeTouch, scale: 2.4 * float32(len(tiles))}, bar)
}

func (k *Kiosk) accessTile(label string, style tileStyle, onTap func()) *tile {
	t := k.button(label, style, onTap)
	t.sizeName = theme.SizeNameText
	return t
}

// withAccess puts the access bar beside a screen's actions, in the bottom
// right corner: under them it would push the keypad and the ticket off a
// 1280×1024 screen, and on top a person in a wheelchair could not reach it.
func (k *Kiosk) withAccess(bottom fyne.CanvasObject) fyne.CanvasObject {
	switch k.screen {
	case ScreenStaff:
		return bottom // staff need none, and the PIN pad needs the room
	case ScreenIdle:
		return bottom // under the language row (idleScreen)
	}
	bar := container.NewVBox(layout.NewSpacer(), k.accessBar())
	if bottom == nil {
		return container.NewBorder(nil, nil, nil, bar)
	}
	return container.NewBorder(nil, nil, nil, bar, bottom)
}

// framed lays out header, content and actions: the header on top, the
// actions at the bottom; in the wheelchair layout the content and the
// actions move together into the lower part of the screen.
func (k *Kiosk) framed(bottom, center fyne.CanvasObject) fyne.CanvasObject {
	bottom = k.withAccess(bottom)
	if !k.access.wheelchair {
		return container.NewBorder(k.header(), bottom, nil, nil, center)
	}
	return container.New(reachLayout{}, k.header(), container.NewBorder(nil, bottom, nil, nil, center))
}

// activity keeps the screen: a tap on an access button is no "done" on a
// ticket or a message, unlike a tap beside the buttons (touch).
func (k *Kiosk) activity() {
	switch k.screen {
	case ScreenTicket, ScreenMessage:
		d := k.opts.ResultTimeout
		if k.access.speech {
			d *= listenFactor
		}
		k.armTimer(d)
	case ScreenIdle, ScreenOutOfOrder, ScreenLoading:
		// A mode chosen on the idle screen ends with the visit, even
		// in German, where the idle screen has no timeout of its own.
		k.armTimer(k.opts.IdleTimeout)
	default:
		k.touch()
	}
}

// on reports whether any mode is on: the visit has begun.
func (a access) on() bool { return a.speech || a.wheelchair || a.contrast }

func (k *Kiosk) toggleWheelchair() {
	k.activity()
	k.access.wheelchair = !k.access.wheelchair
	k.render()
	k.sayIfSpeaking(k.text.get("access_wheelchair"))
}

func (k *Kiosk) toggleContrast() {
	k.activity()
	k.access.contrast = !k.access.contrast
	k.applyTheme()
	k.sayIfSpeaking(k.text.get("access_contrast"))
}

// endAccess switches every mode off at the end of a visit.
func (k *Kiosk) endAccess() {
	contrast := k.access.contrast
	if k.access.speech && k.opts.Speaker != nil {
		k.opts.Speaker.Speak("", "") // the next person need not hear the last one's ticket
	}
	k.access = access{}
	if contrast {
		k.applyTheme()
	}
}

// applyTheme sets the theme for the chosen contrast and redraws.
func (k *Kiosk) applyTheme() {
	k.view.theme.contrast = k.access.contrast
	k.view.theme.large = k.access.contrast && k.view.portrait
	fyne.CurrentApp().Settings().SetTheme(k.view.theme)
	k.render()
}

// reachLayout puts its first object (the header) on top and its second
// (content and actions) into the lower reachFraction of the height, or
// higher only as far as its minimum height needs.
type reachLayout struct{}

func (reachLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	if len(objects) != 2 {
		return
	}
	head, body := objects[0], objects[1]
	hh := head.MinSize().Height
	head.Resize(fyne.NewSize(size.Width, hh))
	head.Move(fyne.NewPos(0, 0))
	top := size.Height * (1 - reachFraction)
	top = min(top, size.Height-body.MinSize().Height)
	top = max(top, hh)
	body.Resize(fyne.NewSize(size.Width, size.Height-top))
	body.Move(fyne.NewPos(0, top))
}

func (reachLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objects {
		m := o.MinSize()
		s.Width = max(s.Width, m.Width)
		s.Height += m.Height
	}
	return s
}
