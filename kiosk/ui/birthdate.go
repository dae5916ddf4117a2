package ui

import (
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
	birthIncomplete birthDateProblem = "birth_invalid"
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

// formatBirthDigits shows typed digits in the DD.MM.YYYY mask, with the
// mask's letters (TT.MM.JJJJ in German) where nothing is typed yet.
func formatBirthDigits(digits, mask string) string {
	maskRunes := []rune(mask)
	if len(maskRunes) != birthDateDigits+2 {
		maskRunes = []rune("DD.MM.YYYY")
	}
	out := make([]rune, 0, len(maskRunes))
	typed := []rune(digits)
	i := 0
	for _, r := range maskRunes {
		if r == '.' {
			out = append(out, r)
			continue
		}
		if i < len(typed) {
			out = append(out, typed[i])
		} else {
			out = append(out, r)
		}
		i++
	}
	return string(out)
}

// The birth-date keypad's keys.

// birthBackspace corrects the last digit; the date's problem goes with it.
func (k *Kiosk) birthBackspace() {
	k.touch()
	k.visit.birth.backspace()
	k.visit.birth.problem = ""
	k.render()
}

func (k *Kiosk) birthClear() {
	k.touch()
	k.visit.birth.reset()
	k.render()
}

func (k *Kiosk) birthContinue() {
	k.touch()
	date, problem := parseBirthDate(k.visit.birth.digits, k.opts.Now().In(k.link.loc))
	if problem != birthOK {
		k.visit.birth.problem = string(problem)
		k.render()
		return
	}
	k.visit.birthDate = date
	k.checkIn(api.CheckInRequest{BirthDate: date})
}

func (k *Kiosk) chooseAppointment(c api.Choice) {
	k.checkIn(api.CheckInRequest{BirthDate: k.visit.birthDate, Appointment: c.Appointment})
}
