// Package devicehealth keeps the latest status report of every kiosk and
// display and judges it: which devices have gone silent, which printer is
// out of paper, which scanner is gone. It holds only the last report per
// device, in memory; a hub restart forgets them until the devices report
// again, seconds later.
package devicehealth

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"lotse/hub/api"
)

// SilentAfter is how long a device may stay without a report before it is
// called silent. Devices report every 5 s, so this is many lost reports,
// not one slow network.
const SilentAfter = 2 * time.Minute

// DeviceHealth is the hub's view of one device (the wire shape of the
// devices API and the supervision page).
type DeviceHealth = api.DeviceHealth

// Kinds of alerts.
const (
	AlertSilent         = "device_silent"
	AlertPaperOut       = "paper_out"
	AlertPaperLow       = "paper_low"
	AlertPrinterOffline = "printer_offline"
	AlertScannerLost    = "scanner_lost"
)

// Alert is a device problem a member of staff should act on.
type Alert struct {
	Kind   string    `json:"kind"`
	Device string    `json:"device"`
	Since  time.Time `json:"since"` // when the problem began, by the hub's clock
	Text   string    `json:"text"`  // German, for the supervision page
}

// Report is one status report of a device as the hub accepted it.
type Report struct {
	Device string // name from the device token
	Office string
	Kind   string // api.DeviceKiosk or api.DeviceDisplay
	Status api.DeviceStatus
}

// Devices is the registry of the devices' latest reports. It is safe for
// concurrent use and starts no goroutine: silence is judged when asked.
type Devices struct {
	now func() time.Time

	mu      sync.Mutex
	devices map[key]*entry
}

type key struct{ office, device, kind string }

type entry struct {
	health DeviceHealth
	// printerSince and scannerSince are when the printer and scanner
	// entered their current state (hub clock), so that an alert says how
	// long a problem has lasted, not when the last report came.
	printerSince, scannerSince time.Time
}

// New returns an empty registry that stamps reports with now (the hub's
// clock).
func New(now func() time.Time) *Devices {
	if now == nil {
		now = time.Now
	}
	return &Devices{now: now, devices: map[key]*entry{}}
}

// Record keeps r as the device's latest report, received now. Missing
// states read as "none". Memory stays bounded by the configured devices:
// the caller has checked the token, the office and the kind.
func (d *Devices) Record(r Report) {
	now := d.now()
	st := r.Status
	h := DeviceHealth{
		Device: r.Device, Office: r.Office, Kind: r.Kind, Version: st.Version, UptimeSeconds: st.UptimeSeconds,
		Printer: orNone(st.Printer), Scanner: linkOrNone(st.Scanner), LastScan: st.LastScan,
		Stream: linkOrNone(st.Stream), ReportedAt: now,
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	k := key{r.Office, r.Device, r.Kind}
	e, ok := d.devices[k]
	if !ok {
		e = &entry{printerSince: now, scannerSince: now}
		d.devices[k] = e
	}
	if !ok || e.health.Printer != h.Printer {
		e.printerSince = now
	}
	if !ok || e.health.Scanner != h.Scanner {
		e.scannerSince = now
	}
	e.health = h
}

// Expect registers a device the configuration names, as if it had
// reported at the hub's start with nothing to say: the registry lives in
// memory, and a kiosk that died with the hub would otherwise never be
// missed. It counts as silent SilentAfter later unless it reports.
func (d *Devices) Expect(office, device, kind string) {
	now := d.now()
	d.mu.Lock()
	defer d.mu.Unlock()
	k := key{office, device, kind}
	if _, ok := d.devices[k]; ok {
		return
	}
	d.devices[k] = &entry{printerSince: now, scannerSince: now, health: DeviceHealth{
		Device: device, Office: office, Kind: kind, Printer: api.PrinterNone, Scanner: api.LinkNone, Stream: api.LinkNone, ReportedAt: now}}
}

// List returns the office's devices ("" for every office), sorted by
// kind and name, with Silent judged by the registry's clock.
func (d *Devices) List(office string) []DeviceHealth {
	now := d.now()
	d.mu.Lock()
	out := make([]DeviceHealth, 0, len(d.devices))
	for k, e := range d.devices {
		if office != "" && k.office != office {
			continue
		}
		h := e.health
		h.Silent = silent(h, now)
		out = append(out, h)
	}
	d.mu.Unlock()
	slices.SortFunc(out, func(a, b DeviceHealth) int {
		return strings.Compare(a.Office+"\x00"+a.Kind+"\x00"+a.Device, b.Office+"\x00"+b.Kind+"\x00"+b.Device)
	})
	return out
}

// Alerts returns the office's device problems as of now ("" for every
// office), oldest first. A silent device raises only its silence: the
// rest of its last report may no longer be true.
func (d *Devices) Alerts(office string, now time.Time) []Alert {
	var out []Alert
	d.mu.Lock()
	for k, e := range d.devices {
		if office != "" && k.office != office {
			continue
		}
		out = append(out, alerts(e, now)...)
	}
	d.mu.Unlock()
	slices.SortFunc(out, func(a, b Alert) int {
		if c := a.Since.Compare(b.Since); c != 0 {
			return c
		}
		return strings.Compare(a.Device+"\x00"+a.Kind, b.Device+"\x00"+b.Kind)
	})
	return out
}

func alerts(e *entry, now time.Time) []Alert {
	h := e.health
	name := deviceName(h)
	if silent(h, now) {
		return []Alert{{Kind: AlertSilent, Device: h.Device, Since: h.ReportedAt,
			Text: fmt.Sprintf("%s meldet sich seit %s nicht mehr", name, minutes(now.Sub(h.ReportedAt)))}}
	}
	var out []Alert
	switch h.Printer {
	case api.PrinterPaperOut:
		out = append(out, Alert{Kind: AlertPaperOut, Device: h.Device, Since: e.printerSince, Text: name + ": Papier leer"})
	case api.PrinterPaperLow:
		out = append(out, Alert{Kind: AlertPaperLow, Device: h.Device, Since: e.printerSince, Text: name + ": Papier fast leer"})
	case api.PrinterOffline:
		out = append(out, Alert{Kind: AlertPrinterOffline, Device: h.Device, Since: e.printerSince, Text: name + ": Drucker nicht erreichbar"})
	}
	if h.Scanner == api.LinkDisconnected {
		out = append(out, Alert{Kind: AlertScannerLost, Device: h.Device, Since: e.scannerSince, Text: name + ": Scanner nicht verbunden"})
	}
	return out
}

// silent reports whether the device's last report is SilentAfter old or
// older.
func silent(h DeviceHealth, now time.Time) bool { return now.Sub(h.ReportedAt) >= SilentAfter }

// deviceName is how the German texts name a device: "Kiosk eingang-1",
// "Anzeige wartezone".
func deviceName(h DeviceHealth) string {
	if h.Kind == api.DeviceDisplay {
		return "Anzeige " + h.Device
	}
	return "Kiosk " + h.Device
}

// minutes says a duration in whole minutes, in German.
func minutes(d time.Duration) string {
	m := int(d / time.Minute)
	if m == 1 {
		return "1 Minute"
	}
	return fmt.Sprintf("%d Minuten", m)
}

func orNone(s string) string {
	if s == "" {
		return api.PrinterNone
	}
	return s
}

func linkOrNone(l api.Link) api.Link {
	if l == "" {
		return api.LinkNone
	}
	return l
}
