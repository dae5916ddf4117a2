package queue

import (
	"errors"
	"fmt"
	"time"
)

// Code classifies an error so that the API can map it to a status and the
// apps can show a message in the citizen's language.
type Code string

// The domain's error codes. The API maps them to HTTP statuses; the kiosk
// and the counter workplace translate them. Codes that only the HTTP layer
// produces (unauthorized, rate_limited, wrong_office, …) are the server's.
const (
	NotFound    Code = "not_found"
	Conflict    Code = "conflict"
	Invalid     Code = "invalid"
	TooEarly    Code = "too_early"
	TooLate     Code = "too_late"
	Unavailable Code = "unavailable"
	Internal    Code = "internal"
	// AlreadyServed: a check-in for an appointment whose ticket was
	// served today. The kiosk says so instead of showing a number that
	// will never be called.
	AlreadyServed Code = "already_served"
	// SeeDesk: a check-in the kiosk cannot settle, such as a missed or
	// given-up ticket where the office sends people to the desk.
	SeeDesk Code = "see_desk"
	// WalkInsFull: no more walk-in tickets for the service today: the
	// staffed counters cannot serve another before closing, the daily
	// quota is drawn, or the office has closed. Freed capacity opens
	// them again; the kiosk points to online booking.
	WalkInsFull Code = "walkins_full"
)

// Choice is one of several appointments that matched a birth date. It
// carries no name: the kiosk shows time and services only.
type Choice struct {
	Appointment string
	Start       time.Time
	Services    []ServiceCount
}

// Error is a domain error with a code and what the caller needs to help the
// citizen: when to come back, which office is right, which appointments match.
type Error struct {
	Code    Code
	Message string // English, for logs and API clients; apps translate by Code

	ComeBackAt time.Time // too_early: the start of the check-in window
	Office     string    // wrong_office: the office the appointment belongs to
	Choices    []Choice  // conflict: several appointments matched
	Err        error     // the cause, if any
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, Internal for
// any other error and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}
