package server

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestMonitoringNamesTheHubsMetrics: the Prometheus alert rules and the
// Grafana dashboard in docs/monitoring name only series the hub serves on
// /metrics (or declares there; the clock's is absent while unknown), so a
// renamed metric cannot leave an alert that never fires. The dashboard is
// valid JSON.
func TestMonitoringNamesTheHubsMetrics(t *testing.T) {
	h := deviceHub(t, NoLimits())
	if a := h.raw("POST", statusPath, bearer("k-mitte"), `{"version":"1.0","uptimeSeconds":1,"printer":"paper_out"}`); a.Status != 204 {
		t.Fatalf("report: %d %s", a.Status, a.Body)
	}
	a := h.do("GET", "/metrics", nil, nil)
	if a.Status != 200 {
		t.Fatalf("metrics: %d", a.Status)
	}
	served := map[string]bool{}
	for name := range help {
		served[name] = true
	}
	for _, line := range strings.Split(string(a.Body), "\n") {
		if f := strings.Fields(line); len(f) >= 3 && f[0] == "#" && f[1] == "TYPE" {
			served[f[2]] = true
		}
	}
	name := regexp.MustCompile(`\blotse_[a-z_]+`)
	for _, file := range []string{"../../docs/monitoring/lotse-alerts.yml", "../../docs/monitoring/lotse-dashboard.json"} {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(file, ".json") && !json.Valid(raw) {
			t.Errorf("%s is not valid JSON", file)
		}
		found := name.FindAllString(string(raw), -1)
		if len(found) == 0 {
			t.Errorf("%s names no metric", file)
		}
		for _, n := range found {
			if !served[n] {
				t.Errorf("%s names %s, which /metrics does not serve", file, n)
			}
		}
	}
}
