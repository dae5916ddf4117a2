package main

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"lotse/hardware/printer"
	"lotse/hub/api"
	"lotse/internal/heartbeat"
	"lotse/kiosk/config"
	"lotse/kiosk/internal/health"
	"lotse/kiosk/ui"
)

// How often the kiosk asks its printer for its state between tickets, and
// how long it waits for the answer: a job waits behind the request, so
// the wait stays short.
const (
	printerProbeEvery   = 15 * time.Second
	printerProbeTimeout = 2 * time.Second
)

// watchHealth starts the kiosk's reports to the hub: every 5 s, and at
// once when the printer or a scanner changes state. The returned state
// takes the print outcomes, the scanners' states and the scans.
func watchHealth(ctx context.Context, cfg config.Settings, p ui.Printer, log *slog.Logger) *health.Kiosk {
	k := health.New(p != nil, nil)
	rep := heartbeat.New(api.NewClient(cfg.Hub, cfg.Token), cfg.Office, k.Status, log)
	k.OnChange(rep.Now)
	go rep.Run(ctx)
	if tp, ok := p.(ticketPrinter); ok {
		go k.ProbePrinter(ctx, probe(tp.p), printerProbeEvery, printerProbeTimeout)
	}
	return k
}

// probe asks the printer for its status as a print would judge it: a
// network printer that does not answer the request but takes the
// connection prints, so it is not offline; its paper is unknown.
func probe(p *printer.Printer) func(context.Context) (printer.Status, error) {
	return func(ctx context.Context) (printer.Status, error) {
		st, err := p.Status(ctx)
		if errors.Is(err, printer.ErrNoStatus) && strings.HasPrefix(p.String(), "tcp://") {
			return printer.Status{}, nil
		}
		return st, err
	}
}
