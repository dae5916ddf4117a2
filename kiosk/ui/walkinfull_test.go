package ui

import (
	"testing"

	"lotse/hub/api"
	"lotse/kiosk/internal/fakehub"
)

// TestWalkInsFullPointToBooking: when the hub refuses a walk-in with
// walkins_full, the kiosk says so plainly in the citizen's language and
// names the office's online booking, without "https://"; an office
// without one gets the sentence without an address.
func TestWalkInsFullPointToBooking(t *testing.T) {
	tests := []struct {
		name     string
		booking  string
		language string // button on the idle screen; "" stays German
		walkIn   string
		service  string
		want     string
	}{
		{name: "German", booking: "https://termine.example.de/mitte/", walkIn: "Ohne Termin", service: "Reisepass",
			want: "Heute können wir leider keine Personen ohne Termin mehr annehmen. Termine: termine.example.de/mitte"},
		{name: "English", booking: "https://termine.example.de/mitte", language: "English", walkIn: "Without appointment", service: "Passport",
			want: "Unfortunately we cannot take any more people without an appointment today. Appointments: termine.example.de/mitte"},
		{name: "no booking address", walkIn: "Ohne Termin", service: "Reisepass",
			want: "Heute können wir leider keine Personen ohne Termin mehr annehmen. Bitte buchen Sie einen Termin."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := fakehub.DefaultOffice()
			o.BookingURL = tt.booking
			h := newHarnessWithOffice(t, landscape, o)
			err := &api.Error{Status: 409, ErrorDetail: api.ErrorDetail{Code: api.CodeWalkInsFull, Message: "full"}}
			h.do(func() { h.kiosk.hub = errHub{h.kiosk.hub, err} })
			if tt.language != "" {
				h.tap(tt.language)
			}
			h.tap(tt.walkIn)
			h.tap(tt.service)
			h.waitScreen(ScreenMessage)
			h.wantText(tt.want)
		})
	}
}
