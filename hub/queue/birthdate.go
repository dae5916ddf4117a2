package queue

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// MaxBirthAge is the age in years beyond which a birth date is taken for
// an error (a mistyped century, a placeholder like 1800-01-01). The oldest
// person on record (Jeanne Calment) lived to 122 years; 130 leaves margin,
// so that nobody real is ever refused. The hub's check-in and the booking
// sync apply this one rule; the kiosk reads the number as api.MaxBirthAge.
const MaxBirthAge = 130

// ParseBirthDate reads a birth date as YYYY-MM-DD (blanks around it are
// ignored) and returns it in that form. The date must be real, not after
// today's calendar date (in today's location) and not more than
// MaxBirthAge years before it. A failure is an Invalid error.
func ParseBirthDate(s string, today time.Time) (string, error) {
	d, err := time.Parse(DayFormat, strings.TrimSpace(s))
	if err != nil {
		return "", &Error{Code: Invalid, Message: "the birth date must be a real date, YYYY-MM-DD", Err: err}
	}
	y, m, dd := today.Date()
	day := time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)
	if d.After(day) || d.Before(day.AddDate(-MaxBirthAge, 0, 0)) {
		return "", Errorf(Invalid, "the birth date is not plausible")
	}
	return d.Format(DayFormat), nil
}

// BirthHash is the keyed hash under which birth dates are kept: the queue
// matches on it, and a plain birth date never reaches the store. date is
// what ParseBirthDate returns.
func BirthHash(key []byte, date string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(date))
	return hex.EncodeToString(mac.Sum(nil))
}
