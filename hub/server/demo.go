package server

import (
	"bytes"
	"context"
	"html/template"
	"image/png"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"lotse/hub/booking"
	"lotse/hub/office"
	"lotse/hub/queue"
)

// DemoSource is the demo booking backend: the /demo page shows its day so
// that anyone can check in with a QR code or a birth date.
type DemoSource interface {
	Appointments(ctx context.Context, office, day string) ([]booking.Appointment, error)
}

// DemoPayload is the QR payload of a demo appointment: the native format.
func DemoPayload(a booking.Appointment) string { return queue.FormatCode(a.ID, a.Secret) }

type demoRow struct {
	ID, Time, Services, BirthDate, Name, Payload, QR, Status string
	Open                                                     bool
}

type demoOffice struct {
	ID, Name string
	// Display is the office's web board with a display token that the
	// hub accepts for it; without one the board would only say that it
	// is not signed in.
	Display string
	Rows    []demoRow
}

var demoTemplate = template.Must(template.New("demo").Parse(`<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>Lotse – Demo</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/demo/demo.css"></head><body>
<h1>Lotse – Demo-Termine von heute</h1>
<p class="note">Nur im Demo-Modus. Grün: jetzt im Check-in-Fenster. QR-Code an den Kiosk halten, die Zeile
<code>LOTSE:…</code> in den Scanner-Simulator tippen oder das Geburtsdatum am Kiosk eingeben.
Sachbearbeitung: <a href="/counter/">/counter/</a> (demo / demo), Anzeige: je Bürgerbüro unten.</p>
{{range .Offices}}<h2>{{.Name}} <small>({{.ID}})</small></h2>
<p>Anzeige: <a class="display-link" href="{{.Display}}">{{.Display}}</a></p>
<table><tr><th>Zeit</th><th>QR-Code</th><th>Anliegen</th><th>Geburtsdatum</th><th>Name</th><th>Status</th><th>QR-Inhalt</th></tr>
{{range .Rows}}<tr{{if .Open}} class="open"{{end}}><td>{{.Time}}</td><td><img src="{{.QR}}" alt="QR {{.ID}}" loading="lazy"></td>
<td>{{.Services}}</td><td>{{.BirthDate}}</td><td>{{.Name}}</td><td>{{.Status}}</td><td><code>{{.Payload}}</code></td></tr>
{{end}}</table>{{end}}
</body></html>`))

func (s *Server) demoPage(w http.ResponseWriter, r *http.Request) {
	if s.demo == nil {
		s.writeError(w, r, queue.Errorf(queue.NotFound, "the demo page exists only in demo mode"))
		return
	}
	now := s.now()
	var data struct{ Offices []demoOffice }
	for _, id := range s.order {
		o := s.offices[id]
		day := o.office.Day(now)
		list, err := s.demo.Appointments(r.Context(), id, day)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		status := map[string]string{}
		ctx, cancel := s.ctx(r)
		res, err := office.Do(ctx, o.loop, func(q *queue.Queue, _ time.Time) (map[string]string, []queue.Event, error) {
			for _, t := range q.Tickets(func(t *queue.Ticket) bool { return t.Appointment != "" }) {
				status[t.Appointment] = t.Number + " " + string(t.State)
			}
			for _, a := range q.Appointments(func(a *queue.Appointment) bool { return a.NoShow }) {
				status[a.ID] = "nicht erschienen"
			}
			return status, nil, nil
		})
		cancel()
		if err == nil {
			status = res
		}
		p := o.office.Policy
		d := demoOffice{ID: id, Name: o.office.Name, Display: s.displayURL(id)}
		loc := o.office.Location
		if loc == nil {
			loc = time.UTC
		}
		for _, a := range list {
			// Only the interesting part of the day: from an hour ago to
			// three hours ahead.
			if a.Start.Before(now.Add(-time.Hour)) || a.Start.After(now.Add(3*time.Hour)) || a.Cancelled {
				continue
			}
			names := ""
			for i, sc := range a.Services {
				if i > 0 {
					names += ", "
				}
				if sc.Count > 1 {
					names += strconv.Itoa(sc.Count) + " × "
				}
				names += o.convert.services[sc.Service].Name
			}
			d.Rows = append(d.Rows, demoRow{
				ID: a.ID, Time: a.Start.In(loc).Format("15:04"), Services: names, BirthDate: a.BirthDate, Name: a.Name,
				Payload: DemoPayload(a), QR: "/demo/qr/" + id + "/" + a.ID, Status: status[a.ID],
				Open: !now.Before(a.Start.Add(-p.CheckInBefore)) && !now.After(a.Start.Add(p.CheckInAfter)),
			})
		}
		data.Offices = append(data.Offices, d)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := demoTemplate.Execute(w, data); err != nil {
		s.log.Error("demo page", "err", err)
	}
}

// displayURL is the web board of an office, with the token of a display
// device that may show it (a display role first, else any device): the
// stream refuses a board without one.
func (s *Server) displayURL(office string) string {
	q := url.Values{"office": {office}}
	if tok := s.auth.displayToken(office); tok != "" {
		q.Set("token", tok)
	}
	return "/display?" + q.Encode()
}

// displayToken is the token of a device that may follow office's stream,
// a display's before a kiosk's; "" if there is none.
func (a *Auth) displayToken(office string) string {
	tok := ""
	for _, d := range a.devices {
		if d.Office != "" && d.Office != office {
			continue
		}
		if d.Role == RoleDisplay {
			return d.Token
		}
		if tok == "" {
			tok = d.Token
		}
	}
	return tok
}

func (s *Server) demoQR(w http.ResponseWriter, r *http.Request) {
	if s.demo == nil {
		s.writeError(w, r, queue.Errorf(queue.NotFound, "the demo page exists only in demo mode"))
		return
	}
	id := r.PathValue("office")
	o, ok := s.offices[id]
	if !ok {
		s.writeError(w, r, queue.Errorf(queue.NotFound, "unknown office %q", id))
		return
	}
	list, err := s.demo.Appointments(r.Context(), id, o.office.Day(s.now()))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	for _, a := range list {
		if a.ID != r.PathValue("appointment") {
			continue
		}
		if s.qrCode == nil {
			break
		}
		img, err := s.qrCode(DemoPayload(a), 256)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			s.writeError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(buf.Bytes())
		return
	}
	s.writeError(w, r, queue.Errorf(queue.NotFound, "no such demo appointment"))
}
