package instance_test

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"lotse/hub/booking/demo"
	"lotse/hub/clocktest"
	"lotse/hub/instance"
	"lotse/hub/server"
	"lotse/hub/statistics"
)

// TestDemoHistory: demo mode starts with 90 days of statistics before
// today for every office, once; a hub outside demo mode has only what it
// counted.
func TestDemoHistory(t *testing.T) {
	for _, tc := range []struct {
		name string
		demo bool
		want int // days with cells
	}{
		{"demo mode", true, 90 * 5 / 7},
		{"a real office", false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "h.db")
			c := clocktest.New(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
			var sums []statistics.Cell
			for range 2 { // a restart adds nothing
				b := demo.New(c.Now)
				o := instance.Options{Addr: "127.0.0.1:0", DBPath: path, Offices: demo.Offices(), Backend: b, Now: c.Now, Elapsed: c.Elapsed,
					Clerks: []server.Clerk{{User: "chef", PasswordHash: demoHash, Roles: []string{server.RoleSupervisor}}}}
				if tc.demo {
					o.Demo = b
				}
				start := time.Now()
				h, err := instance.Start(context.Background(), o)
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("start took %v", time.Since(start))
				if tc.demo {
					waitForHistory(t, h)
				}
				// The page's default period, the last 30 days, is not empty
				// in demo mode.
				var r statistics.Report
				req, _ := http.NewRequest("GET", h.URL+"/api/v1/offices/"+demo.Mitte+"/statistics", nil)
				req.SetBasicAuth("chef", "demo")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				err = json.NewDecoder(resp.Body).Decode(&r)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusOK || r.From != "2026-11-01" || len(r.Rows) != 30 {
					t.Fatalf("statistics: %d %+v %v", resp.StatusCode, r, err)
				}
				// Today's bookings count either way; history only in demo mode.
				if history := r.Totals.Served > 0; history != tc.demo {
					t.Fatalf("served in the last 30 days: %d", r.Totals.Served)
				}
				cells, err := h.DB.StatCells(context.Background(), demo.Mitte, "2026-08-01", "2026-11-29")
				h.Stop()
				if err != nil {
					t.Fatal(err)
				}
				days := map[string]bool{}
				var sum statistics.Cell
				for _, c := range cells {
					days[c.Day] = true
					sum.Add(&c)
				}
				if len(days) < tc.want-2 || len(days) > tc.want+2 {
					t.Fatalf("%d days with statistics, want about %d", len(days), tc.want)
				}
				if tc.demo && (days["2026-08-31"] || !days["2026-09-01"] || !days["2026-11-27"] || days["2026-11-28"]) {
					t.Fatalf("days %v: want 2026-09-01 … 2026-11-27 (weekdays)", days)
				}
				sums = append(sums, sum)
			}
			if sums[0] != sums[1] {
				t.Fatalf("the restart changed the history")
			}
		})
	}
}

// waitForHistory waits until the history, written beside the running
// hub, reached yesterday in both offices.
func waitForHistory(t *testing.T, h *instance.Hub) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for _, office := range []string{demo.Mitte, demo.Nord} {
		for {
			cells, err := h.DB.StatCells(context.Background(), office, "2026-11-27", "2026-11-29")
			if err != nil {
				t.Fatal(err)
			}
			if len(cells) > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no history for %s after a minute", office)
			}
			time.Sleep(10 * time.Millisecond) // real work in the background, not a clock
		}
	}
}
