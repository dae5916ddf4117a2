package instance_test

import (
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"lotse/hub/clocktest"
	"lotse/hub/store"
)

// TestHubStartsOnThePreviousReleasesDatabase starts a hub on the database
// the previous release wrote (hub/store/testdata, schema 11) on the day it
// was written: it migrates forward and serves that day's queue as it was.
func TestHubStartsOnThePreviousReleasesDatabase(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "lotse.db")
	f, err := os.Open("../store/testdata/release-011.db.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.OpenFile(db, os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, zr); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	if err := copyKeys("../store/testdata/release-011.keys", store.DefaultKeyFile(db)); err != nil {
		t.Fatal(err)
	}

	loc, _ := time.LoadLocation("Europe/Berlin")
	h := startHubWith(t, db, clocktest.New(time.Date(2026, 12, 1, 3, 5, 0, 0, loc)), nil)
	snap, err := h.clerk.Queue(ctx(t), mitte)
	if err != nil {
		t.Fatal(err)
	}
	numbers := map[string]string{}
	for _, tk := range snap.Tickets {
		numbers[tk.Number] = string(tk.State)
	}
	want := map[string]string{"P001": "waiting", "A002": "called", "R003": "waiting", "M004": "waiting"}
	for n, st := range want {
		if numbers[n] != st {
			t.Errorf("ticket %s: %q; want %q (queue %v)", n, numbers[n], st, numbers)
		}
	}
	if info, err := store.Check(ctx(t), db); err != nil || info.SchemaVersion != store.SchemaVersion() {
		t.Errorf("after the start: %+v, %v; want schema %d", info, err, store.SchemaVersion())
	}
}
