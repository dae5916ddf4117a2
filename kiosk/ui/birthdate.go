package ui

import (
	"slices"
	"strings"
	"time"

	"lotse/hub/api"
)

// birthDateDigits is the number of digits of DD.MM.YYYY.
const birthDateDigits = 8

// oldestAge is the age beyond which a birth date is taken for a typing
// error. It is the hub's own limit, so that the kiosk never refuses a date
// the hub would accept, nor sends one the hub refuses.
const oldestAge = api.MaxBirthAge

// birthDateProblem says why typed digits are no acceptable birth date; it
// is the key of the message shown, or "" for a good date.
type birthDateProblem string

const (
	birthOK         birthDateProblem = ""
	birthIncomplete birthDateProblem = "birth_incomplete"
	birthNoSuchDate birthDateProblem = "birth_invalid"
	birthInFuture   birthDateProblem = "birth_future"
	birthTooOld     birthDateProblem = "birth_too_old"
)

// parseBirthDate checks eight typed digits DDMMYYYY against today and
// returns the date as the API wants it (YYYY-MM-DD).
func parseBirthDate(digits string, today time.Time) (string, birthDateProblem) {
	if len(digits) != birthDateDigits {
		return "", birthIncomplete
	}
	n := make([]int, 0, birthDateDigits)
	for _, r := range digits {
		if r < '0' || r > '9' {
			return "", birthNoSuchDate
		}
		n = append(n, int(r-'0'))
	}
	day := n[0]*10 + n[1]
	month := n[2]*10 + n[3]
	year := n[4]*1000 + n[5]*100 + n[6]*10 + n[7]
	if month < 1 || month > 12 || day < 1 || year < 1 {
		return "", birthNoSuchDate
	}
	d := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	// time.Date normalises 31.02. to 03.03.; a real date survives unchanged.
	if d.Day() != day || int(d.Month()) != month || d.Year() != year {
		return "", birthNoSuchDate
	}
	y, m, dd := today.Date()
	todayUTC := time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)
	if d.After(todayUTC) {
		return "", birthInFuture
	}
	if d.Before(todayUTC.AddDate(-oldestAge, 0, 0)) {
		return "", birthTooOld
	}
	return d.Format(time.DateOnly), birthOK
}

// birthSeparator closes the day or the month before it has two digits:
// the keypad's "." key, and on a keyboard also the other characters people
// put between day, month and year.
const birthSeparator = '.'

// maxBirthKeys is the longest entry: DD.MM.YYYY.
const maxBirthKeys = birthDateDigits + 2

// isBirthSeparator reports whether a typed character separates the parts
// of a date.
func isBirthSeparator(r rune) bool {
	switch r {
	case '.', ',', ' ', '/', '-':
		return true
	}
	return false
}

// birthFields is a reading of the typed keys as day, month and year.
// closed tells whether the day and the month are finished (a separator or a
// later part follows), so that a single digit can be shown as 01.
type birthFields struct {
	day, month, year string
	dayClosed        bool
	monthClosed      bool
}

// complete reports whether the reading has a full date to check.
func (f birthFields) complete() bool {
	return f.day != "" && f.month != "" && len(f.year) == 4
}

// digits is the date as DDMMYYYY, single digits padded with a zero.
func (f birthFields) digits() string {
	pad := func(s string) string {
		if len(s) == 1 {
			return "0" + s
		}
		return s
	}
	return pad(f.day) + pad(f.month) + f.year
}

// readBirthKeys reads typed keys (digits and birthSeparator) as a date.
// People type "28.1.1947", "28011947" or "2811947"; day and month take one
// or two digits, the year four. Of all readings that the separators allow,
// it prefers one whose parts can still become a real, plausible date
// (a year within oldestAge of today), and among those the one with the
// longest day, then the longest month: the reading a person most likely
// means, and the one shown while typing, so what is shown is what is sent.
// ok is false when no reading fits the separators and lengths at all.
func readBirthKeys(keys string, today time.Time) (f birthFields, ok bool) {
	var digits []byte
	var seps []int // number of digits before each separator
	for _, r := range keys {
		if r == birthSeparator {
			seps = append(seps, len(digits))
		} else {
			digits = append(digits, byte(r))
		}
	}
	n := len(digits)
	if n == 0 {
		return birthFields{}, len(seps) == 0
	}
	lastYear := today.Year()
	firstYear := lastYear - oldestAge
	// Readings in order of preference; failing that, one whose day and
	// month fit, failing that, any: the check on "Weiter" then says what
	// is wrong with what is shown.
	var partsFit, any *birthFields
	for dl := min(n, 2); dl >= 1; dl-- {
		for ml := 2; ml >= 0; ml-- {
			yl := n - dl - ml
			// The month is empty exactly when nothing follows the day.
			if (ml == 0) != (dl == n) || yl < 0 || yl > 4 || !sepsFit(seps, dl, ml) {
				continue
			}
			c := birthFields{day: string(digits[:dl]), month: string(digits[dl : dl+ml]), year: string(digits[dl+ml:])}
			c.dayClosed = ml > 0 || slices.Contains(seps, dl) || finished(c.day, 31)
			c.monthClosed = ml > 0 && (yl > 0 || slices.Contains(seps, dl+ml) || finished(c.month, 12))
			if any == nil {
				any = &c
			}
			if !partFits(c.day, 31, c.dayClosed) || (ml > 0 && !partFits(c.month, 12, c.monthClosed)) {
				continue
			}
			if yearFits(c.year, firstYear, lastYear) {
				return c, true
			}
			if partsFit == nil {
				partsFit = &c
			}
		}
	}
	switch {
	case partsFit != nil:
		return *partsFit, true
	case any != nil:
		return *any, true
	}
	return birthFields{}, false
}

// sepsFit reports whether separators after the given numbers of digits
// stand where a day of dl digits or a month of ml digits ends.
func sepsFit(seps []int, dl, ml int) bool {
	switch len(seps) {
	case 0:
		return true
	case 1:
		return seps[0] == dl || (ml > 0 && seps[0] == dl+ml)
	case 2:
		return ml > 0 && seps[0] == dl && seps[1] == dl+ml
	}
	return false
}

// value is the number that the digits s spell.
func value(s string) int {
	v := 0
	for _, r := range s {
		v = v*10 + int(r-'0')
	}
	return v
}

// finished reports whether a day or month s can take no further digit:
// it has two, or one that no second digit keeps within limit (the 4 of a
// day).
func finished(s string, limit int) bool {
	return len(s) == 2 || (len(s) == 1 && value(s)*10 > limit)
}

// partFits reports whether s, a day or a month, is or can still become a
// number from 1 to limit.
func partFits(s string, limit int, closed bool) bool {
	if len(s) == 1 && !closed {
		return true // 0 becomes 01 to 09, 1 becomes 1 or 10 to 19
	}
	v := value(s)
	return v >= 1 && v <= limit
}

// yearFits reports whether the typed beginning s of a year can still become
// a year from first to last.
func yearFits(s string, first, last int) bool {
	if s == "" {
		return true
	}
	v := value(s)
	scale := 1
	for range 4 - len(s) {
		scale *= 10
	}
	lo, hi := v*scale, v*scale+scale-1
	return hi >= first && lo <= last
}

// formatBirthFields shows a reading in the DD.MM.YYYY mask: typed digits,
// then the mask's letters (TT.MM.JJJJ in German) where nothing is typed
// yet; a finished one-digit day or month shows as 01. typed is the part the
// person entered, hint the mask's rest, to be drawn lighter.
func formatBirthFields(f birthFields, mask string) (typed, hint string) {
	maskRunes := []rune(mask)
	if len(maskRunes) != birthDateDigits+2 {
		maskRunes = []rune("DD.MM.YYYY")
	}
	parts := []struct {
		text   string
		closed bool
		mask   []rune
	}{
		{f.day, f.dayClosed, maskRunes[0:2]},
		{f.month, f.monthClosed, maskRunes[3:5]},
		{f.year, false, maskRunes[6:10]},
	}
	var out []rune
	hintAt := -1 // where the mask's letters begin
	for i, p := range parts {
		if i > 0 {
			out = append(out, '.')
		}
		text := p.text
		if p.closed && len(text) == 1 {
			text = "0" + text
		}
		out = append(out, []rune(text)...)
		if len(text) < len(p.mask) {
			if hintAt < 0 {
				hintAt = len(out)
			}
			out = append(out, p.mask[len(text):]...)
		}
	}
	if hintAt < 0 {
		return string(out), ""
	}
	return string(out[:hintAt]), string(out[hintAt:])
}

// The birth-date keypad's keys.

// birthKey takes a digit or a separator. A key that leaves no way to read
// the entry as a date (a ninth digit, a third separator, one right after
// another, one in the year) is ignored.
func (k *Kiosk) birthKey(r rune) {
	k.touch()
	p := &k.visit.birth
	if isBirthSeparator(r) {
		r = birthSeparator
	}
	keys := p.digits + string(r)
	if len(keys) > maxBirthKeys {
		return
	}
	if r == birthSeparator && (p.digits == "" || strings.HasSuffix(p.digits, string(birthSeparator))) {
		return
	}
	if _, ok := readBirthKeys(keys, k.opts.Now().In(k.link.loc)); !ok {
		return
	}
	p.digits = keys
	p.problem = ""
	k.render()
	k.sayKey(r)
}

// birthTyped takes a key typed on a keyboard: digits, and the characters
// people put between day, month and year.
func (k *Kiosk) birthTyped(r rune) {
	if (r >= '0' && r <= '9') || isBirthSeparator(r) {
		k.birthKey(r)
	}
}

// birthBackspace deletes the last key; the date's problem goes with it.
func (k *Kiosk) birthBackspace() {
	k.touch()
	k.visit.birth.backspace()
	k.visit.birth.problem = ""
	k.render()
	k.sayIfSpeaking(k.typedSpeech(k.text.get("speech_deleted")))
}

func (k *Kiosk) birthClear() {
	k.touch()
	k.visit.birth.reset()
	k.render()
}

func (k *Kiosk) birthContinue() {
	k.touch()
	date, problem := k.typedBirthDate()
	if problem != birthOK {
		k.visit.birth.problem = string(problem)
		k.render()
		k.sayIfSpeaking(k.text.get(string(problem)))
		return
	}
	k.visit.birthDate = date
	k.checkIn(api.CheckInRequest{BirthDate: date})
}

// typedBirthDate checks the typed keys as read on screen and returns the
// date as the API wants it.
func (k *Kiosk) typedBirthDate() (string, birthDateProblem) {
	today := k.opts.Now().In(k.link.loc)
	f, ok := readBirthKeys(k.visit.birth.digits, today)
	if !ok || !f.complete() {
		return "", birthIncomplete
	}
	return parseBirthDate(f.digits(), today)
}

func (k *Kiosk) chooseAppointment(c api.Choice) {
	k.checkIn(api.CheckInRequest{BirthDate: k.visit.birthDate, Appointment: c.Appointment})
}
