// Package health gathers what a kiosk reports about itself to the hub:
// the state of its ticket printer, of its scanners, the time of its last
// scan. The kiosk's parts tell it of each change; the heartbeat reads it
// every few seconds, and at once when the printer runs out of paper or a
// scanner goes, so that staff learn of it before the next citizen does.
package health

import (
	"context"
	"errors"
	"sync"
	"time"

	"lotse/hardware/printer"
	"lotse/hardware/scanner"
	"lotse/hub/api"
	"lotse/kiosk/ui"
)

// Kiosk is the kiosk's state. It is safe for concurrent use: the printer
// goroutines, the scanner sources and the UI all report to it.
type Kiosk struct {
	now func() time.Time

	mu       sync.Mutex
	printer  string                   // an api.Printer… state
	scanners map[string]scanner.State // serial and camera sources by name
	lastScan time.Time
	changed  func()
}

// New returns the state of a kiosk; hasPrinter says whether it has a
// ticket printer. now is the clock of the last scan (nil: time.Now).
func New(hasPrinter bool, now func() time.Time) *Kiosk {
	if now == nil {
		now = time.Now
	}
	k := &Kiosk{now: now, printer: api.PrinterNone, scanners: map[string]scanner.State{}}
	if hasPrinter {
		// Until a print or a status request says otherwise: a printer that
		// accepted its settings is taken to be ready.
		k.printer = api.PrinterOK
	}
	return k
}

// OnChange sets what to call when the printer or a scanner changes state,
// typically the heartbeat's Now. f must not block.
func (k *Kiosk) OnChange(f func()) {
	k.mu.Lock()
	k.changed = f
	k.mu.Unlock()
}

// Status returns the kiosk's state as the hub takes it.
func (k *Kiosk) Status() api.DeviceStatus {
	k.mu.Lock()
	defer k.mu.Unlock()
	st := api.DeviceStatus{Kind: api.DeviceKiosk, Printer: k.printer, Scanner: api.LinkNone,
		LastScan: api.OptionalTime{Time: k.lastScan},
		// The kiosk follows no stream: it asks the hub per citizen, and a
		// kiosk that cannot reach the hub shows as silent.
		Stream: api.LinkNone}
	if len(k.scanners) > 0 {
		st.Scanner = api.LinkConnected
		for _, s := range k.scanners {
			if s != scanner.StateConnected {
				st.Scanner = api.LinkDisconnected
			}
		}
	}
	return st
}

// ScannerStatus takes a serial or camera source's state changes (its
// OnStatus). A source retrying after a loss passes through "connecting"
// again and again; that is no change, so a lost scanner stays lost until
// it is connected again.
func (k *Kiosk) ScannerStatus(s scanner.Status) {
	if s.State == scanner.StateConnecting {
		return
	}
	if s.State == scanner.StateStopped {
		s.State = scanner.StateDisconnected
	}
	k.mu.Lock()
	old, known := k.scanners[s.Source]
	k.scanners[s.Source] = s.State
	k.mu.Unlock()
	// The first connection is no news; any loss and its end are.
	if old != s.State && (known || s.State != scanner.StateConnected) {
		k.notify()
	}
}

// Scanned records a scan: the scanner works, whatever the code was.
func (k *Kiosk) Scanned() {
	k.mu.Lock()
	k.lastScan = k.now()
	k.mu.Unlock()
}

// Printed takes the outcome of a print job. Success does not clear a low
// roll: only a status request can see the roll.
func (k *Kiosk) Printed(err error) {
	if errors.Is(err, context.Canceled) {
		return // the kiosk is closing; this says nothing about the printer
	}
	state := printState(err)
	k.mu.Lock()
	if state == api.PrinterOK && k.printer == api.PrinterPaperLow {
		state = api.PrinterPaperLow
	}
	k.mu.Unlock()
	k.setPrinter(state)
}

// Probed takes the answer of a printer status request.
func (k *Kiosk) Probed(st printer.Status, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	switch {
	case err != nil:
		k.setPrinter(printState(err))
	case !st.Known:
		// The link opened, but the transport cannot tell the printer's
		// state (a USB device file, a network printer that does not
		// answer): it is not offline, and its paper is what the last
		// print found.
		k.mu.Lock()
		offline := k.printer == api.PrinterOffline
		k.mu.Unlock()
		if offline {
			k.setPrinter(api.PrinterOK)
		}
	case st.Err() != nil:
		k.setPrinter(printState(st.Err()))
	case st.PaperNearEnd:
		k.setPrinter(api.PrinterPaperLow)
	default:
		k.setPrinter(api.PrinterOK)
	}
}

// printState names the printer state an error of the printer shows.
func printState(err error) string {
	switch {
	case err == nil:
		return api.PrinterOK
	case errors.Is(err, ui.ErrPaperOut), errors.Is(err, printer.ErrPaperOut):
		return api.PrinterPaperOut
	}
	// Offline, cover open, timeout, a device that is gone: the printer
	// cannot print, and someone has to go and look.
	return api.PrinterOffline
}

func (k *Kiosk) setPrinter(state string) {
	k.mu.Lock()
	if k.printer == api.PrinterNone || k.printer == state {
		k.mu.Unlock()
		return
	}
	k.printer = state
	k.mu.Unlock()
	k.notify()
}

func (k *Kiosk) notify() {
	k.mu.Lock()
	f := k.changed
	k.mu.Unlock()
	if f != nil {
		f()
	}
}

// Printer returns p with every print's outcome reported to k.
func (k *Kiosk) Printer(p ui.Printer) ui.Printer {
	if p == nil {
		return nil
	}
	return watchedPrinter{p: p, k: k}
}

type watchedPrinter struct {
	p ui.Printer
	k *Kiosk
}

func (w watchedPrinter) Print(ctx context.Context, job ui.PrintJob) error {
	err := w.p.Print(ctx, job)
	w.k.Printed(err)
	return err
}

// ProbePrinter asks the printer for its status every interval until ctx
// ends, each request bounded by timeout: a roll that runs low or out, or
// a printer switched off, shows between citizens, not only at the next
// ticket.
func (k *Kiosk) ProbePrinter(ctx context.Context, probe func(context.Context) (printer.Status, error), every, timeout time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	k.probeLoop(ctx, probe, t.C, timeout)
}

func (k *Kiosk) probeLoop(ctx context.Context, probe func(context.Context) (printer.Status, error), ticks <-chan time.Time, timeout time.Duration) {
	for {
		pctx, cancel := context.WithTimeout(ctx, timeout)
		st, err := probe(pctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		k.Probed(st, err)
		select {
		case <-ctx.Done():
			return
		case <-ticks:
		}
	}
}
