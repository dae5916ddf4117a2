package server

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"lotse/hub/office"
	"lotse/hub/queue"
)

// DeskTicket is a ticket as the information desk prints it on the
// office's receipt printer: what the kiosk prints, with the status link.
type DeskTicket struct {
	Office      string
	Number      string
	Services    []string  // names, "2 × Anmeldung" for two persons
	Appointment time.Time // zero for a walk-in
	StatusURL   string
	Issued      time.Time
	Location    *time.Location // the office's: the times on the paper
}

// DeskPrinter prints at an office's information desk. Errors say why the
// paper did not come out (paper out, offline); the desk shows them.
type DeskPrinter interface {
	PrintTicket(ctx context.Context, t DeskTicket) error
}

// codeNoPrinter: the office has no desk printer (409); the desk page then
// prints from the browser.
const codeNoPrinter queue.Code = "no_printer"

// deskPrintTimeout bounds one print: a printer that does not answer by
// then is reported, and the desk can print from the browser instead.
const deskPrintTimeout = 10 * time.Second

// printTicket prints a ticket of today on the office's desk printer
// (issue 16.6: not through the browser's print dialog). An office
// without one answers Conflict, and the desk page prints from the browser.
func (s *Server) printTicket(w http.ResponseWriter, r *http.Request, o *officeHandle, _ principal) {
	p := s.deskPrinters[o.office.ID]
	if p == nil {
		s.writeError(w, r, queue.Errorf(codeNoPrinter, "this office has no desk printer ([office] desk_printer)"))
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	id := r.PathValue("ticket")
	t, err := office.Do(ctx, o.loop, func(q *queue.Queue, _ time.Time) (queue.Ticket, []queue.Event, error) {
		t, ok := q.Ticket(id)
		if !ok {
			return t, nil, queue.Errorf(queue.NotFound, "no ticket %q today", id)
		}
		if t.State.Final() {
			return t, nil, queue.Errorf(queue.Conflict, "ticket %s is %s: nothing to wait for", t.Number, t.State)
		}
		return t, nil, nil
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	at := o.convert.ticket(t)
	job := DeskTicket{Office: o.office.Name, Number: t.Number, Appointment: t.AppointmentStart, StatusURL: s.statusURL(r, t.StatusToken),
		Issued: s.now(), Location: o.office.Location}
	for _, sc := range at.Services {
		name := sc.Name
		if sc.Count > 1 {
			name = strconv.Itoa(sc.Count) + " × " + name
		}
		job.Services = append(job.Services, name)
	}
	pctx, pcancel := context.WithTimeout(ctx, deskPrintTimeout)
	defer pcancel()
	if err := p.PrintTicket(pctx, job); err != nil {
		s.writeError(w, r, &queue.Error{Code: queue.Unavailable, Message: "the desk printer: " + err.Error(), Err: err})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
