package devicehealth

import (
	"reflect"
	"testing"
	"time"

	"lotse/hub/api"
	"lotse/hub/clocktest"
)

var start = time.Date(2026, time.November, 30, 9, 0, 0, 0, time.UTC)

func kiosk(office, name string, st api.DeviceStatus) Report {
	return Report{Device: name, Office: office, Kind: api.DeviceKiosk, Status: st}
}

// TestAlerts plays reports against the fake clock and checks the alerts
// and List's silence after each step.
func TestAlerts(t *testing.T) {
	ok := api.DeviceStatus{Version: "1.0", Printer: api.PrinterOK, Scanner: api.LinkConnected, Stream: api.LinkConnected}
	with := func(f func(*api.DeviceStatus)) api.DeviceStatus { s := ok; f(&s); return s }
	type step struct {
		advance time.Duration
		report  *Report // nil: only time passes
		want    []Alert // of office "mitte" at the clock's time after the step
		silent  bool    // List says k1 is silent
	}
	r := func(st api.DeviceStatus) *Report { rep := kiosk("mitte", "k1", st); return &rep }
	at := func(d time.Duration) time.Time { return start.Add(d) }
	tests := []struct {
		name  string
		steps []step
	}{
		{"healthy kiosk", []step{{report: r(ok)}, {advance: time.Minute}}},
		{"silent after exactly two minutes", []step{
			{report: r(ok)},
			{advance: SilentAfter - time.Second},
			{advance: time.Second, silent: true, want: []Alert{{Kind: AlertSilent, Device: "k1", Since: start, Text: "Kiosk k1 meldet sich seit 2 Minuten nicht mehr"}}},
			{report: r(ok)}, // back
		}},
		{"paper out keeps its start while reported again", []step{
			{report: r(ok)},
			{advance: 5 * time.Second, report: r(with(func(s *api.DeviceStatus) { s.Printer = api.PrinterPaperOut })),
				want: []Alert{{Kind: AlertPaperOut, Device: "k1", Since: at(5 * time.Second), Text: "Kiosk k1: Papier leer"}}},
			{advance: 5 * time.Second, report: r(with(func(s *api.DeviceStatus) { s.Printer = api.PrinterPaperOut })),
				want: []Alert{{Kind: AlertPaperOut, Device: "k1", Since: at(5 * time.Second), Text: "Kiosk k1: Papier leer"}}},
			{advance: 5 * time.Second, report: r(ok)},
		}},
		{"paper low", []step{{report: r(with(func(s *api.DeviceStatus) { s.Printer = api.PrinterPaperLow })),
			want: []Alert{{Kind: AlertPaperLow, Device: "k1", Since: start, Text: "Kiosk k1: Papier fast leer"}}}}},
		{"printer offline and scanner lost", []step{{report: r(with(func(s *api.DeviceStatus) {
			s.Printer, s.Scanner = api.PrinterOffline, api.LinkDisconnected
		})), want: []Alert{
			{Kind: AlertPrinterOffline, Device: "k1", Since: start, Text: "Kiosk k1: Drucker nicht erreichbar"},
			{Kind: AlertScannerLost, Device: "k1", Since: start, Text: "Kiosk k1: Scanner nicht verbunden"},
		}}}},
		{"no printer and a wedge scanner are no problem", []step{{report: r(api.DeviceStatus{Version: "1.0"})}}},
		{"silence hides the stale paper state", []step{
			{report: r(with(func(s *api.DeviceStatus) { s.Printer = api.PrinterPaperOut })),
				want: []Alert{{Kind: AlertPaperOut, Device: "k1", Since: start, Text: "Kiosk k1: Papier leer"}}},
			{advance: 10 * time.Minute, silent: true,
				want: []Alert{{Kind: AlertSilent, Device: "k1", Since: start, Text: "Kiosk k1 meldet sich seit 10 Minuten nicht mehr"}}},
		}},
		{"another office's kiosk is not this office's", []step{{report: &Report{Device: "k1", Office: "nord", Kind: api.DeviceKiosk,
			Status: with(func(s *api.DeviceStatus) { s.Printer = api.PrinterPaperOut })}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := clocktest.New(start)
			d := New(clock.Now)
			for i, s := range tt.steps {
				clock.Advance(s.advance)
				if s.report != nil {
					d.Record(*s.report)
				}
				if got := d.Alerts("mitte", clock.Now()); !reflect.DeepEqual(got, s.want) {
					t.Errorf("step %d: alerts\n got %+v\nwant %+v", i, got, s.want)
				}
				for _, h := range d.List("mitte") {
					if h.Silent != s.silent {
						t.Errorf("step %d: %s silent = %v, want %v", i, h.Device, h.Silent, s.silent)
					}
				}
			}
		})
	}
}

// TestList checks what List keeps of a report: the hub's time of
// receipt, "none" for what a device did not say, one entry per device.
func TestList(t *testing.T) {
	clock := clocktest.New(start)
	d := New(clock.Now)
	scan := start.Add(-time.Minute)
	d.Record(kiosk("mitte", "k2", api.DeviceStatus{Version: "1.0", UptimeSeconds: 7, Printer: api.PrinterOK,
		Scanner: api.LinkConnected, LastScan: api.OptionalTime{Time: scan}, Stream: api.LinkConnected}))
	clock.Advance(time.Second)
	d.Record(Report{Device: "tv", Office: "mitte", Kind: api.DeviceDisplay, Status: api.DeviceStatus{Version: "1.0", Stream: api.LinkDisconnected}})
	d.Record(kiosk("mitte", "k1", api.DeviceStatus{Version: "0.9"}))
	clock.Advance(time.Second)
	d.Record(kiosk("mitte", "k1", api.DeviceStatus{Version: "1.0", UptimeSeconds: 1}))
	d.Record(kiosk("nord", "k1", api.DeviceStatus{Version: "1.0"}))
	// Sorted by kind, then name.
	want := []DeviceHealth{
		{Device: "tv", Office: "mitte", Kind: api.DeviceDisplay, Version: "1.0", Printer: api.PrinterNone, Scanner: api.LinkNone,
			Stream: api.LinkDisconnected, ReportedAt: start.Add(time.Second)},
		{Device: "k1", Office: "mitte", Kind: api.DeviceKiosk, Version: "1.0", UptimeSeconds: 1, Printer: api.PrinterNone,
			Scanner: api.LinkNone, Stream: api.LinkNone, ReportedAt: start.Add(2 * time.Second)},
		{Device: "k2", Office: "mitte", Kind: api.DeviceKiosk, Version: "1.0", UptimeSeconds: 7, Printer: api.PrinterOK,
			Scanner: api.LinkConnected, LastScan: api.OptionalTime{Time: scan}, Stream: api.LinkConnected, ReportedAt: start},
	}
	got := d.List("mitte")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("List\n got %+v\nwant %+v", got, want)
	}
	if n := len(d.List("")); n != 4 {
		t.Errorf("List of every office: %d devices, want 4", n)
	}
}
