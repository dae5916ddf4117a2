package ui

import (
	"context"
	"errors"
	"time"

	"lotse/assets"
	"lotse/hardware/printer"
	"lotse/hub/api"
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
	// StatusURL is the ticket's own page for the citizen's phone, printed
	// as a QR code and as ShortLink; empty when the hub gives none.
	StatusURL string
}

// ShortLink is url as a citizen types it (printer.ShortLink): the
// screen shows what the paper prints.
func ShortLink(url string) string { return printer.ShortLink(url) }

// print prints t with a deadline; the outcome updates the ticket screen if
// it still shows t. The UI never waits for the printer.
func (k *Kiosk) print(t api.Ticket) {
	job := k.printJob(t)
	gen := k.requestGen
	ctx := k.ctx
	go func() {
		ctx, cancel := context.WithTimeout(ctx, k.opts.PrintTimeout)
		err := k.opts.Printer.Print(ctx, job)
		cancel()
		note := "result_printed"
		switch {
		case errors.Is(err, ErrPaperOut):
			note = "printer_paper_out"
		case err != nil:
			note = "printer_failed"
		}
		if err != nil {
			k.log.Warn("ticket not printed", "number", job.Number, "err", err)
		}
		k.opts.Do(func() {
			if gen != k.requestGen || k.screen != ScreenTicket {
				return
			}
			k.visit.printNote = note
			k.render()
		})
	}()
}

// printJob is what goes on paper: German, because receipt printers' code
// pages cannot print every script, and with no personal data.
func (k *Kiosk) printJob(t api.Ticket) PrintJob {
	job := PrintJob{Number: t.Number, Issued: k.opts.Now().In(k.link.loc), WaitMinutes: t.WaitMinutes,
		StatusURL: t.StatusURL}
	if k.link.office != nil {
		job.Office = k.link.office.Name
	}
	job.Services = k.serviceLines(t.Services, assets.SourceLanguage)
	if t.AppointmentStart != nil {
		s := t.AppointmentStart.In(k.link.loc)
		job.Appointment = &s
	}
	return job
}
