package instance_test

import (
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"lotse/hub/api"
	"lotse/hub/server"
)

// TestStartNextMorningAfterAnOvernightStop: the hub was stopped in the
// evening with tickets in every state and counters open and paused. The
// first start next morning closes the old day, purges its personal data
// from every office and serves the new day.
func TestStartNextMorningAfterAnOvernightStop(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "lotse.db")
	h := startHub(t, dbPath, nil)
	c := ctx(t)
	act := func(counter, action string, req api.ActionRequest) api.ActionResult {
		t.Helper()
		res, err := h.clerk.Act(c, mitte, counter, action, req)
		if err != nil {
			t.Fatalf("%s at %s: %v", action, counter, err)
		}
		return res
	}
	walkIn := func(service string) api.Ticket {
		t.Helper()
		tk, err := h.device.WalkIn(c, mitte, api.WalkInRequest{Service: service})
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	// Kfz tickets: only schalter-6, 7 and 8 call them.
	for range 5 {
		walkIn("kfz-ummeldung")
	}
	act("schalter-8", api.ActionNext, api.ActionRequest{})
	act("schalter-8", api.ActionFinish, api.ActionRequest{}) // done
	act("schalter-8", api.ActionNext, api.ActionRequest{})
	act("schalter-8", api.ActionNoShow, api.ActionRequest{}) // missed
	act("schalter-8", api.ActionNext, api.ActionRequest{})
	act("schalter-8", api.ActionPark, api.ActionRequest{}) // parked
	act("schalter-6", api.ActionOpen, api.ActionRequest{}) // a clerk works there: the transfer waits for them
	act("schalter-7", api.ActionNext, api.ActionRequest{})
	act("schalter-7", api.ActionTransfer, api.ActionRequest{Counter: "schalter-6"}) // transferred
	act("schalter-7", api.ActionNext, api.ActionRequest{})
	act("schalter-7", api.ActionStart, api.ActionRequest{}) // serving
	act("schalter-6", api.ActionPause, api.ActionRequest{}) // the transfer's counter paused
	appts := h.inWindow(t, mitte)
	if _, err := h.device.CheckIn(c, mitte, api.CheckInRequest{Code: server.DemoPayload(appts[0])}); err != nil {
		t.Fatal(err)
	}
	walkIn("anmeldung")
	act("schalter-1", api.ActionNext, api.ActionRequest{}) // called
	walkIn("anmeldung")                                    // waiting
	act("schalter-3", api.ActionPause, api.ActionRequest{})
	before, err := h.device.Queue(c, mitte)
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]int{}
	for _, tk := range before.Tickets {
		states[tk.State]++
		if tk.TargetCounter != "" {
			states["transferred"]++
		}
	}
	for _, s := range []string{api.StateWaiting, api.StateCalled, api.StateServing, api.StateParked, api.StateMissed, "transferred"} {
		if states[s] == 0 {
			t.Fatalf("no ticket %s before the stop: %v", s, states)
		}
	}
	h.Stop()

	morning := h.clock.Now().Add(21*time.Hour + 30*time.Minute) // 07:30 next day
	h.clock.Set(morning)
	h2 := startHub(t, dbPath, h.clock)
	today := morning.Format("2006-01-02")
	after, err := h2.device.Queue(c, mitte)
	if err != nil {
		t.Fatal(err)
	}
	if after.Day != today || len(after.Tickets) != 0 {
		t.Fatalf("the morning shows day %s with %d tickets", after.Day, len(after.Tickets))
	}
	for _, ct := range after.Counters {
		if ct.Ticket != nil {
			t.Fatalf("%s still holds %s", ct.ID, ct.Ticket.Number)
		}
	}
	events, err := h2.device.Events(c, mitte, before.Seq)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) == 0 || events[0].Type != "day_turned" || events[0].Ticket != nil {
		t.Fatalf("events after yesterday's last: %+v", events)
	}
	// A board that ran since yesterday resumes with yesterday's seq: it
	// gets the new day's snapshot, not yesterday's calls.
	s, err := h2.device.Stream(c, mitte, before.Seq)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if m := next(t, s); m.Snapshot == nil || m.Snapshot.Day != today || len(m.Snapshot.Calls) != 0 {
		t.Fatalf("resuming from yesterday: %s", m.Raw)
	}
	db, err := sql.Open("sqlite3", "file:"+dbPath+"?_query_only=1")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, table := range []string{"appointments", "tickets", "events"} {
		var n int
		if err := db.QueryRow("SELECT count(*) FROM "+table+" WHERE day < ?", today).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("%d rows of past days left in %s", n, table)
		}
	}
	tk, err := h2.device.WalkIn(c, mitte, api.WalkInRequest{Service: "anmeldung"})
	if err != nil || tk.Number != "A001" {
		t.Fatalf("first ticket of the morning: %+v, %v", tk, err)
	}
}
