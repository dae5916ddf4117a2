package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"lotse/hub/api"
	"lotse/hub/booking/demo"
)

// emergencyHub is a test hub with a second clerk ("kollege", clerk role
// only, at schalter-2), a supervisor without a counter ("leitung") and a
// display token beside the demo kiosk.
func emergencyHub(t *testing.T) *testHub {
	t.Helper()
	return newTestHub(t, func(c *Config) {
		c.Auth = NewAuth([]Clerk{
			{User: "demo", PasswordHash: accessHash()},
			{User: "kollege", PasswordHash: accessHash(), Roles: []string{RoleClerk}, Counters: []string{"schalter-2"}},
			{User: "leitung", PasswordHash: accessHash(), Roles: []string{RoleSupervisor}},
		}, []Device{{Name: "demo", Token: "demo"}, {Name: "board", Token: "board", Role: RoleDisplay}}, []byte("test session key"), 0)
	})
}

// post sends a JSON POST as user (HTTP Basic) and decodes the answer
// into out (may be nil); it returns the status.
func post(t *testing.T, h *testHub, user, path string, body, out any) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL+path, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(user, "demo")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("POST %s: decode %s: %v", path, data, err)
		}
	}
	return resp.StatusCode
}

func emergencyPath(counter, what string) string {
	p := "/api/v1/offices/" + webOffice + "/counters/" + counter + "/emergency"
	if what != "" {
		p += "/" + what
	}
	return p
}

// TestEmergencyReachesStaffOnly: a clerk raises an emergency call, a
// colleague acknowledges it and the clerk ends it. Every change reaches
// the streams of clerks and supervisors, in order, and never a kiosk's
// or a display's: their next message after the three changes is the
// walk-in that follows them, which every stream gets in the same order.
func TestEmergencyReachesStaffOnly(t *testing.T) {
	h := emergencyHub(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	streams := []struct {
		who    string
		client *api.Client
		staff  bool
	}{
		{"kiosk token", api.NewClient(h.URL, "demo"), false},
		{"display token", api.NewClient(h.URL, "board"), false},
		{"clerk", &api.Client{Base: h.URL, User: "kollege", Password: "demo"}, true},
		{"supervisor", &api.Client{Base: h.URL, User: "leitung", Password: "demo"}, true},
	}
	open := make([]*api.Stream, len(streams))
	for i, s := range streams {
		st, err := s.client.Stream(ctx, webOffice, 0)
		if err != nil {
			t.Fatalf("%s: stream: %v", s.who, err)
		}
		defer st.Close()
		if m, err := st.Next(); err != nil || m.Snapshot == nil {
			t.Fatalf("%s: first message %v, %v", s.who, m.Raw, err)
		}
		open[i] = st
	}

	var e api.Emergency
	if code := post(t, h, "demo", emergencyPath("schalter-1", ""), nil, &e); code != http.StatusOK || e.State != api.EmergencyRaised || e.CounterName == "" {
		t.Fatalf("raise: %d %+v", code, e)
	}
	if code := post(t, h, "kollege", emergencyPath("schalter-1", "ack"), nil, &e); code != http.StatusOK || e.State != api.EmergencyAcknowledged || len(e.Acks) != 1 || e.Acks[0].Account != "kollege" {
		t.Fatalf("ack: %d %+v", code, e)
	}
	// Only the counter that raised it (or a supervisor) ends it.
	if code := post(t, h, "kollege", emergencyPath("schalter-1", "end"), nil, nil); code != http.StatusForbidden {
		t.Fatalf("end by a colleague: %d, want 403", code)
	}
	if code := post(t, h, "demo", emergencyPath("schalter-1", "end"), nil, &e); code != http.StatusOK || e.State != api.EmergencyEnded {
		t.Fatalf("end: %d %+v", code, e)
	}
	walkIn := h.WalkIn(t, webOffice, demo.Meldebescheinigung)

	for i, s := range streams {
		var got []string
		var rev int64
		for {
			m, err := open[i].Next()
			if err != nil {
				t.Fatalf("%s: %v", s.who, err)
			}
			if m.Emergency != nil {
				if m.Emergency.Counter != "schalter-1" {
					t.Errorf("%s: emergency of %q", s.who, m.Emergency.Counter)
				}
				got = append(got, m.Emergency.State)
				// Pages order crossing answers and messages by it.
				if m.Emergency.Rev <= rev {
					t.Errorf("%s: rev %d after %d", s.who, m.Emergency.Rev, rev)
				}
				rev = m.Emergency.Rev
			}
			if m.Event != nil && m.Event.Ticket != nil && m.Event.Ticket.ID == walkIn.ID {
				break
			}
		}
		want := []string{api.EmergencyRaised, api.EmergencyAcknowledged, api.EmergencyEnded}
		if !s.staff {
			want = nil
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s saw the emergency states %q, want %q", s.who, got, want)
		}
	}
}

// TestEmergencyStateForLateWorkplaces: a workplace that opens while a
// call is on learns of it from GET …/emergencies; devices may not ask;
// an ended call is gone, and acknowledging or ending it again is 404.
func TestEmergencyStateForLateWorkplaces(t *testing.T) {
	h := emergencyHub(t)
	var list api.Emergencies
	h.clerkGet(t, "/api/v1/offices/"+webOffice+"/emergencies", &list)
	if len(list.Active) != 0 {
		t.Fatalf("before: %+v", list.Active)
	}
	post(t, h, "demo", emergencyPath("schalter-3", ""), nil, nil)
	h.clerkGet(t, "/api/v1/offices/"+webOffice+"/emergencies", &list)
	if len(list.Active) != 1 || list.Active[0].Counter != "schalter-3" || list.Active[0].RaisedBy != "demo" {
		t.Fatalf("active: %+v", list.Active)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.URL+"/api/v1/offices/"+webOffice+"/emergencies", nil)
	req.Header.Set("Authorization", "Bearer board")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a display token reads the emergencies: %d", resp.StatusCode)
	}
	// A supervisor may end any call.
	if code := post(t, h, "leitung", emergencyPath("schalter-3", "end"), nil, nil); code != http.StatusOK {
		t.Fatalf("end by the supervisor: %d", code)
	}
	h.clerkGet(t, "/api/v1/offices/"+webOffice+"/emergencies", &list)
	if len(list.Active) != 0 {
		t.Fatalf("after the end: %+v", list.Active)
	}
	for _, what := range []string{"ack", "end"} {
		if code := post(t, h, "demo", emergencyPath("schalter-3", what), nil, nil); code != http.StatusNotFound {
			t.Errorf("%s after the end: %d, want 404", what, code)
		}
	}
}

// TestEmergencyRevisionsGrowAcrossARestart: a page that stayed open
// across a hub restart keeps the highest revision it saw of a counter's
// calls and ignores anything older; the restarted hub's first call must be
// newer than the old hub's last change, or it would be neither shown nor
// sounded.
func TestEmergencyRevisionsGrowAcrossARestart(t *testing.T) {
	start := time.Date(2026, 3, 11, 8, 0, 0, 0, time.UTC)
	before := newEmergencies(start)
	var last api.Emergency
	for range 1000 { // a thousand changes before the restart
		before.changed(&last)
	}
	after := newEmergencies(start.Add(2 * time.Second))
	var first api.Emergency
	after.changed(&first)
	if first.Rev <= last.Rev {
		t.Fatalf("the first call after a restart has revision %d, the last before it %d: open pages ignore it", first.Rev, last.Rev)
	}
}

// TestRaiserDoesNotAcknowledge: "someone is coming" means someone else.
// The clerk who raised the call cannot acknowledge it; a colleague can.
func TestRaiserDoesNotAcknowledge(t *testing.T) {
	h := emergencyHub(t)
	var e api.Emergency
	if code := post(t, h, "kollege", emergencyPath("schalter-2", ""), nil, &e); code != http.StatusOK {
		t.Fatalf("raise: %d", code)
	}
	if code := post(t, h, "kollege", emergencyPath("schalter-2", "ack"), nil, &e); code != http.StatusConflict {
		t.Fatalf("the raiser's own acknowledgement: %d %+v, want 409", code, e)
	}
	if code := post(t, h, "leitung", emergencyPath("schalter-2", "ack"), nil, &e); code != http.StatusOK || e.State != api.EmergencyAcknowledged {
		t.Fatalf("the supervisor's acknowledgement: %d %+v", code, e)
	}
}
