package instance

import (
	"context"
	"fmt"
	"log/slog"

	"lotse/hardware/printer"
	"lotse/hub/server"
)

// deskPrinter prints the desk's tickets as the kiosk prints its own.
type deskPrinter struct{ p *printer.Printer }

// openDeskPrinters opens the desk printers by office; specs as
// printer.Open takes them (tcp://host:9100, /dev/usb/lp0, file:PATH).
func openDeskPrinters(specs map[string]string, log *slog.Logger) (map[string]server.DeskPrinter, error) {
	out := map[string]server.DeskPrinter{}
	for office, spec := range specs {
		if spec == "" {
			continue
		}
		p, err := printer.Open(spec, printer.Options{Logger: log})
		if err != nil {
			return nil, fmt.Errorf("office %s: desk printer: %w", office, err)
		}
		out[office] = deskPrinter{p}
	}
	return out, nil
}

// PrintTicket prints t.
func (d deskPrinter) PrintTicket(ctx context.Context, t server.DeskTicket) error {
	ticket := printer.Ticket{Office: t.Office, Number: t.Number, Services: t.Services, Appointment: t.Appointment,
		Footer: printer.CallFooter, Printed: t.Issued}.WithStatusLink(t.StatusURL)
	if err := d.p.PrintTicket(ctx, ticket, printer.Layout{Location: t.Location}); err != nil {
		return fmt.Errorf("print %s on %s: %w", t.Number, d.p, err)
	}
	return nil
}
