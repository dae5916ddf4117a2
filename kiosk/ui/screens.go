package ui

import (
	"context"
	"image/color"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lotse/assets"
	"lotse/hardware/qr"
	"lotse/hub/api"
)

// scanPicture is the drawing of a phone held under the scanner. It is a PNG
// rendered from kiosk-scan.svg: Fyne rasterises an SVG on every resize,
// which costs seconds on a slow kiosk PC; a PNG decodes in milliseconds.
var scanPicture = func() fyne.Resource {
	data, err := assets.FS.ReadFile("images/kiosk-scan.png")
	if err != nil {
		// The file is embedded at build time; without it the build is broken.
		panic("kiosk picture missing from assets: " + err.Error())
	}
	return fyne.NewStaticResource("kiosk-scan.png", data)
}()

func containerStack(objects ...fyne.CanvasObject) *fyne.Container {
	return container.NewStack(objects...)
}

func containerWith(l fyne.Layout, objects ...fyne.CanvasObject) *fyne.Container {
	return container.New(l, objects...)
}

// view is the Fyne objects of the kiosk's screen.
type view struct {
	canvas  fyne.Canvas     // the window's, once AttachKeyboard is called
	root    *fyne.Container // everything: background, body, staff corner
	body    *fyne.Container // the current screen
	theme   kioskTheme      // scaled to the window
	clock   clockLabel      // the header's clock, rebuilt with every screen
	picture *canvas.Image   // the idle screen's picture, decoded once
	// portrait is whether the window is taller than wide (large text fits).
	portrait bool
}

// render rebuilds the current screen from the kiosk's state.
func (k *Kiosk) render() {
	var content fyne.CanvasObject
	switch k.screen {
	case ScreenLoading:
		content = k.frame(nil, k.centered(text(k.text.get("loading"), sizeHeadline, true)))
	case ScreenOutOfOrder:
		content = k.outOfOrderScreen()
	case ScreenIdle:
		content = k.idleScreen()
	case ScreenBirthDate:
		content = k.birthDateScreen()
	case ScreenChoice:
		content = k.choiceScreen()
	case ScreenWalkIn:
		content = k.walkInScreen()
	case ScreenBusy:
		content = k.frame(nil, k.centered(text(k.text.get("busy"), sizeHeadline, true)))
	case ScreenTicket:
		content = k.ticketScreen()
	case ScreenMessage:
		content = k.messageScreen()
	case ScreenStaff:
		content = k.staffScreen()
	}
	k.localize(content)
	k.view.body.Objects = []fyne.CanvasObject{content}
	k.view.body.Refresh()
	if k.view.canvas != nil {
		// Before the window is first painted the driver does not know which
		// canvas body belongs to and drops body's refresh; say it directly.
		k.view.canvas.Refresh(k.view.root)
	}
}

// frame lays out a screen: the header on top, the actions at the bottom,
// the content in between, with a margin all round.
func (k *Kiosk) frame(bottom fyne.CanvasObject, center fyne.CanvasObject) fyne.CanvasObject {
	m := 2 * k.view.theme.Size(theme.SizeNameInnerPadding)
	return container.New(layout.NewCustomPaddedLayout(m/2, m, m, m), k.framed(bottom, center))
}

// header shows the office's name and the time.
func (k *Kiosk) header() fyne.CanvasObject {
	name := ""
	if k.link.office != nil {
		name = k.link.office.Name
	}
	office := widget.NewLabel(name)
	office.TextStyle.Bold = true
	office.Truncation = fyne.TextTruncateEllipsis
	k.view.clock = clockLabel{label: widget.NewLabel(""), kiosk: k}
	k.view.clock.label.TextStyle.Bold = true
	k.view.clock.update()
	return container.NewBorder(nil, nil, nil, k.view.clock.label, office)
}

// clockLabel is the header's clock.
type clockLabel struct {
	label *widget.Label
	kiosk *Kiosk
}

func (c clockLabel) update() {
	if c.label == nil {
		return
	}
	c.label.SetText(c.kiosk.text.get("clock", "time", c.kiosk.formatTime(c.kiosk.opts.Now())))
}

// centered centres objects vertically.
func (k *Kiosk) centered(objects ...fyne.CanvasObject) fyne.CanvasObject {
	items := append([]fyne.CanvasObject{layout.NewSpacer()}, objects...)
	items = append(items, layout.NewSpacer())
	return container.NewVBox(items...)
}

// gap is vertical space of n paddings.
func (k *Kiosk) gap(n float32) fyne.CanvasObject {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(fyne.NewSize(1, n*k.view.theme.Size(theme.SizeNamePadding)))
	return r
}

func (k *Kiosk) backTile() *tile {
	return k.button(k.text.get("back"), tileSecondary, k.goBack)
}

func (k *Kiosk) idleScreen() fyne.CanvasObject {
	scan := text(k.text.get("idle_scan"), sizeHeadline, true)
	if k.view.picture == nil {
		// One image for the kiosk's lifetime: Fyne caches its scaled
		// texture, so returning to idle does not decode it again.
		k.view.picture = canvas.NewImageFromResource(scanPicture)
		k.view.picture.FillMode = canvas.ImageFillContain
		// The GPU scales it: Fyne's smooth CPU scaling allocates a
		// 20 MB buffer on every resize, which stays in the kiosk's
		// resident memory long after.
		k.view.picture.ScaleMode = canvas.ImageScaleFastest
	}
	pic := k.view.picture
	ps := k.view.theme.Size(sizePicture)
	pic.SetMinSize(fyne.NewSize(ps*4/3, ps))

	var actions []fyne.CanvasObject
	if k.link.office != nil && k.link.office.BirthDateCheckIn {
		actions = append(actions, k.button(k.text.get("idle_birthdate"), tilePrimary, func() {
			k.visit.birth.reset()
			k.show(ScreenBirthDate)
		}))
	}
	if k.walkInsOffered() {
		actions = append(actions, k.button(k.text.get("idle_walkin"), tilePrimary, func() { k.show(ScreenWalkIn) }))
	}
	bottom := container.NewVBox()
	if len(actions) > 0 {
		bottom.Add(container.NewGridWithColumns(len(actions), actions...))
	}
	bottom.Add(k.gap(2))
	bottom.Add(k.languageRow())
	bottom.Add(container.NewBorder(nil, nil, nil, k.accessBar())) // under the languages: beside them it squeezes them
	return k.frame(bottom, container.NewBorder(scan, nil, nil, nil, pic))
}

// walkInsOffered reports whether "Ohne Termin" is shown.
func (k *Kiosk) walkInsOffered() bool {
	if k.link.office == nil || !k.link.office.WalkIns || len(k.link.office.Services) == 0 {
		return false
	}
	return k.opts.WalkIns == nil || *k.opts.WalkIns
}

// languageRow has one tile per language, named in that language, wrapping
// onto a second row on narrow screens.
func (k *Kiosk) languageRow() fyne.CanvasObject {
	var tiles []fyne.CanvasObject
	var cell fyne.Size
	for _, lang := range k.opts.Languages {
		name := k.mustTexts(lang).get("language_name")
		style := tileSecondary
		if lang == k.text.lang {
			style = tilePrimary
		}
		t := k.button(name, style, func() { k.setLanguage(lang) })
		t.sizeName = theme.SizeNameText
		t.noWrap = true
		tiles = append(tiles, t)
		cell = cell.Max(t.MinSize())
	}
	return container.NewGridWrap(cell, tiles...)
}

func (k *Kiosk) outOfOrderScreen() fyne.CanvasObject {
	icon := widget.NewIcon(theme.InfoIcon())
	size := k.view.theme.Size(sizeTouch) * 1.5
	iconBox := container.NewCenter(container.NewGridWrap(fyne.NewSize(size, size), icon))
	return k.frame(nil, k.centered(
		iconBox,
		text(k.text.get("out_of_order_title"), sizeHeadline, true),
		text(k.text.get("out_of_order_text"), sizeHeadline, false),
	))
}

func (k *Kiosk) birthDateScreen() fyne.CanvasObject {
	title := text(k.text.get("birth_title"), sizeHeadline, true)

	fields, _ := readBirthKeys(k.visit.birth.digits, k.opts.Now().In(k.link.loc))
	typed, hint := formatBirthFields(fields, k.text.get("birth_placeholder"))
	shown := leftToRight(container.New(layout.NewCustomPaddedHBoxLayout(0),
		layout.NewSpacer(), k.birthText(typed, theme.ColorNameForeground), k.birthText(hint, colorMask), layout.NewSpacer()))
	box := canvas.NewRectangle(k.view.theme.Color(theme.ColorNameBackground, 0))
	box.StrokeColor = k.view.theme.Color(theme.ColorNamePrimary, 0)
	box.StrokeWidth = 3
	box.CornerRadius = k.view.theme.Size(theme.SizeNameInputRadius)
	// "Alles löschen" stays beside what it clears, apart from "Zurück" and
	// "Weiter", which leave the screen.
	clear := k.button(k.text.get("birth_clear"), tileSecondary, k.birthClear)
	clear.sizeName = theme.SizeNameText
	display := container.NewBorder(nil, nil, nil, container.New(fixedWidth{width: sizeTouch, scale: 2.6}, clear),
		container.NewStack(box, container.NewPadded(shown)))

	// Under the date: what is wrong with it, or else how to type it.
	problem := k.padProblem(&k.visit.birth)
	if k.visit.birth.problem == "" {
		problem.SetText(k.text.get("birth_hint"))
	}

	sep := k.button(string(birthSeparator), tileSecondary, func() { k.birthKey(birthSeparator) })
	sep.sizeName = sizeKeypad
	sep.noWrap = true
	keys := k.padKeys(k.birthKey, []fyne.CanvasObject{
		sep,
		nil,
		k.backspaceKey(k.birthBackspace),
	})
	cont := k.button(k.text.get("birth_continue"), tilePrimary, k.birthContinue)
	cont.disabled = k.visit.birth.digits == ""
	bottom := container.NewGridWithColumns(2, k.backTile(), cont)

	limit := maxWidth{width: sizeTouch, scale: 9}
	center := k.centered(title, container.New(limit, display), problem, container.New(limit, keys))
	return k.frame(container.New(limit, bottom), center)
}

// backspaceKey is a keypad's key that deletes the last digit. Its label
// is in body size so that two lines fit into a key's height.
func (k *Kiosk) backspaceKey(onTap func()) *tile {
	t := k.button(k.text.get("key_backspace"), tileSecondary, onTap)
	t.sizeName = theme.SizeNameText
	return t
}

// birthText is one part of the birth-date display, in colour c.
func (k *Kiosk) birthText(s string, c fyne.ThemeColorName) *canvas.Text {
	t := canvas.NewText(s, k.view.theme.Color(c, 0))
	t.TextSize = k.view.theme.Size(sizeKeypad) * 1.2
	t.TextStyle.Monospace = true
	return t
}

func (k *Kiosk) choiceScreen() fyne.CanvasObject {
	title := text(k.text.get("choice_title"), sizeHeadline, true)
	list := container.NewVBox()
	// Six choices fit every supported screen; more would be a data error.
	for i, c := range k.visit.choices {
		if i == 6 {
			break
		}
		list.Add(k.button(choiceLabel(k, c), tileSecondary, func() { k.chooseAppointment(c) }))
	}
	limit := maxWidth{width: sizeTouch, scale: 12}
	return k.frame(container.New(limit, k.backTile()),
		container.NewVBox(title, k.gap(1), container.New(limit, list)))
}

func (k *Kiosk) walkInScreen() fyne.CanvasObject {
	if k.link.office == nil || len(k.link.office.Services) == 0 {
		return k.frame(k.backTile(), k.centered(text(k.text.get("walkin_closed"), sizeHeadline, true)))
	}
	title := text(k.text.get("walkin_title"), sizeHeadline, true)
	var tiles []fyne.CanvasObject
	for _, s := range k.link.office.Services {
		tiles = append(tiles, k.button(s.LocalName(k.text.lang), tileSecondary, func() { k.walkIn(s.ID) }))
	}
	cols := 2
	if len(tiles) > 8 {
		cols = 3
	}
	return k.frame(k.backTile(), container.NewVBox(title, k.gap(1), container.NewGridWithColumns(cols, tiles...)))
}

func (k *Kiosk) ticketScreen() fyne.CanvasObject {
	t := k.visit.ticket
	number := canvas.NewText(t.Number, k.view.theme.Color(theme.ColorNamePrimary, 0))
	number.TextSize = k.view.theme.Size(sizeTicketNumber)
	number.TextStyle.Bold = true
	number.Alignment = fyne.TextAlignCenter

	items := []fyne.CanvasObject{
		text(k.text.get("result_number"), sizeHeadline, false),
		number,
	}
	if lines := k.serviceLines(t.Services, k.text.lang); len(lines) > 0 {
		items = append(items, text(strings.Join(lines, ", "), theme.SizeNameText, false))
	}
	if t.AppointmentStart != nil {
		items = append(items, text(k.text.get("result_appointment", "time", k.formatTime(*t.AppointmentStart)), theme.SizeNameText, false))
	}
	items = append(items, k.gap(1), text(k.text.get("result_wait"), sizeHeadline, true))
	if t.WaitMinutes != nil {
		var est string
		switch m := *t.WaitMinutes; {
		case m < 0:
			// The hub's one estimate: no open, staffed counter serves
			// the service now; "shortly" would be a promise.
			est = k.text.get("result_estimate_closed")
		case m == 0:
			est = k.text.get("result_estimate_now")
		case m == 1:
			est = k.text.get("result_estimate_one")
		default:
			est = k.text.get("result_estimate", "minutes", strconv.Itoa(m))
		}
		items = append(items, text(est, theme.SizeNameText, false))
	}
	if k.visit.printNote != "" {
		note := text(k.text.get(k.visit.printNote), theme.SizeNameText, true)
		if k.visit.printNote == "printer_paper_out" || k.visit.printNote == "printer_failed" {
			note.Importance = widget.DangerImportance
		}
		items = append(items, note)
	}
	done := k.button(k.text.get("done"), tilePrimary, k.goIdle)
	center := k.centered(items...)
	if t.StatusURL != "" {
		// Beside the ticket, not under it: the ticket screen must fit
		// 1280×1024 without scrolling, and the number stays the largest
		// thing on it.
		center = container.NewBorder(nil, nil, nil, k.phoneColumn(t.StatusURL), center)
	}
	return k.frame(container.New(maxWidth{width: sizeTouch, scale: 6}, done), center)
}

// phoneColumn shows the ticket's status page for the citizen's phone: the
// QR code to scan and the short link to type.
func (k *Kiosk) phoneColumn(url string) fyne.CanvasObject {
	link := text(ShortLink(url), theme.SizeNameText, true)
	link.Wrapping = fyne.TextWrapBreak // a link has no spaces to wrap at
	items := []fyne.CanvasObject{text(k.text.get("result_phone"), theme.SizeNameText, false), link}
	if code := k.statusQR(url); code != nil {
		items = append([]fyne.CanvasObject{container.NewCenter(code)}, items...)
	}
	return container.New(fixedWidth{width: sizePicture, scale: 1.6}, k.centered(items...))
}

// statusQR is the QR code of the ticket's status page, for the citizen to
// scan with a phone; nil (and logged) if url does not fit into a QR code.
func (k *Kiosk) statusQR(url string) fyne.CanvasObject {
	// The smallest image of the code: one pixel a module, scaled up by the
	// canvas without smoothing, so the modules stay sharp at any size.
	img, err := qr.Encode(url, 0)
	if err != nil {
		k.log.Warn("status link not shown as QR code", "err", err)
		return nil
	}
	code := canvas.NewImageFromImage(img)
	code.FillMode = canvas.ImageFillContain
	code.ScaleMode = canvas.ImageScalePixels
	side := k.view.theme.Size(sizePicture)
	code.SetMinSize(fyne.NewSize(side, side))
	return code
}

func (k *Kiosk) messageScreen() fyne.CanvasObject {
	icon := widget.NewIcon(theme.InfoIcon())
	size := k.view.theme.Size(sizeTouch) * 1.5
	iconBox := container.NewCenter(container.NewGridWrap(fyne.NewSize(size, size), icon))
	ok := k.button(k.text.get("ok"), tilePrimary, k.goBack)
	return k.frame(container.New(maxWidth{width: sizeTouch, scale: 6}, ok),
		k.centered(iconBox, k.gap(2), text(k.visit.message, sizeHeadline, true)))
}

func (k *Kiosk) staffScreen() fyne.CanvasObject {
	title := text(k.text.get("staff_title"), sizeHeadline, true)
	shown := text(maskedPIN(len(k.staff.pin.digits)), sizeHeadline, true)
	problem := k.padProblem(&k.staff.pin)
	keys := k.padKeys(func(r rune) { k.padDigit(&k.staff.pin, r) }, []fyne.CanvasObject{
		k.backspaceKey(k.pinBackspace),
		nil,
		k.button(k.text.get("staff_exit"), tilePrimary, k.pinSubmit),
	})
	limit := maxWidth{width: sizeTouch, scale: 9}
	cancel := k.button(k.text.get("staff_cancel"), tileSecondary, k.goIdle)
	return k.frame(container.New(limit, cancel), k.centered(title, shown, problem, container.New(limit, keys)))
}

// choiceLabel names an appointment by time and services, never by name.
func choiceLabel(k *Kiosk, c api.Choice) string {
	label := k.text.get("choice_time", "time", k.formatTime(c.Start))
	for _, s := range k.serviceLines(c.Services, k.text.lang) {
		label += " · " + s
	}
	return label
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
			// The closure reads k.view.clock on the UI goroutine: a method
			// value would copy it here, racing with the idle screen
			// rebuilding it.
			k.opts.Do(func() { k.view.clock.update() })
		}
	}
}
