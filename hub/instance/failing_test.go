package instance_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lotse/hub/instance"
	"lotse/hub/store"
)

// TestFailingAgreesWithHealthz (issue 17): the systemd watchdog pings
// only while Server.Failing is nil, so Failing must fail exactly when
// /healthz answers "failing", and name the same cause.
func TestFailingAgreesWithHealthz(t *testing.T) {
	for _, tc := range []struct {
		name     string
		breakDB  bool
		wantCode int
	}{
		{"healthy", false, http.StatusOK},
		{"database files gone", true, http.StatusServiceUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "lotse.db")
			h := startWith(t, context.Background(), path, nil, instance.HTTPLimits{})
			if tc.breakDB {
				for _, p := range []string{path, path + "-wal", path + "-shm"} {
					if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
						t.Fatal(err)
					}
				}
			}
			err := h.Server.Failing(context.Background())
			code, health := getHealth(t, h.URL)
			if code != tc.wantCode {
				t.Fatalf("/healthz %d %q, want %d", code, health.Status, tc.wantCode)
			}
			if (err != nil) != tc.breakDB {
				t.Fatalf("Failing() = %v while /healthz answers %d %q", err, code, health.Status)
			}
			if err != nil && !strings.Contains(err.Error(), store.ProblemGone) {
				t.Errorf("Failing() = %v, want it to name %s like /healthz does (%+v)", err, store.ProblemGone, health.Problems)
			}
		})
	}
}
