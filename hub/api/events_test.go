package api_test

import (
	"testing"

	"lotse/hub/api"
	"lotse/hub/queue"
)

// TestEventTypesMatchTheHub guards the stream's event types: the server
// sends queue.EventType values, the clients compare with the api
// constants, and a type that differs between them is an event every
// client ignores.
func TestEventTypesMatchTheHub(t *testing.T) {
	tests := []struct {
		api string
		hub queue.EventType
	}{
		{api.EventCheckedIn, queue.CheckedIn},
		{api.EventWalkedIn, queue.WalkedIn},
		{api.EventCalled, queue.TicketCalled},
		{api.EventRecalled, queue.TicketRecalled},
		{api.EventStarted, queue.TicketStarted},
		{api.EventFinished, queue.TicketFinished},
		{api.EventMissed, queue.TicketMissed},
		{api.EventParked, queue.TicketParked},
		{api.EventTransferred, queue.TicketTransferred},
		{api.EventCancelled, queue.TicketCancelled},
		{api.EventWithdrawn, queue.TicketWithdrawn},
		{api.EventCounterOpened, queue.CounterOpened},
		{api.EventCounterPaused, queue.CounterPaused},
		{api.EventCounterStaffed, queue.CounterStaffed},
		{api.EventAppointmentNoShow, queue.AppointmentNoShow},
		{api.EventDayTurned, queue.DayTurned},
	}
	for _, tt := range tests {
		if tt.api != string(tt.hub) {
			t.Errorf("api event type %q, the hub sends %q", tt.api, tt.hub)
		}
	}
}
