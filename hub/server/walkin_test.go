package server

import (
	"context"
	"testing"
	"time"

	"lotse/hub/api"
	"lotse/hub/booking"
	"lotse/hub/booking/demo"
	"lotse/hub/queue"
)

// TestNoWalkInForTheFallbackService: "Anliegen unbekannt" is where bookings
// without a known service go; a kiosk or the desk cannot draw a ticket for
// it, in an office that serves it or not.
func TestNoWalkInForTheFallbackService(t *testing.T) {
	h := newTestHub(t)
	office := h.Offices[0].ID
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, c := range []*api.Client{h.Device(), h.Clerk()} {
		_, err := c.WalkIn(ctx, office, api.WalkInRequest{Service: booking.FallbackService})
		if api.ErrorCode(err) != api.CodeNotFound {
			t.Errorf("walk-in for %s: %v, want %s", booking.FallbackService, err, api.CodeNotFound)
		}
	}
	// A real service still draws one.
	if tk := h.WalkIn(t, office, demo.Meldebescheinigung); tk.State != string(queue.Waiting) {
		t.Errorf("walk-in for a real service: %+v", tk)
	}
}
