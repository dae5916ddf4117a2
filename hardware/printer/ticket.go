package printer

import (
	"bytes"
	"fmt"
	"strings"
	"time"
)

// Ticket is what the kiosk prints for a citizen. It is a plain struct so
// the printer package does not depend on the hub's types.
type Ticket struct {
	// Office is the office's name, printed at the top.
	Office string
	// Number is the ticket number the call display shows, e.g. "A042".
	Number string
	// Services are the concerns, one line each ("2 × Anmeldung").
	Services []string
	// Appointment is the appointment's start; zero for walk-ins.
	Appointment time.Time
	// QR, if not empty, is printed as a QR code (e.g. a link to follow the
	// queue on a phone).
	QR string
	// QRCaption, if not empty, is printed under the QR code, e.g. the
	// short link for a citizen whose phone cannot scan.
	QRCaption string
	// Footer is free text at the bottom (opening hours, a friendly word).
	Footer string
	// Printed is the date and time printed at the bottom.
	Printed time.Time
	// Labels are the fixed words; zero value means GermanLabels.
	Labels Labels
}

// WithStatusLink returns t with the ticket's status page for the phone:
// the link as a QR code and, under it, the short link for a phone that
// cannot scan. The kiosk and the desk print it alike.
func (t Ticket) WithStatusLink(url string) Ticket {
	if url != "" {
		t.QR, t.QRCaption = url, ShortLink(url)
	}
	return t
}

// ShortLink is a status link as a person types it: without the scheme
// and a trailing slash.
func ShortLink(url string) string {
	s := strings.TrimSpace(url)
	for _, scheme := range []string{"https://", "http://"} {
		if len(s) >= len(scheme) && strings.EqualFold(s[:len(scheme)], scheme) {
			s = s[len(scheme):]
			break
		}
	}
	return strings.TrimSuffix(s, "/")
}

// CallFooter is the word at the bottom of every ticket.
const CallFooter = "Bitte achten Sie auf den Aufruf."

// Labels are the fixed words on a ticket.
type Labels struct {
	Number      string // above the number
	Appointment string // before the appointment time
	TimeSuffix  string // after a time of day
}

// GermanLabels are the default ticket words.
var GermanLabels = Labels{Number: "Ihre Wartenummer", Appointment: "Termin", TimeSuffix: "Uhr"}

// Layout chooses how a ticket is printed.
type Layout struct {
	// QRRaster prints the QR code as a raster image (GS v 0) for printers
	// without a QR generator (GS ( k).
	QRRaster bool
	// QRModuleSize is the dot size of one QR module; zero means 6, which
	// phones read well from 203 dpi paper.
	QRModuleSize int
	// NumberSize is the magnification of the ticket number (1–8); zero
	// means 6, as large as four characters fit on 58 mm paper.
	NumberSize int
	// CodePage is the character table; zero value means CP858.
	CodePage CodePage
	// Location formats the times; nil means time.Local.
	Location *time.Location
}

// EncodeTicket returns the ESC/POS bytes of a ticket.
func EncodeTicket(t Ticket, layout Layout) ([]byte, error) {
	if t.Number == "" {
		return nil, fmt.Errorf("printer: ticket without number")
	}
	labels := t.Labels
	if labels == (Labels{}) {
		labels = GermanLabels
	}
	loc := layout.Location
	if loc == nil {
		loc = time.Local
	}
	cp := layout.CodePage
	if cp.table == nil {
		cp = CP858
	}
	numberSize := layout.NumberSize
	if numberSize == 0 {
		numberSize = 6
	}
	module := layout.QRModuleSize
	if module == 0 {
		module = 6
	}

	var buf bytes.Buffer
	e := NewEncoder(&buf)
	e.codePage = cp
	e.Init()
	e.Align(AlignCenter)
	if t.Office != "" {
		e.Bold(true)
		e.Size(1, 2)
		e.Line(t.Office)
		e.Size(1, 1)
		e.Bold(false)
		e.Feed(1)
	}
	e.Line(labels.Number)
	e.Bold(true)
	e.Size(numberSize, numberSize)
	e.Line(t.Number)
	e.Size(1, 1)
	e.Bold(false)
	e.Feed(1)
	for _, s := range t.Services {
		e.Size(1, 2)
		e.Line(s)
	}
	e.Size(1, 1)
	if !t.Appointment.IsZero() {
		e.Line(fmt.Sprintf("%s: %s %s", labels.Appointment, t.Appointment.In(loc).Format("15:04"), labels.TimeSuffix))
	}
	if t.QR != "" {
		e.Feed(1)
		if layout.QRRaster {
			e.QRImage(t.QR, module, ECMedium)
		} else {
			e.QR(t.QR, module, ECMedium)
		}
		if t.QRCaption != "" {
			e.Line(t.QRCaption)
		}
	}
	e.Feed(1)
	if t.Footer != "" {
		for _, line := range strings.Split(t.Footer, "\n") {
			e.Line(line)
		}
	}
	if !t.Printed.IsZero() {
		e.Line(t.Printed.In(loc).Format("02.01.2006 15:04"))
	}
	e.Feed(3)
	e.Cut()
	if err := e.Err(); err != nil {
		return nil, fmt.Errorf("printer: encode ticket: %w", err)
	}
	return buf.Bytes(), nil
}
