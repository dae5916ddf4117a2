package server

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"lotse/hub/statistics"
)

// TestAdvice: the advice reads the period's cells for supervisors and
// admins of the office only, and answers the contract's shape.
func TestAdvice(t *testing.T) {
	h := statHub(t)
	// Four weeks of a service with one no-show in six and visits of 8
	// minutes: enough to advise on.
	var cells []statistics.Cell
	for d := range 28 {
		day := fmt.Sprintf("2026-02-%02d", 1+d)
		for hour := 8; hour < 12; hour++ {
			visits := statistics.Cell{Office: accessMitte, Day: day, Hour: hour, Service: "meldebescheinigung", Counter: "schalter-1",
				Served: 5, ServiceSeconds: 5 * 8 * 60}
			visits.ServiceHistogram[8] = 5
			cells = append(cells, statistics.Cell{Office: accessMitte, Day: day, Hour: hour, Service: "meldebescheinigung", Booked: 6, NoShows: 1, CheckedIn: 5}, visits)
		}
	}
	if err := h.db.AddStatCells(context.Background(), cells); err != nil {
		t.Fatal(err)
	}
	base := "/api/v1/offices/" + accessMitte + "/advice"
	for _, tc := range []struct {
		name  string
		as    who
		query string
		want  int
		code  string
	}{
		{"supervisor of the office", basic("chef", "demo"), "?from=2026-02-01&to=2026-02-28", 200, ""},
		{"admin of every office", basic("admin", "demo"), "?from=2026-02-01&to=2026-02-28", 200, ""},
		{"clerk without the role", basic("clerk1", "demo"), "", 403, "forbidden"},
		{"supervisor of another office", basic("chefnord", "demo"), "", 403, "forbidden"},
		{"kiosk token", bearer("kiosk"), "", 401, "unauthorized"},
		{"a wait target of no minutes", basic("chef", "demo"), "?waitTarget=0", 400, "bad_request"},
		{"a wait target that is not a number", basic("chef", "demo"), "?waitTarget=soon", 400, "bad_request"},
		{"from after to", basic("chef", "demo"), "?from=2026-02-10&to=2026-02-01", 400, "bad_request"},
	} {
		a := h.do("GET", base+tc.query, tc.as, nil)
		if a.Status != tc.want || a.Error.Code != tc.code {
			t.Errorf("%s: %d %q, want %d %q", tc.name, a.Status, a.Error.Code, tc.want, tc.code)
		}
	}
	a := h.do("GET", base+"?from=2026-02-01&to=2026-02-28&waitTarget=20", basic("chef", "demo"), nil)
	var got adviceJSON
	if err := json.Unmarshal(a.Body, &got); err != nil {
		t.Fatalf("%v: %s", err, a.Body)
	}
	if got.Office != accessMitte || got.WaitTargetMinutes != 20 || got.Method != "docs/statistics.md" {
		t.Fatalf("advice %+v", got)
	}
	var melde *serviceAdviceJSON
	for i := range got.Services {
		if got.Services[i].Service == "meldebescheinigung" {
			melde = &got.Services[i]
		}
	}
	if melde == nil || !melde.Enough || melde.Appointments != 28*4*6 || melde.OverbookingPercent <= 0 ||
		melde.SuggestedSlotMinutes != 9 || len(melde.ByWeekdayHour) != 7*4 || melde.WaitP90Minutes > 20 {
		t.Fatalf("meldebescheinigung: %+v", melde)
	}
}
