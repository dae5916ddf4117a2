package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"lotse/hardware/printer"
	"lotse/kiosk/ui"
)

// ticketPrinter adapts hardware/printer to the kiosk's ui.Printer.
type ticketPrinter struct {
	p *printer.Printer
}

// Print prints the job; a printer without paper reports ui.ErrPaperOut so
// the kiosk can ask the citizen to remember the number.
func (t ticketPrinter) Print(ctx context.Context, job ui.PrintJob) error {
	ticket := printer.Ticket{
		Office:   job.Office,
		Number:   job.Number,
		Services: job.Services,
		Footer:   printer.CallFooter,
		Printed:  job.Issued,
	}.WithStatusLink(job.StatusURL)
	var layout printer.Layout
	if job.Appointment != nil {
		ticket.Appointment = *job.Appointment
		layout.Location = job.Appointment.Location()
	} else {
		layout.Location = job.Issued.Location()
	}
	err := t.p.PrintTicket(ctx, ticket, layout)
	if errors.Is(err, printer.ErrPaperOut) {
		return fmt.Errorf("print %s: %w (%w)", job.Number, ui.ErrPaperOut, err)
	}
	if err != nil {
		return fmt.Errorf("print %s: %w", job.Number, err)
	}
	return nil
}

// openPrinter returns the ticket printer for the -printer setting, or nil
// for none.
func openPrinter(spec string, log *slog.Logger) (ui.Printer, error) {
	if spec == "" {
		return nil, nil
	}
	p, err := printer.Open(spec, printer.Options{Logger: log})
	if err != nil {
		return nil, fmt.Errorf("printer %s: %w", spec, err)
	}
	return ticketPrinter{p: p}, nil
}
