package main

import (
	"log/slog"

	"lotse/kiosk/ui"
)

// openPrinter returns the ticket printer for the -printer setting, or nil
// for none.
func openPrinter(target string, log *slog.Logger) (ui.Printer, error) {
	if target == "" {
		return nil, nil
	}
	// hardware/printer is not there yet: run without printing rather than
	// refusing to start, and say so.
	log.Warn("ticket printing not available in this build; tickets are shown on screen only", "printer", target)
	return nil, nil
}
