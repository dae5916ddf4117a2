package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lotse/hub/queue"
)

// TestWalkInAndPrioritySettings: priority levels, the alternation, the
// closing time, the expected no-shows, the booking address and the quota
// reach the domain's office; wrong values are refused with the key named.
func TestWalkInAndPrioritySettings(t *testing.T) {
	const office = `[[office]]
id = "mitte"
name = "Bürgerbüro Mitte"
%s
  [[office.service]]
  id = "pass"
  name = "Personalausweis"
  prefix = "P"
  minutes = 6
  walk_in_quota = %s
  [[office.counter]]
  id = "c1"
  name = "Schalter 1"
  services = ["pass"]
`
	tests := []struct {
		name    string
		extra   string
		quota   string
		wantErr string
		check   func(t *testing.T, q queue.Office)
	}{
		{name: "defaults", quota: "0", check: func(t *testing.T, q queue.Office) {
			d := queue.DefaultPolicy()
			if q.Policy.Closing != 0 || q.Policy.PriorityRun != d.PriorityRun || q.Policy.PriorityYieldAfter != d.PriorityYieldAfter ||
				q.Policy.ExpectedNoShow != d.ExpectedNoShow || len(q.PriorityLevels) != 0 || q.BookingURL != "" || q.Services[0].WalkInQuota != 0 {
				t.Fatalf("office %+v", q)
			}
		}},
		{name: "all set", quota: "40", extra: `closing = "17:30"
priority_run = 3
priority_yield_after = "10m"
expected_no_show = 0.2
booking_url = "https://termine.stadt.de/buergerbuero"
priority_level = [{ id = "behinderung", name = "Behinderung" }, { id = "schwanger", name = "Schwangerschaft" }]`,
			check: func(t *testing.T, q queue.Office) {
				p := q.Policy
				if p.Closing != 17*time.Hour+30*time.Minute || p.PriorityRun != 3 || p.PriorityYieldAfter != 10*time.Minute || p.ExpectedNoShow != 0.2 {
					t.Fatalf("policy %+v", p)
				}
				if q.BookingURL != "https://termine.stadt.de/buergerbuero" || q.Services[0].WalkInQuota != 40 ||
					len(q.PriorityLevels) != 2 || q.PriorityLevels[1] != (queue.PriorityLevel{ID: "schwanger", Name: "Schwangerschaft"}) {
					t.Fatalf("office %+v", q)
				}
			}},
		{name: "alternation off", quota: "0", extra: "priority_run = 0", check: func(t *testing.T, q queue.Office) {
			if q.Policy.PriorityRun != 0 {
				t.Fatalf("priority run %d", q.Policy.PriorityRun)
			}
		}},
		{name: "closing not a time", quota: "0", extra: `closing = "6pm"`, wantErr: "closing"},
		{name: "closing at midnight", quota: "0", extra: `closing = "00:00"`, wantErr: "closing"},
		{name: "booking address not a web address", quota: "0", extra: `booking_url = "termine.stadt.de"`, wantErr: "booking_url"},
		{name: "negative quota", quota: "-1", wantErr: "walk_in_quota"},
		{name: "no-show share of one", quota: "0", extra: "expected_no_show = 1.0", wantErr: "no-show"},
		{name: "level without name", quota: "0", extra: `priority_level = [{ id = "x" }]`, wantErr: "priority level"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "lotse.toml")
			text := strings.Replace(strings.Replace(office, "%s", tt.extra, 1), "%s", tt.quota, 1)
			if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := Load(p)
			if err != nil {
				t.Fatal(err)
			}
			q, err := f.Offices[0].QueueOffice()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one naming %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, q)
		})
	}
}
