package server

import (
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"lotse/hub/api"
	"lotse/hub/booking"
)

// TestRoles covers device and account roles (issue 11.5).
func TestRoles(t *testing.T) {
	clerks := []Clerk{
		{User: "desk", PasswordHash: accessHash(), Roles: []string{RoleDesk}},
		{User: "clerk1", PasswordHash: accessHash(), Roles: []string{RoleClerk}, Counters: []string{"schalter-1"}},
		{User: "nord", PasswordHash: accessHash(), Roles: []string{RoleClerk}, Offices: []string{accessNord}},
	}
	devices := []Device{{Name: "kiosk", Token: "kiosk", Role: RoleKiosk}, {Name: "tv", Token: "tv", Role: RoleDisplay}}
	h := newAccessHub(t, clerks, devices, Limits{})
	var target booking.Appointment
	for _, a := range h.day(accessMitte) {
		if !a.Cancelled && !a.Start.Before(h.Clock.Now()) && a.Start.Before(h.Clock.Now().Add(20*time.Minute)) {
			target = a
			break
		}
	}
	base := "/api/v1/offices/" + accessMitte
	tests := []struct {
		name   string
		method string
		path   string
		as     who
		body   any
		want   int
	}{
		{"display draws a ticket", "POST", base + "/tickets", bearer("tv"), api.WalkInRequest{Service: "meldebescheinigung"}, 403},
		{"display tries a birth date", "POST", base + "/checkins", bearer("tv"), api.CheckInRequest{BirthDate: "1970-01-01"}, 403},
		{"display checks in a code", "POST", base + "/checkins", bearer("tv"), api.CheckInRequest{Code: "LOTSE:" + target.ID + ":" + target.Secret}, 403},
		{"display reads the queue", "GET", base + "/queue", bearer("tv"), nil, 200},
		{"display reads the events", "GET", base + "/events?since=0", bearer("tv"), nil, 200},
		{"kiosk draws a ticket", "POST", base + "/tickets", bearer("kiosk"), api.WalkInRequest{Service: "meldebescheinigung"}, 201},
		{"desk searches appointments", "GET", base + "/appointments?q=a", basic("desk", "demo"), nil, 200},
		{"desk checks in", "POST", base + "/checkins", basic("desk", "demo"), api.CheckInRequest{Appointment: target.ID}, 201},
		{"desk calls at a counter", "POST", base + "/counters/schalter-1/next", basic("desk", "demo"), nil, 403},
		{"clerk at his counter", "GET", base + "/counters/schalter-1/queue", basic("clerk1", "demo"), nil, 200},
		{"clerk at another counter", "POST", base + "/counters/schalter-2/next", basic("clerk1", "demo"), nil, 403},
		{"clerk searches appointments", "GET", base + "/appointments?q=a", basic("clerk1", "demo"), nil, 403},
		{"clerk draws a ticket", "POST", base + "/tickets", basic("clerk1", "demo"), api.WalkInRequest{Service: "meldebescheinigung"}, 403},
		{"clerk of another office", "GET", base + "/counters/schalter-1/queue", basic("nord", "demo"), nil, 403},
	}
	for _, tt := range tests {
		if a := h.do(tt.method, tt.path, tt.as, tt.body); a.Status != tt.want {
			t.Errorf("%s: %d %s, want %d", tt.name, a.Status, a.Body, tt.want)
		}
	}
	if a := h.do("POST", "/api/v1/session", nil, login(accessMitte, "schalter-2", "clerk1", "demo", false)); a.Status != http.StatusForbidden {
		t.Errorf("clerk logs in at a counter not his: %d %s", a.Status, a.Body)
	}

	t.Run("walk-in flood", func(t *testing.T) {
		h := newAccessHub(t, nil, accessDevices("kiosk-", 1, RoleKiosk), Limits{})
		var mu sync.Mutex
		issued := 0
		var wg sync.WaitGroup
		sem := make(chan struct{}, 32)
		for range 3000 {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				if a := h.do("POST", "/api/v1/offices/"+accessMitte+"/tickets", bearer("kiosk-0"), api.WalkInRequest{Service: "meldebescheinigung"}); a.Status == http.StatusCreated {
					mu.Lock()
					issued++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if want := DefaultLimits().WalkInPerDevice.Burst; issued > want {
			t.Fatalf("one kiosk drew %d of 3,000 tickets at once, want at most %d", issued, want)
		}
	})
}

// TestTokenInURL covers where a device token may sit in the URL (issue
// 11): only on the GET routes a TV's browser reads the board with, never
// on a write, where a link or a logged URL could act as the kiosk.
func TestTokenInURL(t *testing.T) {
	devices := []Device{{Name: "kiosk", Token: "kiosk", Role: RoleKiosk}, {Name: "tv", Token: "tv", Role: RoleDisplay}}
	h := newAccessHub(t, nil, devices, Limits{})
	base := "/api/v1/offices/" + accessMitte
	tests := []struct {
		name, method, path string
		as                 who
		body               any
		want               int
	}{
		{"display reads the queue", "GET", base + "/queue?token=tv", nil, nil, http.StatusOK},
		{"display reads the events", "GET", base + "/events?since=0&token=tv", nil, nil, http.StatusOK},
		{"kiosk reads the queue", "GET", base + "/queue?token=kiosk", nil, nil, http.StatusOK},
		{"kiosk draws a ticket", "POST", base + "/tickets?token=kiosk", nil, api.WalkInRequest{Service: "meldebescheinigung"}, http.StatusUnauthorized},
		{"kiosk checks in", "POST", base + "/checkins?token=kiosk", nil, api.CheckInRequest{Code: wrongCode(1)}, http.StatusUnauthorized},
		{"kiosk tries a birth date", "POST", base + "/checkins?token=kiosk", nil, api.CheckInRequest{BirthDate: "1970-01-01"}, http.StatusUnauthorized},
		{"kiosk retries the outbox", "POST", base + "/outbox/retry?token=kiosk", nil, nil, http.StatusUnauthorized},
		{"kiosk acts at a counter", "POST", base + "/counters/schalter-1/next?token=kiosk", nil, nil, http.StatusUnauthorized},
		{"kiosk reads a ticket", "GET", base + "/tickets/x?token=kiosk", nil, nil, http.StatusUnauthorized},
		{"header beats a URL token on a write", "POST", base + "/tickets?token=nobody", bearer("kiosk"), api.WalkInRequest{Service: "meldebescheinigung"}, http.StatusCreated},
		{"kiosk draws a ticket with the header", "POST", base + "/tickets", bearer("kiosk"), api.WalkInRequest{Service: "meldebescheinigung"}, http.StatusCreated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if a := h.do(tc.method, tc.path, tc.as, tc.body); a.Status != tc.want {
				t.Fatalf("%s %s: %d %s, want %d", tc.method, tc.path, a.Status, a.Body, tc.want)
			}
		})
	}
}

// TestWhoSeesNames covers who reads a person's name (issue 11.5): ticket
// ids are predictable, so the name is only for the clerk whose counter
// holds the ticket, the desk, supervisors and admins; the dead letters,
// whose backend answers may name a person, only for the last three.
func TestWhoSeesNames(t *testing.T) {
	clerks := []Clerk{
		{User: "eins", PasswordHash: accessHash(), Roles: []string{RoleClerk}, Counters: []string{"schalter-1"}},
		{User: "zwei", PasswordHash: accessHash(), Roles: []string{RoleClerk}, Counters: []string{"schalter-2"}},
		{User: "frei", PasswordHash: accessHash(), Roles: []string{RoleClerk}},
		{User: "desk", PasswordHash: accessHash(), Roles: []string{RoleDesk}},
		{User: "chef", PasswordHash: accessHash(), Roles: []string{RoleSupervisor}},
		{User: "admin", PasswordHash: accessHash(), Roles: []string{RoleAdmin}},
	}
	h := newAccessHub(t, clerks, accessDevices("kiosk-", 1, RoleKiosk), Limits{})
	base := "/api/v1/offices/" + accessMitte
	names := map[string]string{} // by ticket id
	for _, a := range h.day(accessMitte) {
		if len(names) == 2 {
			break
		}
		if a.Cancelled || a.Start.Before(h.Clock.Now()) || !a.Start.Before(h.Clock.Now().Add(20*time.Minute)) {
			continue
		}
		r := h.do("POST", checkinPath(accessMitte), bearer("kiosk-0"), api.CheckInRequest{Code: "LOTSE:" + a.ID + ":" + a.Secret})
		var tk api.Ticket
		if r.Status != http.StatusCreated || json.Unmarshal(r.Body, &tk) != nil {
			t.Fatalf("check-in: %d %s", r.Status, r.Body)
		}
		names[tk.ID] = a.Name
	}
	if len(names) != 2 {
		t.Fatal("want two appointments inside the check-in window")
	}
	ck, csrf := h.session(login(accessMitte, "schalter-1", "eins", "demo", false))
	r := h.do("POST", base+"/counters/schalter-1/next", cookie(ck, csrf), api.ActionRequest{})
	var called api.ActionResult
	if r.Status != http.StatusOK || json.Unmarshal(r.Body, &called) != nil || called.Ticket == nil {
		t.Fatalf("eins next: %d %s", r.Status, r.Body)
	}
	served := called.Ticket.ID
	if called.Ticket.Name != names[served] {
		t.Fatalf("the clerk who calls the person gets %q, want the name %q", called.Ticket.Name, names[served])
	}
	waiting := ""
	for id := range names {
		if id != served {
			waiting = id
		}
	}

	tests := []struct {
		name   string
		ticket string
		as     who
		sees   bool
	}{
		{"the clerk serving it", served, cookie(ck, ""), true},
		{"the clerk serving it, by Basic", served, basic("eins", "demo"), true},
		{"the clerk serving it, a waiting ticket", waiting, cookie(ck, ""), false},
		{"a clerk of another counter", served, basic("zwei", "demo"), false},
		{"a clerk of another counter, a waiting ticket", waiting, basic("zwei", "demo"), false},
		{"a clerk of every counter, where another clerk works", served, basic("frei", "demo"), false},
		{"a clerk of every counter, a waiting ticket", waiting, basic("frei", "demo"), false},
		{"the desk", waiting, basic("desk", "demo"), true},
		{"a supervisor", waiting, basic("chef", "demo"), true},
		{"an admin", served, basic("admin", "demo"), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := h.do("GET", base+"/tickets/"+tc.ticket, tc.as, nil)
			var tk api.Ticket
			if a.Status != http.StatusOK || json.Unmarshal(a.Body, &tk) != nil {
				t.Fatalf("%d %s, want the ticket", a.Status, a.Body)
			}
			if want := map[bool]string{true: names[tc.ticket]}[tc.sees]; tk.Name != want {
				t.Fatalf("name %q, want %q", tk.Name, want)
			}
		})
	}

	t.Run("the counter's queue names only its own ticket", func(t *testing.T) {
		var cq CounterQueue
		a := h.do("GET", base+"/counters/schalter-1/queue", cookie(ck, ""), nil)
		if a.Status != http.StatusOK || json.Unmarshal(a.Body, &cq) != nil {
			t.Fatalf("%d %s", a.Status, a.Body)
		}
		if cq.Counter.Ticket == nil || cq.Counter.Ticket.ID != served || cq.Counter.Ticket.Name != names[served] {
			t.Fatalf("the counter's own ticket %+v, want %s with its name", cq.Counter.Ticket, served)
		}
		for _, list := range [][]api.Ticket{cq.Next, cq.Parked, cq.Missed} {
			for _, tk := range list {
				if tk.Name != "" {
					t.Fatalf("ticket %s not at the counter carries the name %q", tk.ID, tk.Name)
				}
			}
		}
	})

	outbox := []struct {
		name, method, path string
		as                 who
		want               int
	}{
		{"a clerk reads the dead letters", "GET", base + "/outbox", basic("eins", "demo"), http.StatusForbidden},
		{"a clerk retries them", "POST", base + "/outbox/retry", basic("eins", "demo"), http.StatusForbidden},
		{"a clerk's session retries them", "POST", base + "/outbox/retry", cookie(ck, csrf), http.StatusForbidden},
		{"the desk reads them", "GET", base + "/outbox", basic("desk", "demo"), http.StatusOK},
		{"the desk retries them", "POST", base + "/outbox/retry", basic("desk", "demo"), http.StatusOK},
		{"a supervisor retries them", "POST", base + "/outbox/retry", basic("chef", "demo"), http.StatusOK},
		{"an admin reads them", "GET", base + "/outbox", basic("admin", "demo"), http.StatusOK},
	}
	for _, tc := range outbox {
		t.Run(tc.name, func(t *testing.T) {
			if a := h.do(tc.method, tc.path, tc.as, nil); a.Status != tc.want {
				t.Fatalf("%d %s, want %d", a.Status, a.Body, tc.want)
			}
		})
	}
}
