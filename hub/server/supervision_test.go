package server

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"lotse/hub/api"
	"lotse/hub/booking/demo"
)

// testDevices is a settable device monitor.
type testDevices struct {
	mu       sync.Mutex
	list     []map[string]any
	problems []DeviceProblem
}

func (d *testDevices) DeviceList(string) any {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.list)
}

func (d *testDevices) DeviceProblems(string, time.Time) []DeviceProblem {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.problems)
}

func (d *testDevices) set(list []map[string]any, problems []DeviceProblem) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.list, d.problems = list, problems
}

// TestSupervisionAccess: only supervisors and admins of the office read
// the manager's view; clerks, the desk and devices get 403 with the API's
// error JSON, strangers 401.
func TestSupervisionAccess(t *testing.T) {
	clerks := []Clerk{
		{User: "clerk", PasswordHash: accessHash(), Roles: []string{RoleClerk}},
		{User: "desk", PasswordHash: accessHash(), Roles: []string{RoleDesk}},
		{User: "chief", PasswordHash: accessHash(), Roles: []string{RoleSupervisor}},
		{User: "admin", PasswordHash: accessHash(), Roles: []string{RoleAdmin}},
		{User: "nordchief", PasswordHash: accessHash(), Roles: []string{RoleSupervisor}, Offices: []string{accessNord}},
	}
	devices := []Device{{Name: "kiosk", Token: "kiosk", Role: RoleKiosk}, {Name: "tv", Token: "tv", Role: RoleDisplay}}
	h := newAccessHub(t, clerks, devices, Limits{})
	mitte := "/api/v1/offices/" + accessMitte + "/supervision"
	nord := "/api/v1/offices/" + accessNord + "/supervision"
	tests := []struct {
		name     string
		path     string
		as       who
		want     int
		wantCode string
	}{
		{"supervisor", mitte, basic("chief", "demo"), 200, ""},
		{"admin", mitte, basic("admin", "demo"), 200, ""},
		{"clerk", mitte, basic("clerk", "demo"), 403, "forbidden"},
		{"desk", mitte, basic("desk", "demo"), 403, "forbidden"},
		{"kiosk", mitte, bearer("kiosk"), 403, "forbidden"},
		{"display", mitte, bearer("tv"), 403, "forbidden"},
		{"nobody", mitte, nil, 401, "unauthorized"},
		{"wrong password", mitte, basic("chief", "wrong"), 401, "unauthorized"},
		{"supervisor of another office", mitte, basic("nordchief", "demo"), 403, "forbidden"},
		{"supervisor of this office", nord, basic("nordchief", "demo"), 200, ""},
		{"unknown office", "/api/v1/offices/nowhere/supervision", basic("chief", "demo"), 404, "not_found"},
		{"city: clerk", "/api/v1/supervision", basic("clerk", "demo"), 403, "forbidden"},
		{"city: display", "/api/v1/supervision", bearer("tv"), 403, "forbidden"},
		{"city: supervisor", "/api/v1/supervision", basic("chief", "demo"), 200, ""},
	}
	for _, tt := range tests {
		a := h.do("GET", tt.path, tt.as, nil)
		if a.Status != tt.want || a.Error.Code != tt.wantCode {
			t.Errorf("%s: %d %s, want %d %q", tt.name, a.Status, a.Body, tt.want, tt.wantCode)
		}
	}

	// The city overview lists the offices the account may supervise.
	for user, want := range map[string][]string{"chief": {accessMitte, accessNord}, "nordchief": {accessNord}} {
		var city api.CityOverview
		if err := json.Unmarshal(h.do("GET", "/api/v1/supervision", basic(user, "demo"), nil).Body, &city); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, o := range city.Offices {
			got = append(got, o.Office)
		}
		if !slices.Equal(got, want) {
			t.Errorf("city overview of %s: %v, want %v", user, got, want)
		}
	}

	// A supervisor's session opened at Mitte reads Nord too (the city
	// overview opens each office), and its stream; a clerk's does not.
	chief, _ := h.session(login(accessMitte, "", "chief", "demo", false))
	clerk, _ := h.session(login(accessMitte, "", "desk", "demo", false))
	for _, tt := range []struct {
		name string
		path string
		as   who
		want int
	}{
		{"supervisor session, other office", nord, cookie(chief, ""), 200},
		{"supervisor session, other office's queue", "/api/v1/offices/" + accessNord + "/queue", cookie(chief, ""), 200},
		{"desk session, other office's queue", "/api/v1/offices/" + accessNord + "/queue", cookie(clerk, ""), 401},
		{"desk session, supervision", mitte, cookie(clerk, ""), 403},
	} {
		if a := h.do("GET", tt.path, tt.as, nil); a.Status != tt.want {
			t.Errorf("%s: %d %s, want %d", tt.name, a.Status, a.Body, tt.want)
		}
	}
	// Writing stays with the session's own office.
	if a := h.do("POST", "/api/v1/offices/"+accessNord+"/tickets", cookie(chief, ""), api.WalkInRequest{Service: demo.Meldebescheinigung}); a.Status != 401 {
		t.Errorf("supervisor session draws a ticket at another office: %d %s", a.Status, a.Body)
	}
}

// supervision reads the office's live view as the demo account.
func (h *testHub) supervision(t *testing.T, officeID string) api.Supervision {
	t.Helper()
	var v api.Supervision
	h.clerkGet(t, "/api/v1/offices/"+officeID+"/supervision", &v)
	return v
}

func (h *testHub) act(t *testing.T, officeID, counter, action string) api.ActionResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := h.Clerk().Act(ctx, officeID, counter, action, api.ActionRequest{})
	if err != nil {
		t.Fatalf("%s at %s: %v", action, counter, err)
	}
	return r
}

func counterOf(t *testing.T, v api.Supervision, id string) api.SupervisedCounter {
	t.Helper()
	for _, c := range v.Counters {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no counter %s in %+v", id, v.Counters)
	return api.SupervisedCounter{}
}

func serviceOf(t *testing.T, v api.Supervision, id string) api.SupervisedService {
	t.Helper()
	for _, s := range v.Services {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("no service %s in %+v", id, v.Services)
	return api.SupervisedService{}
}

func alertsOf(v api.Supervision, kind string) []api.SupervisionAlert {
	var out []api.SupervisionAlert
	for _, a := range v.Alerts {
		if a.Kind == kind {
			out = append(out, a)
		}
	}
	return out
}

// TestSupervisionCounters follows a counter through its states: nobody
// there (closed), serving a ticket since its call, paused since the
// pause, idle since the finish; each date stays while the state does.
func TestSupervisionCounters(t *testing.T) {
	h := newTestHub(t)
	off, c := demo.Mitte, "schalter-1"
	start := h.Clock.Now()
	v := h.supervision(t, off)
	if got := counterOf(t, v, c); got.State != api.CounterClosed || got.Ticket != nil || got.Clerk != nil {
		t.Fatalf("before anyone works: %+v, want closed", got)
	}
	if len(v.Counters) != 8 || !v.Now.Equal(start) {
		t.Fatalf("counters %d, now %v; want 8 at %v", len(v.Counters), v.Now, start)
	}

	tk := h.WalkIn(t, off, demo.Meldebescheinigung)
	h.Clock.Advance(3 * time.Minute)
	called := h.Clock.Now()
	h.act(t, off, c, "next")
	h.Clock.Advance(2 * time.Minute)
	got := counterOf(t, h.supervision(t, off), c)
	if got.State != api.CounterServing || got.Ticket == nil || *got.Ticket != tk.Number || got.Since == nil || !got.Since.Equal(called) || !got.Called {
		t.Fatalf("after next: %+v, want serving %s since %v", got, tk.Number, called)
	}
	h.act(t, off, c, "start")
	if got := counterOf(t, h.supervision(t, off), c); got.Called || !got.Since.Equal(called) {
		t.Fatalf("after start: %+v, want serving since the call", got)
	}

	h.Clock.Advance(4 * time.Minute)
	finished := h.Clock.Now()
	h.act(t, off, c, "finish")
	h.Clock.Advance(time.Minute)
	if got := counterOf(t, h.supervision(t, off), c); got.State != api.CounterIdle || got.Ticket != nil || !got.Since.Equal(finished) {
		t.Fatalf("after finish: %+v, want idle since %v", got, finished)
	}

	h.Clock.Advance(time.Minute)
	paused := h.Clock.Now()
	h.act(t, off, c, "pause")
	h.Clock.Advance(5 * time.Minute)
	for range 2 { // a second look keeps the date
		if got := counterOf(t, h.supervision(t, off), c); got.State != api.CounterPaused || !got.Since.Equal(paused) {
			t.Fatalf("after pause: %+v, want paused since %v", got, paused)
		}
	}
	if got := counterOf(t, h.supervision(t, off), "schalter-2"); got.State != api.CounterClosed {
		t.Errorf("a counter nobody used: %+v, want closed", got)
	}
}

// TestSupervisionClerk: a counter with a clerk's session names the clerk.
func TestSupervisionClerk(t *testing.T) {
	h := newAccessHub(t, []Clerk{{User: "anna", PasswordHash: accessHash(), Roles: []string{RoleClerk}},
		{User: "chief", PasswordHash: accessHash(), Roles: []string{RoleSupervisor}}}, nil, Limits{})
	h.session(login(accessMitte, "schalter-3", "anna", "demo", false))
	var v api.Supervision
	if err := json.Unmarshal(h.do("GET", "/api/v1/offices/"+accessMitte+"/supervision", basic("chief", "demo"), nil).Body, &v); err != nil {
		t.Fatal(err)
	}
	got := counterOf(t, v, "schalter-3")
	if got.State != api.CounterIdle || got.Clerk == nil || *got.Clerk != "anna" {
		t.Errorf("counter with a session: %+v, want idle with clerk anna", got)
	}
}

// TestSupervisionAlerts raises each kind of alert from its cause: a wait
// over the office's threshold, tickets no serving counter takes, the
// booking backend down, refused reports, and the devices' problems.
func TestSupervisionAlerts(t *testing.T) {
	devices := &testDevices{}
	h := newTestHub(t, func(c *Config) {
		c.Manage = ManageConfig{WaitAlert: map[string]time.Duration{demo.Mitte: 10 * time.Minute}, Devices: devices}
	})
	off := demo.Mitte
	v := h.supervision(t, off)
	if len(v.Alerts) != 0 || v.Settings.WaitAlertMinutes != 10 || string(v.Devices) != "[]" {
		t.Fatalf("a quiet office: alerts %+v, settings %+v, devices %s", v.Alerts, v.Settings, v.Devices)
	}
	if v := h.supervision(t, demo.Nord); v.Settings.WaitAlertMinutes != 30 {
		t.Errorf("default threshold: %v, want 30", v.Settings.WaitAlertMinutes)
	}

	// Schalter 6 and 7 serve the car registration; with nobody there, a
	// walk-in for it is stranded.
	arrived := h.Clock.Now()
	h.WalkIn(t, off, demo.KfzUmmeldung)
	h.WalkIn(t, off, demo.KfzUmmeldung)
	h.Clock.Advance(9 * time.Minute)
	v = h.supervision(t, off)
	st := alertsOf(v, api.AlertStranded)
	if len(st) != 1 || st[0].Service != demo.KfzUmmeldung || st[0].Count != 2 || st[0].Since == nil || !st[0].Since.Equal(arrived) || st[0].Text == "" {
		t.Fatalf("stranded: %+v", st)
	}
	if w := alertsOf(v, api.AlertWait); len(w) != 0 {
		t.Fatalf("9 minutes under a 10-minute threshold: %+v", w)
	}
	if s := serviceOf(t, v, demo.KfzUmmeldung); s.Waiting != 2 || s.LongestWaitMinutes != 9 || s.EstimatedWaitMinutes != -1 { // no staffed counter: no estimate
		t.Fatalf("service line: %+v", s)
	}

	h.Clock.Advance(2 * time.Minute)
	v = h.supervision(t, off)
	w := alertsOf(v, api.AlertWait)
	if len(w) != 1 || w[0].Service != demo.KfzUmmeldung || w[0].Minutes != 11 || !w[0].Since.Equal(arrived.Add(10*time.Minute)) {
		t.Fatalf("wait over threshold: %+v", w)
	}

	// A clerk at Schalter 6 takes the line: no longer stranded, and once
	// both are called nobody waits too long.
	h.act(t, off, "schalter-6", "next")
	if st := alertsOf(h.supervision(t, off), api.AlertStranded); len(st) != 0 {
		t.Fatalf("with Schalter 6 open: stranded %+v", st)
	}
	h.act(t, off, "schalter-6", "finish")
	h.act(t, off, "schalter-6", "next")
	if v := h.supervision(t, off); len(alertsOf(v, api.AlertWait)) != 0 || serviceOf(t, v, demo.KfzUmmeldung).Waiting != 0 {
		t.Fatalf("line served: %+v", v.Alerts)
	}

	down := h.Clock.Now().Add(-20 * time.Minute)
	h.Health.set(OfficeHealthInfo{WarningCode: "reports_failing", Warning: "down", Since: down, DeadLetters: 3})
	paperOut := h.Clock.Now().Add(-time.Minute)
	devices.set([]map[string]any{{"device": "kiosk-1", "printer": "paper_out"}},
		[]DeviceProblem{{Kind: "paper_out", Device: "kiosk-1", Since: paperOut, Text: "Kiosk kiosk-1: Papier leer"}})
	v = h.supervision(t, off)
	if b := alertsOf(v, api.AlertBookingDown); len(b) != 1 || !b[0].Since.Equal(down) {
		t.Errorf("booking down: %+v", b)
	}
	if d := alertsOf(v, api.AlertDeadLetters); len(d) != 1 || d[0].Count != 3 {
		t.Errorf("dead letters: %+v", d)
	}
	if p := alertsOf(v, "paper_out"); len(p) != 1 || p[0].Device != "kiosk-1" || !p[0].Since.Equal(paperOut) || p[0].Text != "Kiosk kiosk-1: Papier leer" {
		t.Errorf("paper out: %+v", p)
	}
	var list []map[string]any
	if err := json.Unmarshal(v.Devices, &list); err != nil || len(list) != 1 || list[0]["printer"] != "paper_out" {
		t.Errorf("devices: %s %v", v.Devices, err)
	}

	var city api.CityOverview
	h.clerkGet(t, "/api/v1/supervision", &city)
	if len(city.Offices) != 2 || city.Offices[0].Office != off || city.Offices[0].Counters[api.CounterServing] != 1 || len(city.Offices[0].Alerts) != len(v.Alerts) {
		t.Errorf("city overview: %+v", city)
	}
}

// TestSupervisionNoContent: a plain GET answers JSON with every list
// present, never null (the page iterates them).
func TestSupervisionNoContent(t *testing.T) {
	h := newTestHub(t)
	req, _ := http.NewRequest(http.MethodGet, h.URL+"/api/v1/offices/"+demo.Nord+"/supervision", nil)
	req.SetBasicAuth("demo", "demo")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw map[string]json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"counters", "services", "alerts", "devices"} {
		if string(raw[k]) == "null" || raw[k] == nil {
			t.Errorf("%s: %s", k, raw[k])
		}
	}
}

// TestSupervisionDeviceReports: a kiosk's own status report reaches the
// manager's view: the device in the list, its empty printer as an alert,
// which goes when paper is back.
func TestSupervisionDeviceReports(t *testing.T) {
	h := newTestHub(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	report := func(printer string) {
		t.Helper()
		st := api.DeviceStatus{Version: "1.2.3", UptimeSeconds: 60, Kind: api.DeviceKiosk, Office: demo.Mitte, Printer: printer,
			Scanner: api.LinkConnected, Stream: api.LinkConnected}
		if err := h.Device().ReportStatus(ctx, st); err != nil {
			t.Fatalf("report %s: %v", printer, err)
		}
	}
	report(api.PrinterPaperOut)
	v := h.supervision(t, demo.Mitte)
	p := alertsOf(v, "paper_out")
	if len(p) != 1 || p[0].Device != "demo" || p[0].Text == "" || p[0].Since == nil {
		t.Fatalf("paper out: %+v", v.Alerts)
	}
	var list []api.DeviceHealth
	if err := json.Unmarshal(v.Devices, &list); err != nil || len(list) != 1 || list[0].Device != "demo" || list[0].Printer != api.PrinterPaperOut {
		t.Fatalf("devices: %s %v", v.Devices, err)
	}
	if other := h.supervision(t, demo.Nord); len(alertsOf(other, "paper_out")) != 0 || string(other.Devices) != "[]" {
		t.Errorf("Nord sees Mitte's kiosk: %+v %s", other.Alerts, other.Devices)
	}
	report(api.PrinterOK)
	if p := alertsOf(h.supervision(t, demo.Mitte), "paper_out"); len(p) != 0 {
		t.Errorf("paper back: %+v", p)
	}
}
