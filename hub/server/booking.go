package server

import (
	"context"
	"net/http"
	"time"

	"lotse/hub/api"
	"lotse/hub/booking"
	"lotse/hub/queue"
)

// OutboxControl lists and retries the reports a booking backend refused
// for good (dead letters).
type OutboxControl interface {
	DeadLetters(ctx context.Context, office string, limit int) ([]booking.DeadLetter, error)
	RetryDeadLetters(ctx context.Context, office string) (int, error)
}

// maxDeadLetters bounds the list a clerk gets.
const maxDeadLetters = 50

// outboxView serves GET /api/v1/offices/{office}/outbox: the office's dead
// letters with the backend's answers, for the desk, supervisors and
// admins only (deskClerks): an answer may name a person, and a counter
// clerk has no business with the office's reports.
func (s *Server) outboxView(w http.ResponseWriter, r *http.Request, o *officeHandle, p principal) {
	if s.outbox == nil {
		s.writeError(w, r, queue.Errorf(queue.NotFound, "this hub has no outbox"))
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	list, err := s.outbox.DeadLetters(ctx, o.office.ID, maxDeadLetters)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := api.Outbox{DeadLetters: make([]api.DeadLetter, 0, len(list))}
	for _, d := range list {
		out.DeadLetters = append(out.DeadLetters, api.DeadLetter{Appointment: d.Report.Appointment, Kind: string(d.Report.Kind),
			At: d.Report.At, Ticket: d.Report.Ticket, Answer: d.Answer, Failed: d.Failed})
	}
	writeJSON(w, http.StatusOK, out)
}

// retryOutbox serves POST /api/v1/offices/{office}/outbox/retry: the desk,
// a supervisor or an admin puts the office's dead letters back into its
// outbox.
func (s *Server) retryOutbox(w http.ResponseWriter, r *http.Request, o *officeHandle, p principal) {
	if s.outbox == nil {
		s.writeError(w, r, queue.Errorf(queue.NotFound, "this hub has no outbox"))
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	n, err := s.outbox.RetryDeadLetters(ctx, o.office.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, api.OutboxRetry{Retried: n})
}

func init() {
	help["lotse_outbox_oldest_age_seconds"] = "gauge Age of the oldest report not yet delivered to the booking backend, by office; 0 when none waits."
	help["lotse_outbox_dead_letters"] = "gauge Reports the booking backend refused for good, waiting for a retry, by office."
	help["lotse_booking_repairs"] = "gauge Repairs in the bookings of the last sync, by office and kind."
	help["lotse_booking_repaired"] = "gauge Bookings of the last sync kept only after a repair, by office."
	help["lotse_booking_refused"] = "gauge Bookings the last sync refused, by office and reason."
}

// bookingMetrics sets the office's outbox age, dead letters and booking
// repairs. Every kind is set, zero included, so that a repair that is gone
// does not linger as its last value.
func (s *Server) bookingMetrics(id string, h OfficeHealthInfo) {
	s.metrics.set(label("lotse_outbox_oldest_age_seconds", "office", id), max(0, h.OutboxAge.Seconds()))
	s.metrics.set(label("lotse_outbox_dead_letters", "office", id), float64(h.DeadLetters))
	s.metrics.set(label("lotse_booking_repaired", "office", id), float64(h.Repaired))
	for _, k := range booking.RepairKinds {
		s.metrics.set(label("lotse_booking_repairs", "office", id, "kind", k), float64(h.Repairs[k]))
	}
	for _, k := range booking.RefusalReasons {
		s.metrics.set(label("lotse_booking_refused", "office", id, "reason", k), float64(h.Refused[k]))
	}
}

// bookingHealth adds the office's outbox age, dead letters and booking
// repairs to its /healthz entry.
func (s *Server) bookingHealth(oh *api.OfficeHealth, h OfficeHealthInfo) {
	if !h.OutboxOldest.IsZero() {
		oh.OutboxOldest = timePtr(h.OutboxOldest)
		oh.OutboxAgeSeconds = int64(max(0, h.OutboxAge/time.Second))
	}
	oh.DeadLetters = h.DeadLetters
	oh.Repaired, oh.Repairs, oh.Refused = h.Repaired, h.Repairs, h.Refused
}
