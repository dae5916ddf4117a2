package ui

// The flow of one citizen's visit: which screen shows, when it times out,
// and what the hub answered.

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"lotse/assets"
	"lotse/hub/api"
)

// visit is what the kiosk holds about the citizen in front of it. It is
// forgotten as a whole on the return to idle.
type visit struct {
	birth     keypad // the birth date's keys as typed: digits and separators
	birthDate string // the validated date while choosing among matches
	choices   []api.Choice
	ticket    api.Ticket
	printNote string // text key of the printer's state on the ticket screen
	message   string
}

// newVisit is the state before a citizen touches the kiosk.
func newVisit() visit {
	return visit{birth: keypad{max: maxBirthKeys}}
}

// idleTimer returns to the idle screen when it fires; gen tells its
// callback whether it was stopped or re-armed meanwhile.
type idleTimer struct {
	timer *time.Timer
	gen   int
}

// inputPause is how long taps are ignored after the screen changed. A
// double tap on a button that changes the screen would otherwise land on
// whatever the next screen has in that place: a message's OK on the idle
// screen's language bar. A person needs longer than this to read the new
// screen, so no real tap is lost.
const inputPause = 700 * time.Millisecond

// settled reports whether the screen has been shown long enough to take
// taps (see inputPause). A clock set back meanwhile counts as settled: a
// kiosk must not ignore taps until the clock catches up.
func (k *Kiosk) settled() bool {
	d := k.opts.Now().Sub(k.shownAt)
	return d >= inputPause || d < 0
}

// guarded wraps a tap handler so that it ignores taps during the pause
// after a screen change.
func (k *Kiosk) guarded(onTap func()) func() {
	return func() {
		if k.settled() {
			onTap()
		}
	}
}

// touch records activity: it restarts the inactivity timer.
func (k *Kiosk) touch() {
	switch k.screen {
	case ScreenTicket:
		// A tap on a ticket means "done": the visit is over.
		k.goIdle()
	case ScreenMessage:
		// A tap on a message means "read": the citizen may try again.
		k.goBack()
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
	k.timeout.gen++
	gen := k.timeout.gen
	if k.timeout.timer != nil {
		k.timeout.timer.Stop()
	}
	k.timeout.timer = time.AfterFunc(d, func() {
		k.opts.Do(func() {
			if gen == k.timeout.gen {
				k.goIdle()
			}
		})
	})
}

func (k *Kiosk) stopTimer() {
	k.timeout.gen++
	if k.timeout.timer != nil {
		k.timeout.timer.Stop()
		k.timeout.timer = nil
	}
}

// goIdle ends the visit: it returns to the idle screen and forgets
// everything about the citizen who left, including the language they
// chose. It is for a visit that is over: after the ticket, or when nobody
// touched the kiosk for a while.
func (k *Kiosk) goIdle() {
	k.endAccess()
	if k.text.lang != assets.SourceLanguage {
		k.text = k.mustTexts(assets.SourceLanguage)
	}
	k.returnToIdle()
}

// goBack returns to the idle screen within the visit ("Zurück", OK on a
// message): what was typed or chosen is forgotten, the language stays, so
// the citizen can try again in it. The idle timer ends the visit.
func (k *Kiosk) goBack() {
	k.returnToIdle()
}

func (k *Kiosk) returnToIdle() {
	k.stopTimer()
	k.requestGen++ // an answer still on its way is for nobody now
	k.visit = newVisit()
	k.staff.pin.reset()
	switch {
	case k.link.office == nil && !k.link.down:
		k.show(ScreenLoading)
	case k.link.office == nil || k.link.down:
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
		k.shownAt = k.opts.Now()
	}
	k.screen = s
	switch s {
	case ScreenIdle, ScreenOutOfOrder, ScreenLoading:
		switch {
		case k.text.lang == assets.SourceLanguage && !k.access.on():
			k.stopTimer()
		case changed:
			// Back on the idle screen in the citizen's language: the
			// visit ends if nobody touches the kiosk.
			k.armTimer(k.opts.IdleTimeout)
		}
	case ScreenTicket, ScreenMessage:
		k.armTimer(k.opts.ResultTimeout)
	default:
		k.armTimer(k.opts.IdleTimeout)
	}
	k.render()
	k.speakScreen(changed)
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
	} else if k.screen == ScreenIdle && !k.access.on() {
		k.stopTimer()
	}
	k.render()
	k.speakScreen(true)
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
	k.requestGen++
	gen := k.requestGen
	k.show(ScreenBusy)
	ctx := k.ctx
	go func() {
		ctx, cancel := context.WithTimeout(ctx, k.opts.HubTimeout)
		t, err := call(ctx)
		cancel()
		k.opts.Do(func() {
			if gen != k.requestGen {
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
			k.visit.choices = e.Choices
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
			k.showMessage(k.text.get("err_too_early", "time", e.ComeBackAt.In(k.link.loc).Format("15:04")))
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
		k.showMessage(k.rateLimited(e))
	case api.CodeAlreadyServed:
		k.showMessage(k.text.get("err_already_served"))
	case api.CodeSeeDesk:
		k.showMessage(k.text.get("err_see_desk"))
	default:
		k.failedUnavailable(err)
	}
}

// rateLimited says how long to wait before trying again: the hub's
// Retry-After, in seconds up to a minute and a half, then in minutes
// rounded up; a moment when the hub did not say.
func (k *Kiosk) rateLimited(e *api.Error) string {
	wait := 0
	if e != nil {
		wait = e.RetryAfter
	}
	switch {
	case wait > 90:
		return k.text.get("err_rate_limited_minutes", "minutes", strconv.Itoa((wait+59)/60))
	case wait >= 5:
		return k.text.get("err_rate_limited_seconds", "seconds", strconv.Itoa(wait))
	}
	return k.text.get("err_rate_limited")
}

func (k *Kiosk) walkInFailed(err error) {
	code := api.ErrorCode(err)
	k.log.Info("walk-in refused", "code", code)
	var e *api.Error
	errors.As(err, &e)
	switch code {
	case api.CodeRateLimited:
		k.showMessage(k.rateLimited(e))
	case api.CodeWalkInsFull:
		// Plainly, and where to go instead: the office's online booking.
		if url := k.bookingURL(); url != "" {
			k.showMessage(k.text.get("walkin_full", "url", url))
		} else {
			k.showMessage(k.text.get("walkin_full_plain"))
		}
	case api.CodeInvalid, api.CodeConflict, api.CodeNotFound, api.CodeTooLate, api.CodeTooEarly:
		k.showMessage(k.text.get("walkin_closed"))
	default:
		k.failedUnavailable(err)
	}
}

// bookingURL is the office's online booking, shown without its scheme:
// people type what they read, and "https://" only gets in the way.
func (k *Kiosk) bookingURL() string {
	if k.link.office == nil {
		return ""
	}
	u := k.link.office.BookingURL
	for _, p := range []string{"https://", "http://"} {
		u = strings.TrimPrefix(u, p)
	}
	return strings.TrimSuffix(u, "/")
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
	k.visit.message = msg
	k.show(ScreenMessage)
}

// showTicket shows a new ticket and prints it in the background.
func (k *Kiosk) showTicket(t api.Ticket) {
	k.log.Info("ticket issued", "number", t.Number)
	k.visit.ticket = t
	k.visit.printNote = ""
	if k.opts.Printer != nil {
		k.visit.printNote = "result_printing"
		k.print(t)
	}
	k.show(ScreenTicket)
}
