package health

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"lotse/hardware/printer"
	"lotse/hardware/scanner"
	"lotse/hub/api"
	"lotse/hub/clocktest"
	"lotse/internal/heartbeat"
	"lotse/kiosk/ui"
)

// TestPrinterState plays print outcomes and status answers and checks
// the state reported and which steps ask for a report at once.
func TestPrinterState(t *testing.T) {
	type step struct {
		print  *error // a print's outcome
		probe  *printer.Status
		perr   error // the probe's error
		want   string
		notify bool
	}
	printed := func(err error) *error { return &err }
	paperOut := fmt.Errorf("print A042: %w (%w)", ui.ErrPaperOut, printer.ErrPaperOut)
	tests := []struct {
		name       string
		hasPrinter bool
		steps      []step
	}{
		{"paper out at a print, back after the roll is changed", true, []step{
			{print: printed(nil), want: api.PrinterOK},
			{print: printed(paperOut), want: api.PrinterPaperOut, notify: true},
			{print: printed(paperOut), want: api.PrinterPaperOut},
			{probe: &printer.Status{Known: true}, want: api.PrinterOK, notify: true},
		}},
		{"low roll seen by a status request stays low through prints", true, []step{
			{probe: &printer.Status{Known: true, PaperNearEnd: true}, want: api.PrinterPaperLow, notify: true},
			{print: printed(nil), want: api.PrinterPaperLow},
			{probe: &printer.Status{Known: true, PaperOut: true, Offline: true}, want: api.PrinterPaperOut, notify: true},
		}},
		{"offline, cover open, timeout", true, []step{
			{print: printed(fmt.Errorf("print to tcp://x: %w", printer.ErrOffline)), want: api.PrinterOffline, notify: true},
			{probe: &printer.Status{Known: true, Offline: true, CoverOpen: true}, want: api.PrinterOffline},
			{print: printed(nil), want: api.PrinterOK, notify: true},
			{probe: &printer.Status{}, perr: fmt.Errorf("print to x: %w", printer.ErrTimeout), want: api.PrinterOffline, notify: true},
			{probe: &printer.Status{}, want: api.PrinterOK, notify: true}, // a transport without status: it answered
		}},
		{"a transport without status keeps what the last print found", true, []step{
			{print: printed(paperOut), want: api.PrinterPaperOut, notify: true},
			{probe: &printer.Status{}, want: api.PrinterPaperOut},
			{probe: &printer.Status{Known: true}, want: api.PrinterOK, notify: true},
			{probe: &printer.Status{}, want: api.PrinterOK},
		}},
		{"a closing kiosk says nothing of the printer", true, []step{
			{print: printed(fmt.Errorf("print: %w", context.Canceled)), want: api.PrinterOK},
		}},
		{"no printer", false, []step{
			{print: printed(paperOut), want: api.PrinterNone},
			{probe: &printer.Status{Known: true}, want: api.PrinterNone},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := New(tt.hasPrinter, nil)
			notified := 0
			k.OnChange(func() { notified++ })
			for i, s := range tt.steps {
				before := notified
				if s.print != nil {
					k.Printed(*s.print)
				} else {
					k.Probed(*s.probe, s.perr)
				}
				if got := k.Status().Printer; got != s.want {
					t.Errorf("step %d: printer %q, want %q", i, got, s.want)
				}
				if got := notified > before; got != s.notify {
					t.Errorf("step %d: asked for a report at once: %v, want %v", i, got, s.notify)
				}
			}
		})
	}
}

// TestScannerState: all sources connected is connected; a lost one is
// lost until it is back, through its reconnect attempts.
func TestScannerState(t *testing.T) {
	type step struct {
		source string
		state  scanner.State
		want   api.Link
		notify bool
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"serial scanner unplugged and back", []step{
			{"serial:/dev/ttyACM0", scanner.StateConnecting, api.LinkNone, false},
			{"serial:/dev/ttyACM0", scanner.StateConnected, api.LinkConnected, false},
			{"serial:/dev/ttyACM0", scanner.StateDisconnected, api.LinkDisconnected, true},
			{"serial:/dev/ttyACM0", scanner.StateConnecting, api.LinkDisconnected, false},
			{"serial:/dev/ttyACM0", scanner.StateDisconnected, api.LinkDisconnected, false},
			{"serial:/dev/ttyACM0", scanner.StateConnected, api.LinkConnected, true},
		}},
		{"missing at start", []step{
			{"serial:/dev/ttyACM0", scanner.StateConnecting, api.LinkNone, false},
			{"serial:/dev/ttyACM0", scanner.StateDisconnected, api.LinkDisconnected, true},
		}},
		{"camera lost beside a working serial scanner", []step{
			{"serial:/dev/ttyACM0", scanner.StateConnected, api.LinkConnected, false},
			{"camera", scanner.StateConnected, api.LinkConnected, false},
			{"camera", scanner.StateStopped, api.LinkDisconnected, true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := New(false, nil)
			notified := 0
			k.OnChange(func() { notified++ })
			for i, s := range tt.steps {
				before := notified
				k.ScannerStatus(scanner.Status{Source: s.source, State: s.state})
				if got := k.Status().Scanner; got != s.want {
					t.Errorf("step %d: scanner %q, want %q", i, got, s.want)
				}
				if got := notified > before; got != s.notify {
					t.Errorf("step %d: asked for a report at once: %v, want %v", i, got, s.notify)
				}
			}
		})
	}
}

func TestLastScan(t *testing.T) {
	clock := clocktest.New(time.Date(2026, 3, 18, 9, 0, 0, 0, time.UTC))
	k := New(false, clock.Now)
	if st := k.Status(); !st.LastScan.IsZero() || st.Scanner != api.LinkNone || st.Kind != api.DeviceKiosk {
		t.Errorf("fresh kiosk: %+v", st)
	}
	clock.Advance(time.Minute)
	k.Scanned()
	if got := k.Status().LastScan.Time; !got.Equal(clock.Now()) {
		t.Errorf("last scan %v, want %v", got, clock.Now())
	}
}

// TestProbeLoop: the printer is asked at start and at every tick, with
// a deadline, and stops with its context.
func TestProbeLoop(t *testing.T) {
	k := New(true, nil)
	answers := []printer.Status{{Known: true, PaperNearEnd: true}, {Known: true, PaperOut: true}}
	probe := func(ctx context.Context) (printer.Status, error) {
		if _, ok := ctx.Deadline(); !ok {
			t.Error("a status request without deadline")
		}
		st := answers[0]
		answers = answers[1:]
		return st, nil
	}
	states := make(chan string, 4)
	k.OnChange(func() { states <- k.Status().Printer })
	ticks := make(chan time.Time)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { k.probeLoop(ctx, probe, ticks, time.Second); close(done) }()
	for _, want := range []string{api.PrinterPaperLow, api.PrinterPaperOut} {
		if got := <-states; got != want {
			t.Errorf("printer %q, want %q", got, want)
		}
		if want == api.PrinterPaperLow {
			ticks <- time.Now()
		}
	}
	cancel()
	<-done
}

// TestPaperOutAtOnce: a print that finds the roll empty reaches the hub
// without waiting for the next 5 s tick.
func TestPaperOutAtOnce(t *testing.T) {
	reports := make(chan api.DeviceStatus, 8)
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var st api.DeviceStatus
		if err := json.NewDecoder(r.Body).Decode(&st); err != nil {
			w.WriteHeader(http.StatusUnprocessableEntity)
			return
		}
		reports <- st
		w.WriteHeader(http.StatusNoContent)
	}))
	defer hub.Close()
	k := New(true, nil)
	rep := heartbeat.New(api.NewClient(hub.URL, "k1"), "buergerbuero-mitte", k.Status, slog.New(slog.NewTextHandler(io.Discard, nil)))
	rep.Ticks = make(chan time.Time) // never ticks
	k.OnChange(rep.Now)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { rep.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	next := func() api.DeviceStatus {
		select {
		case st := <-reports:
			return st
		case <-time.After(10 * time.Second):
			t.Fatal("no report")
		}
		return api.DeviceStatus{}
	}
	if st := next(); st.Printer != api.PrinterOK {
		t.Fatalf("first report: printer %q", st.Printer)
	}
	p := k.Printer(emptyRoll{})
	if err := p.Print(ctx, ui.PrintJob{Number: "A042"}); !errors.Is(err, ui.ErrPaperOut) {
		t.Fatalf("print: %v", err)
	}
	if st := next(); st.Printer != api.PrinterPaperOut || st.Kind != api.DeviceKiosk {
		t.Errorf("report after the print: %+v, want paper_out", st)
	}
}

// emptyRoll is a printer whose roll is empty.
type emptyRoll struct{}

func (emptyRoll) Print(ctx context.Context, job ui.PrintJob) error {
	return fmt.Errorf("print %s: %w (%w)", job.Number, ui.ErrPaperOut, printer.ErrPaperOut)
}
