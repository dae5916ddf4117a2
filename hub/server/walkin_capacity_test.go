package server

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"lotse/hub/api"
	"lotse/hub/booking/demo"
	"lotse/hub/queue"
)

// beglaubigung is a service no demo appointment books, at a counter of its
// own: its capacity before closing depends on the test's walk-ins alone.
const beglaubigung = "beglaubigung"

// capacityHub is the demo hub whose office Mitte closes at 10:30 (the test
// clock stands at 10:00) and certifies copies (10 min) at schalter-9 only:
// room for three walk-ins.
func capacityHub(t *testing.T) *testHub {
	return newTestHubOffices(t, func(o *queue.Office) {
		if o.ID != demo.Mitte {
			return
		}
		o.Policy.Closing = 10*time.Hour + 30*time.Minute
		o.BookingURL = "https://termine.example.de/mitte"
		o.PriorityLevels = []queue.PriorityLevel{{ID: "schwangerschaft", Name: "Schwangerschaft"}}
		o.Services = append(o.Services, queue.Service{ID: beglaubigung, Name: "Beglaubigung", Prefix: "B", Duration: 10 * time.Minute})
		o.Counters = append(o.Counters, queue.Counter{ID: "schalter-9", Name: "Schalter 9", Services: []string{beglaubigung}})
	})
}

// TestKioskWalkInsCloseAndReopen: at the kiosk API, walk-ins close with
// 409 walkins_full when the counter's time before closing is spoken for,
// for the desk as well; a no-show frees the time and the kiosk draws a
// ticket again; at closing time walk-ins stop for good.
func TestKioskWalkInsCloseAndReopen(t *testing.T) {
	h := capacityHub(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	kiosk, desk := h.Device(), h.Clerk()
	draw := func(c *api.Client) (api.Ticket, error) {
		return c.WalkIn(ctx, demo.Mitte, api.WalkInRequest{Service: beglaubigung})
	}
	wantFull := func(who string, err error) {
		t.Helper()
		var e *api.Error
		if api.ErrorCode(err) != api.CodeWalkInsFull || !errors.As(err, &e) || e.Status != http.StatusConflict {
			t.Fatalf("%s: %v, want 409 %s", who, err, api.CodeWalkInsFull)
		}
	}

	var issued []api.Ticket
	for range 3 {
		tk, err := draw(kiosk)
		if err != nil {
			t.Fatalf("walk-in %d of 3: %v", len(issued)+1, err)
		}
		issued = append(issued, tk)
	}
	_, err := draw(kiosk)
	wantFull("kiosk, fourth walk-in", err)
	_, err = draw(desk)
	wantFull("desk, fourth walk-in", err)
	if _, err := kiosk.WalkIn(ctx, demo.Mitte, api.WalkInRequest{Service: demo.Meldebescheinigung}); err != nil {
		t.Fatalf("another service's walk-ins stay open: %v", err)
	}

	// The first person is called and does not come.
	if _, err := desk.Act(ctx, demo.Mitte, "schalter-9", api.ActionCall, api.ActionRequest{Ticket: issued[0].ID}); err != nil {
		t.Fatal(err)
	}
	_, err = draw(kiosk)
	wantFull("kiosk, while the first is called", err)
	if _, err := desk.Act(ctx, demo.Mitte, "schalter-9", api.ActionNoShow, api.ActionRequest{}); err != nil {
		t.Fatal(err)
	}
	if tk, err := draw(kiosk); err != nil || tk.State != string(queue.Waiting) {
		t.Fatalf("kiosk after the no-show: %+v, %v; want a ticket", tk, err)
	}
	_, err = draw(kiosk)
	wantFull("kiosk, the freed place taken", err)

	// At closing time walk-ins stop, also for a service with idle counters.
	h.Clock.Set(testHubDay.Add(30 * time.Minute))
	_, err = kiosk.WalkIn(ctx, demo.Mitte, api.WalkInRequest{Service: demo.Meldebescheinigung})
	wantFull("kiosk at closing time", err)
	// Tickets already drawn are still served.
	if r, err := desk.Act(ctx, demo.Mitte, "schalter-9", api.ActionNext, api.ActionRequest{}); err != nil || r.Ticket == nil || r.Ticket.ID != issued[1].ID {
		t.Fatalf("next after closing: %+v, %v; want %s", r, err, issued[1].Number)
	}
}

// TestDeskPriorityLevel: the office lists its priority levels and booking
// address; the desk draws a ticket for a level, a kiosk cannot, and an
// unknown level is refused.
func TestDeskPriorityLevel(t *testing.T) {
	h := capacityHub(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	offices, err := h.Device().Offices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range offices {
		if o.ID == demo.Mitte && (o.BookingURL != "https://termine.example.de/mitte" || len(o.PriorityLevels) != 1 ||
			o.PriorityLevels[0] != (api.PriorityLevel{ID: "schwangerschaft", Name: "Schwangerschaft"})) {
			t.Fatalf("office %s: booking %q, levels %+v", o.ID, o.BookingURL, o.PriorityLevels)
		}
	}
	tests := []struct {
		name     string
		client   *api.Client
		level    string
		priority bool
		code     string
	}{
		{name: "desk, level", client: h.Clerk(), level: "schwangerschaft", priority: true},
		{name: "kiosk, level ignored", client: h.Device(), level: "schwangerschaft"},
		{name: "desk, unknown level", client: h.Clerk(), level: "vip", code: api.CodeInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk, err := tt.client.WalkIn(ctx, demo.Mitte, api.WalkInRequest{Service: demo.Meldebescheinigung, PriorityLevel: tt.level})
			if api.ErrorCode(err) != tt.code {
				t.Fatalf("walk-in: %v, want code %q", err, tt.code)
			}
			if err != nil {
				return
			}
			wantLevel := ""
			if tt.priority {
				wantLevel = tt.level
			}
			if tk.Priority != tt.priority || tk.PriorityLevel != wantLevel {
				t.Fatalf("ticket priority %v level %q, want %v %q", tk.Priority, tk.PriorityLevel, tt.priority, wantLevel)
			}
		})
	}
}
