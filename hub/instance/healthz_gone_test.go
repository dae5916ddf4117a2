package instance_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"lotse/hub/instance"
	"lotse/hub/store"
)

// TestHealthzNamesADatabaseFileThatIsGone (issue 10.11): when the database
// files are deleted or moved away under a running hub, SQLite goes on
// writing into the unlinked file and every walk-in is lost at the next
// start. /healthz must fail and name the cause.
func TestHealthzNamesADatabaseFileThatIsGone(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "lotse.db")
	h := startWith(t, context.Background(), path, nil, instance.HTTPLimits{})
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	code, health := getHealth(t, h.URL)
	if code == http.StatusOK || health.Status == "ok" {
		t.Fatalf("database file deleted under the hub: /healthz %d %q, want non-200 naming the cause", code, health.Status)
	}
	named := false
	for _, p := range health.Problems {
		named = named || p.Code == store.ProblemGone
	}
	if !named {
		t.Fatalf("/healthz problems %+v, want %s", health.Problems, store.ProblemGone)
	}
}
