package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"lotse/hub/api"
	"lotse/hub/booking/demo"
	"lotse/hub/clocktest"
)

// TestAuditAnswersWhoCalledTwice: two clerks work on one ticket; the
// supervisor asks the trail for the ticket (typed as anyone would) and
// reads who did what at which counter, the finish that "next" did on the
// way included and a repeated click not twice. A clerk may not read the
// trail. Entries older than audit_days go at the next write after them.
func TestAuditAnswersWhoCalledTwice(t *testing.T) {
	clk := clocktest.New(testHubDay)
	h := newTestHub(t, func(c *Config) {
		c.Now = clk.Now
		c.Manage.AuditDays = 30
		c.Auth = NewAuth([]Clerk{
			{User: "demo", PasswordHash: accessHash()},
			{User: "kollege", PasswordHash: accessHash(), Roles: []string{RoleClerk}, Counters: []string{"schalter-2"}},
		}, []Device{{Name: "demo", Token: "demo"}}, []byte("test session key"), 0)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	demoClerk := h.Clerk()
	kollege := &api.Client{Base: h.URL, User: "kollege", Password: "demo"}
	act := func(c *api.Client, counter, action string, req api.ActionRequest) {
		t.Helper()
		if _, err := c.Act(ctx, webOffice, counter, action, req); err != nil {
			t.Fatalf("%s at %s: %v", action, counter, err)
		}
		clk.Advance(time.Minute)
	}
	tk := h.WalkIn(t, webOffice, demo.Meldebescheinigung)
	other := h.WalkIn(t, webOffice, demo.Meldebescheinigung)
	act(demoClerk, "schalter-1", api.ActionNext, api.ActionRequest{RequestID: "r1"})
	act(demoClerk, "schalter-1", api.ActionNext, api.ActionRequest{RequestID: "r1"}) // a double click: one entry
	act(demoClerk, "schalter-1", "recall", api.ActionRequest{})
	act(demoClerk, "schalter-1", "park", api.ActionRequest{})
	act(kollege, "schalter-2", "call", api.ActionRequest{Ticket: tk.ID})
	act(kollege, "schalter-2", "start", api.ActionRequest{})
	act(kollege, "schalter-2", api.ActionNext, api.ActionRequest{Outcome: "done"}) // finishes tk, calls the other
	if code := post(t, h, "kollege", emergencyPath("schalter-2", ""), nil, nil); code != http.StatusOK {
		t.Fatalf("emergency: %d", code)
	}

	trail := func(query string) string {
		t.Helper()
		var v AuditView
		h.clerkGet(t, "/api/v1/offices/"+webOffice+"/audit?"+query, &v)
		if v.Days != 30 {
			t.Errorf("days %d, want 30", v.Days)
		}
		var s []string
		for _, l := range v.Lines {
			s = append(s, l.Account+" "+l.Counter+" "+l.Action+" "+l.Ticket)
		}
		return strings.Join(s, ", ")
	}
	typed := strings.ToLower(tk.Number[:1]) + " " + tk.Number[1:] // "m 001"
	want := "kollege schalter-2 finish " + tk.Number + ", kollege schalter-2 start " + tk.Number + ", kollege schalter-2 call " + tk.Number +
		", demo schalter-1 park " + tk.Number + ", demo schalter-1 recall " + tk.Number + ", demo schalter-1 next " + tk.Number
	if got := trail("ticket=" + url.QueryEscape(typed)); got != want {
		t.Errorf("the ticket's trail:\n got %s\nwant %s", got, want)
	}
	if got := trail("account=kollege&action=next"); got != "kollege schalter-2 next "+other.Number {
		t.Errorf("kollege's next: %s", got)
	}
	if got := trail("action=emergency"); got != "kollege schalter-2 emergency " {
		t.Errorf("emergencies: %q", got)
	}
	day := testHubDay.Format("2006-01-02")
	if got := trail("from=2026-03-19&to=2026-03-19"); got != "" {
		t.Errorf("the next day: %s", got)
	}
	if got := trail("from=" + day + "&to=" + day + "&counter=schalter-1&limit=1"); got != "demo schalter-1 park "+tk.Number {
		t.Errorf("the day at schalter-1, one line: %s", got)
	}

	// A clerk without the supervisor role may not read it.
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.URL+"/api/v1/offices/"+webOffice+"/audit", nil)
	req.SetBasicAuth("kollege", "demo")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a clerk reads the trail: %d", resp.StatusCode)
	}

	// 31 days on, the next write purges what is older than 30 days.
	clk.Advance(31 * 24 * time.Hour)
	if code := post(t, h, "kollege", emergencyPath("schalter-2", "end"), nil, nil); code != http.StatusOK {
		t.Fatalf("end: %d", code)
	}
	if got := trail(""); got != "kollege schalter-2 emergency_end " {
		t.Errorf("after 31 days the trail holds: %s", got)
	}
}
