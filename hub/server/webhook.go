package server

import (
	"errors"
	"io"
	"net/http"

	"lotse/hub/booking"
	"lotse/hub/queue"
)

// Webhooks is what the booking webhook needs from the hub: the office's
// shared secret and a way to pull the office's day at once.
type Webhooks interface {
	// WebhookSecret returns the office's secret, or nil when the office
	// accepts no webhook.
	WebhookSecret(office string) []byte
	// BookingChanged asks for an immediate sync of the office. It must
	// not block: the booking system waits for the answer.
	BookingChanged(office string)
}

// maxWebhookBody bounds a webhook body; it only names what changed.
const maxWebhookBody = 64 << 10

// bookingWebhook serves POST /api/v1/webhooks/booking/{office}: a booking
// system signals that bookings changed (a cancellation, a short-notice
// booking) and the hub syncs the office at once instead of at the next
// poll. The body is signed (booking.SignatureHeader); a missing or wrong
// signature is 401 and neither the body nor the signature is logged.
func (s *Server) bookingWebhook(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("office")
	o, ok := s.offices[id]
	var secret []byte
	if ok && s.webhooks != nil {
		secret = s.webhooks.WebhookSecret(id)
	}
	if len(secret) == 0 {
		// Unknown office and office without webhook look alike, so that
		// the endpoint does not tell which offices exist.
		s.writeError(w, r, queue.Errorf(queue.NotFound, "no booking webhook for this office"))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	if err != nil {
		s.writeError(w, r, queue.Errorf(queue.Invalid, "webhook body too large or unreadable"))
		return
	}
	if err := booking.VerifyWebhook(secret, r.Header.Get(booking.SignatureHeader), body, s.now()); err != nil {
		reason := "bad signature"
		if errors.Is(err, booking.ErrStale) {
			reason = "stale timestamp"
		}
		s.log.Warn("booking webhook rejected", "office", o.office.ID, "reason", reason)
		s.writeError(w, r, queue.Errorf(codeUnauthorized, "missing, wrong or stale webhook signature"))
		return
	}
	s.webhooks.BookingChanged(o.office.ID)
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "sync scheduled"})
}
