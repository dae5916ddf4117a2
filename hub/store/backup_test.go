package store_test

import (
	"compress/gzip"
	"context"
	"database/sql"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lotse/hub/store"
)

// previousRelease unpacks testdata/release-011.db.gz, a database the hub
// wrote at schema 11 (the release before backups and upgrades were
// tested): the demo day trimmed to its checked-in appointments, four
// tickets (one called) and a week of statistics, with its key file.
func previousRelease(t *testing.T) (db, keys string) {
	t.Helper()
	dir := t.TempDir()
	db, keys = filepath.Join(dir, "lotse.db"), filepath.Join(dir, "lotse.keys")
	f, err := os.Open("testdata/release-011.db.gz")
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
	k, err := os.ReadFile("testdata/release-011.keys")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keys, k, 0o600); err != nil {
		t.Fatal(err)
	}
	return db, keys
}

// setVersion sets a database file's schema version behind the store's back.
func setVersion(t *testing.T, path string, v int) {
	t.Helper()
	raw, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec("PRAGMA user_version = " + itoa(v)); err != nil {
		t.Fatal(err)
	}
}

func itoa(v int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			return string(b[i:])
		}
	}
}

// TestUpgradeFromPreviousRelease opens the previous release's database:
// every migration since applies, and the day's tickets, events and
// installation keys are still there.
func TestUpgradeFromPreviousRelease(t *testing.T) {
	ctx := context.Background()
	path, keys := previousRelease(t)
	info, err := store.Check(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if info.SchemaVersion != 11 || info.Pending != store.SchemaVersion()-11 {
		t.Fatalf("Check = %+v; want schema 11 with %d pending", info, store.SchemaVersion()-11)
	}
	db, err := store.Open(ctx, path, store.WithKeyFile(keys), store.WithEnv(func(string) string { return "" }))
	if err != nil {
		t.Fatalf("open the previous release's database: %v", err)
	}
	defer db.Close()
	if _, err := db.Secret(ctx, "birth_key"); err != nil {
		t.Fatalf("birth key of the previous release: %v", err)
	}
	day, seq, events, err := db.Changes(ctx, "buergerbuero-mitte", 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if day != "2026-12-01" || seq == 0 || int64(len(events)) != seq {
		t.Fatalf("office state after the upgrade: day %q, seq %d, %d events", day, seq, len(events))
	}
	raw, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var tickets, called int
	if err := raw.QueryRow("SELECT count(*), count(*) FILTER (WHERE state = 'called') FROM tickets").Scan(&tickets, &called); err != nil {
		t.Fatal(err)
	}
	if tickets != 4 || called != 1 {
		t.Fatalf("tickets after the upgrade: %d, %d called; want 4, 1 called", tickets, called)
	}
	if err := db.WriteCheck(ctx); err != nil {
		t.Fatalf("the upgraded database takes no writes: %v", err)
	}
	db.Close()
	if info, err := store.Check(ctx, path); err != nil || info.SchemaVersion != store.SchemaVersion() || info.Pending != 0 {
		t.Fatalf("after the upgrade: %+v, %v; want schema %d", info, err, store.SchemaVersion())
	}
}

// TestNewerOrDamagedDatabaseRefused: a database of a newer release is
// refused by Open, Check and Restore with a message that says so, and a
// damaged file by Check and Restore; a refused restore leaves the
// installed database as it was.
func TestNewerOrDamagedDatabaseRefused(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		make     func(t *testing.T, path string)
		want     error
		wantText string
	}{
		{"newer release", func(t *testing.T, path string) {
			open(t, path).Close()
			setVersion(t, path, store.SchemaVersion()+1)
		}, store.ErrNewerSchema, "newer Lotse release"},
		{"not a database", func(t *testing.T, path string) {
			if err := os.WriteFile(path, []byte(strings.Repeat("no database here\n", 512)), 0o600); err != nil {
				t.Fatal(err)
			}
		}, store.ErrDamaged, "damaged"},
		{"an empty file", func(t *testing.T, path string) {
			if err := os.WriteFile(path, nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}, store.ErrNotLotse, "not a Lotse database"},
		{"another program's database", func(t *testing.T, path string) {
			raw, err := sql.Open("sqlite3", path)
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			if _, err := raw.Exec("CREATE TABLE foo (x); PRAGMA user_version = 3"); err != nil {
				t.Fatal(err)
			}
		}, store.ErrNotLotse, "not a Lotse database"},
		{"damaged pages", func(t *testing.T, path string) {
			db := open(t, path)
			db.Close()
			if err := store.Backup(ctx, path, path+".clean"); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(path + ".clean")
			if err != nil {
				t.Fatal(err)
			}
			// Scribble over the second page onwards, keeping the header.
			for i := 4096; i < len(b) && i < 4096*4; i++ {
				b[i] = 0xA5
			}
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}, store.ErrDamaged, "damaged"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			bad, installed := filepath.Join(dir, "backup.db"), filepath.Join(dir, "lotse.db")
			tt.make(t, bad)
			db := open(t, installed)
			if err := db.WriteCheck(ctx); err != nil {
				t.Fatal(err)
			}
			db.Close()
			before, err := os.ReadFile(installed)
			if err != nil {
				t.Fatal(err)
			}

			if _, err := store.Check(ctx, bad); !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("Check: %v; want %v saying %q", err, tt.want, tt.wantText)
			}
			if _, err := store.Restore(ctx, bad, installed); !errors.Is(err, tt.want) {
				t.Errorf("Restore: %v; want %v", err, tt.want)
			}
			after, err := os.ReadFile(installed)
			if err != nil || string(after) != string(before) {
				t.Errorf("a refused restore changed the installed database (%v)", err)
			}
			if tt.want == store.ErrNewerSchema {
				if _, err := store.Open(ctx, bad); !errors.Is(err, store.ErrNewerSchema) {
					t.Errorf("Open: %v; want ErrNewerSchema", err)
				}
			}
		})
	}
}

// TestRestoreKeepsTheReplacedDatabase: a good backup goes in place, not
// under a running hub, and the database it replaces stays beside it.
func TestRestoreKeepsTheReplacedDatabase(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	installed, backup := filepath.Join(dir, "lotse.db"), filepath.Join(dir, "backups", "monday.db")
	db := open(t, installed)
	if err := db.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(backup); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v, %v; want owner-only", fi, err)
	}
	// A hub that has the database open would write on into the replaced
	// file and lose it all at its next start.
	if _, err := store.Restore(ctx, backup, installed); !errors.Is(err, store.ErrInUse) {
		t.Fatalf("restore under a running hub: %v; want ErrInUse", err)
	}
	if _, err := os.Stat(installed + ".restoring"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a refused restore left its copy behind: %v", err)
	}
	db.Close()
	if _, err := store.Restore(ctx, backup, installed); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{installed, installed + ".before-restore"} {
		if _, err := store.Check(ctx, p); err != nil {
			t.Errorf("%s: %v", filepath.Base(p), err)
		}
	}
	open(t, installed).Close()
}
