package instance_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"lotse/hub/api"
	"lotse/hub/instance"
	"lotse/hub/server"
	"lotse/internal/timesync"
	"lotse/internal/version"
)

// TestHealthzNamesVersionAndClock: /healthz carries the build and the
// clock's state, and an unsynchronised clock (only that, not an unknown
// one) degrades the hub and raises an alert in the manager's view.
func TestHealthzNamesVersionAndClock(t *testing.T) {
	tests := []struct {
		state      string
		wantStatus string
		wantAlert  bool
		wantMetric string
	}{
		{timesync.Synchronized, "ok", false, "lotse_clock_synchronized{} 1"},
		{timesync.Unsynchronized, "degraded", true, "lotse_clock_synchronized{} 0"},
		{timesync.Unknown, "ok", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.state, func(t *testing.T) {
			h := startHubWith(t, "", nil, func(o *instance.Options) {
				o.ClockSync = func(context.Context) timesync.Status { return timesync.Status{State: tt.state} }
				o.Clerks = []server.Clerk{{User: "demo", PasswordHash: demoHash, Roles: server.AllRoles}}
			})
			hz, err := h.clerk.Health(ctx(t))
			if err != nil {
				t.Fatal(err)
			}
			if hz.Version != version.String() || hz.Clock != tt.state || hz.Status != tt.wantStatus {
				t.Fatalf("healthz version %q clock %q status %q; want %q, %q, %q", hz.Version, hz.Clock, hz.Status, version.String(), tt.state, tt.wantStatus)
			}
			if got := len(hz.Warnings) > 0 && hz.Warnings[0].Code == api.AlertClock; got != tt.wantAlert {
				t.Errorf("healthz warnings %+v", hz.Warnings)
			}

			req, _ := http.NewRequest(http.MethodGet, h.URL+"/api/v1/offices/"+mitte+"/supervision", nil)
			req.SetBasicAuth("demo", "demo")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var sv api.Supervision
			err = json.NewDecoder(resp.Body).Decode(&sv)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("supervision: %d, %v", resp.StatusCode, err)
			}
			alert := false
			for _, a := range sv.Alerts {
				alert = alert || (a.Kind == api.AlertClock && strings.Contains(a.Text, "nicht synchronisiert"))
			}
			if alert != tt.wantAlert {
				t.Errorf("supervision alerts %+v; want the clock alert: %v", sv.Alerts, tt.wantAlert)
			}

			resp, err = http.Get(h.URL + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			has := strings.Contains(string(body), "\nlotse_clock_synchronized{")
			if tt.wantMetric == "" && has || tt.wantMetric != "" && !strings.Contains(string(body), "\n"+tt.wantMetric+"\n") {
				t.Errorf("metrics: want %q, clock line present: %v", tt.wantMetric, has)
			}
			if !strings.Contains(string(body), `lotse_build_info{version="`+version.String()+`"} 1`) {
				t.Error("metrics without the build's version")
			}
		})
	}
}
