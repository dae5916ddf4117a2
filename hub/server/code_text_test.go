package server

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"lotse/hub/api"
	"lotse/hub/booking"
)

// TestCheckInCodeAsPassedOn (issues 10.2 and 11.1): a code as a mail
// program, PDF viewer, messenger or person passes it on — punctuation
// after it, markup around it, full-width forms, encoded separators —
// checks in like the plain code. Read wrongly, it would be a wrong secret
// and, after a few scans, lock the person's own code.
func TestCheckInCodeAsPassedOn(t *testing.T) {
	native := func(a booking.Appointment) string { return "LOTSE:" + a.ID + ":" + a.Secret }
	link := func(a booking.Appointment) string {
		return "https://termine.example.de/?appointment=" + a.ID + "&secret=" + a.Secret
	}
	fullWidth := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r > ' ' && r < 0x7f {
				return r - '!' + 0xff01
			}
			return r
		}, s)
	}
	tests := []struct {
		name string
		code func(booking.Appointment) string
	}{
		{"ellipsis after the native code", func(a booking.Appointment) string { return native(a) + "\u2026" }},
		{"ideographic full stop after the native code", func(a booking.Appointment) string { return native(a) + "\u3002" }},
		{"messenger bold around the native code", func(a booking.Appointment) string { return "*" + native(a) + "*" }},
		{"colon after a link", func(a booking.Appointment) string { return link(a) + ":" }},
		{"ellipsis after a link", func(a booking.Appointment) string { return link(a) + "\u2026" }},
		{"percent-encoded blank after a link", func(a booking.Appointment) string { return link(a) + "%20" }},
		{"full-width native code", func(a booking.Appointment) string { return fullWidth(native(a)) }},
		{"id separator percent-encoded", func(a booking.Appointment) string {
			return "LOTSE:" + a.ID + "%3A" + a.Secret
		}},
		{"link separators percent-encoded", func(a booking.Appointment) string {
			return "https://termine.example.de/?appointment=" + a.ID + "%26secret%3D" + a.Secret
		}},
		{"&amp; escaped four times", func(a booking.Appointment) string {
			return strings.ReplaceAll(link(a), "&", "&amp;amp;amp;amp;")
		}},
		{"continuation indented with no-break spaces", func(a booking.Appointment) string {
			l := link(a)
			return l[:20] + "\n\u00a0\u00a0" + l[20:]
		}},
		{"mail-quoted continuation", func(a booking.Appointment) string {
			l := link(a)
			return "> " + l[:20] + "\n> " + l[20:]
		}},
		{"HTML anchor pasted whole", func(a booking.Appointment) string {
			return `<a href="` + strings.ReplaceAll(link(a), "&", "&amp;") + `">Termin ändern</a>`
		}},
		{"Markdown link", func(a booking.Appointment) string { return "[" + link(a) + "](" + link(a) + ")" }},
		{"trailing slash", func(a booking.Appointment) string { return link(a) + "/" }},
		{"trailing backslash", func(a booking.Appointment) string { return native(a) + `\` }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// A hub each: the check-in window holds fewer appointments
			// than there are cases.
			h := newAccessHub(t, nil, accessDevices("kiosk-", 1, RoleKiosk), Limits{})
			var next *booking.Appointment
			for _, a := range h.day(accessMitte) {
				if !a.Cancelled && !a.Start.Before(h.Clock.Now()) && a.Start.Before(h.Clock.Now().Add(25*time.Minute)) {
					next = &a
					break
				}
			}
			if next == nil {
				t.Fatal("no appointment in the check-in window")
			}
			code := tc.code(*next)
			a := h.do("POST", checkinPath(accessMitte), bearer("kiosk-0"), api.CheckInRequest{Code: code})
			if a.Status != http.StatusCreated {
				t.Fatalf("%q: %d %s, want 201 like the plain code", code, a.Status, a.Body)
			}
		})
	}
}
