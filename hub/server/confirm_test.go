package server

import (
	"context"
	"testing"
	"time"

	"lotse/hub/api"
	"lotse/hub/queue"
)

// TestConfirmedCheckInIsTheDesks: the desk checks in an appointment that
// is not open yet after confirming it; a kiosk cannot, and a clerk
// without the desk role cannot either.
func TestConfirmedCheckInIsTheDesks(t *testing.T) {
	hash, err := HashPassword("pw")
	if err != nil {
		t.Fatal(err)
	}
	h := newTestHub(t, func(c *Config) {
		c.Auth = NewAuth([]Clerk{
			{User: "desk", PasswordHash: hash, Roles: []string{RoleDesk}},
			{User: "clerk", PasswordHash: hash, Roles: []string{RoleClerk}},
		}, []Device{{Name: "demo", Token: "demo"}}, []byte("test session key"), 0)
	})
	office := h.Offices[0].ID
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// The last appointment of the demo day: hours before its window.
	list, err := h.Demo.Appointments(ctx, office, h.Clock.Now().Format(queue.DayFormat))
	if err != nil {
		t.Fatal(err)
	}
	late := list[0]
	for _, a := range list {
		if a.Start.After(late.Start) && !a.Cancelled {
			late = a
		}
	}
	if !late.Start.After(h.Clock.Now().Add(time.Hour)) {
		t.Fatalf("the demo day's last appointment is at %v: not too early at %v", late.Start, h.Clock.Now())
	}
	desk := &api.Client{Base: h.URL, User: "desk", Password: "pw"}
	if _, err := desk.CheckIn(ctx, office, api.CheckInRequest{Appointment: late.ID}); api.ErrorCode(err) != api.CodeTooEarly {
		t.Fatalf("desk without confirming: %v, want too_early", err)
	}
	for _, c := range []struct {
		name   string
		client *api.Client
	}{
		{"kiosk", api.NewClient(h.URL, "demo")},
		{"clerk without the desk role", &api.Client{Base: h.URL, User: "clerk", Password: "pw"}},
	} {
		if _, err := c.client.CheckIn(ctx, office, api.CheckInRequest{Appointment: late.ID, Confirm: true}); api.ErrorCode(err) != api.CodeForbidden {
			t.Errorf("%s confirming: %v, want forbidden", c.name, err)
		}
	}
	tk, err := desk.CheckIn(ctx, office, api.CheckInRequest{Appointment: late.ID, Confirm: true})
	if err != nil || tk.State != api.StateWaiting || tk.Appointment != late.ID || tk.StatusURL == "" {
		t.Fatalf("desk confirming: %+v, %v", tk, err)
	}
}
