package ui

import (
	"testing"

	"lotse/hardware/qr"
	"lotse/kiosk/internal/fakehub"
)

// TestTicketScreenStatusLink checks that every way to a ticket (appointment
// code, birth date, walk-in) shows the ticket's status page on screen as a
// QR code a phone can read and as a short link, on every screen size, and
// hands it to the printer.
func TestTicketScreenStatusLink(t *testing.T) {
	tests := []struct {
		name   string
		number string
		draw   func(h *harness)
	}{
		{"check-in by code", "A001", func(h *harness) { h.scan(fakehub.CodeGood) }},
		{"check-in by birth date", "A003", func(h *harness) {
			h.tap("Mit Geburtsdatum anmelden")
			h.waitScreen(ScreenBirthDate)
			h.typeDigits("15031950")
			h.tap("Weiter")
		}},
		{"walk-in", "A101", func(h *harness) {
			h.tap("Ohne Termin")
			h.waitScreen(ScreenWalkIn)
			h.tap("Anmeldung einer Wohnung")
		}},
	}
	for _, sz := range screenSizes {
		for _, tt := range tests {
			t.Run(sz.name+"/"+tt.name, func(t *testing.T) {
				p := &fakePrinter{}
				h := newHarness(t, sz.size, func(o *Options) { o.Printer = p })
				tt.draw(h)
				h.waitScreen(ScreenTicket)
				url := fakehub.StatusURL(tt.number)
				h.wantText(tt.number, ShortLink(url),
					"Verfolgen Sie Ihre Wartezeit auf dem Handy: Code scannen oder Adresse eingeben.")
				var got string
				var err error
				h.do(func() { got, err = qr.Decode(h.window.Canvas().Capture()) })
				if err != nil || got != url {
					t.Errorf("QR code on screen = %q, %v; want %q", got, err, url)
				}
				waitFor(t, func() bool {
					p.mu.Lock()
					defer p.mu.Unlock()
					return len(p.jobs) == 1
				}, "print job")
				p.mu.Lock()
				defer p.mu.Unlock()
				if p.jobs[0].StatusURL != url {
					t.Errorf("print job's status URL = %q, want %q", p.jobs[0].StatusURL, url)
				}
			})
		}
	}
}

func TestShortLink(t *testing.T) {
	tests := []struct{ url, want string }{
		{"https://termine.stadt.de/t/AbCdEfGhIjKlMnOpQrStUv", "termine.stadt.de/t/AbCdEfGhIjKlMnOpQrStUv"},
		{"http://192.0.2.7:8443/t/x", "192.0.2.7:8443/t/x"},
		{"HTTPS://Termine.Stadt.de/buergerbuero/t/x/", "Termine.Stadt.de/buergerbuero/t/x"},
		{" https://a.de/t/x ", "a.de/t/x"},
		{"a.de/t/x", "a.de/t/x"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := ShortLink(tt.url); got != tt.want {
			t.Errorf("ShortLink(%q) = %q, want %q", tt.url, got, tt.want)
		}
	}
}
