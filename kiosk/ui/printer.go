package ui

import (
	"context"
	"errors"
	"time"
)

// Printer prints tickets. Print must return when ctx ends; the kiosk calls
// it from a goroutine of its own and never waits for it.
type Printer interface {
	Print(ctx context.Context, job PrintJob) error
}

// ErrPaperOut is returned (wrapped) by a Printer that has no paper left;
// the kiosk then asks the citizen to remember the number on screen.
var ErrPaperOut = errors.New("printer out of paper")

// PrintJob is what a paper ticket shows. It holds no personal data.
type PrintJob struct {
	Office      string
	Number      string
	Services    []string
	Appointment *time.Time // in the office's time zone; nil for walk-ins
	WaitMinutes *int
	Issued      time.Time
}
