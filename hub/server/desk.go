package server

import (
	"net/http"
	"time"

	"lotse/hub/api"
	"lotse/hub/office"
	"lotse/hub/queue"
	"lotse/internal/plaintext"
)

// The information desk's search in today's appointments.

// findAppointments serves the information desk: today's appointments by
// part of the name and/or a time range (?q=&from=HH:MM&to=HH:MM).
func (s *Server) findAppointments(w http.ResponseWriter, r *http.Request, o *officeHandle, p principal) {
	qs := r.URL.Query()
	// Cleaned like the names; FindAppointments compares folded keys, so
	// "Mueller", "Mu"+U+0308+"ller" and "ＭＵＬＬＥＲ" find "Müller".
	name := plaintext.Clean(qs.Get("q"))
	ctx, cancel := s.ctx(r)
	defer cancel()
	res, err := office.Do(ctx, o.loop, func(q *queue.Queue, now time.Time) ([]api.Appointment, []queue.Event, error) {
		from, err := clock(o.office, q.Day(), qs.Get("from"))
		if err != nil {
			return nil, nil, err
		}
		to, err := clock(o.office, q.Day(), qs.Get("to"))
		if err != nil {
			return nil, nil, err
		}
		list := q.FindAppointments(name, from, to)
		out := make([]api.Appointment, 0, min(len(list), 100))
		for _, a := range list {
			if len(out) == 100 {
				break
			}
			aa := api.Appointment{ID: a.ID, Start: a.Start, Minutes: minutes(a.Duration), Services: o.convert.services2api(a.Services),
				Persons: a.Persons(), Name: a.Name, Status: "booked"}
			switch {
			case a.Cancelled:
				aa.Status = "cancelled"
			case a.NoShow:
				aa.Status = "noshow"
			}
			if t, ok := q.TicketForAppointment(a.ID); ok {
				aa.Status = "arrived"
				at := o.convert.ticket(t)
				aa.Ticket = &at
			}
			out = append(out, aa)
		}
		return out, nil, nil
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func clock(o *queue.Office, day, hhmm string) (time.Time, error) {
	if hhmm == "" {
		return time.Time{}, nil
	}
	loc := o.Location
	if loc == nil {
		loc = time.UTC
	}
	t, err := time.ParseInLocation(queue.DayFormat+" 15:04", day+" "+hhmm, loc)
	if err != nil {
		return time.Time{}, &queue.Error{Code: queue.Invalid, Message: "time must be HH:MM", Err: err}
	}
	return t, nil
}
