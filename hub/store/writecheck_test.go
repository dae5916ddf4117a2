package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestWriteCheckNamesTheCause: a database that takes no writes is found
// out by the check /healthz runs, with the cause as a code.
func TestWriteCheckNamesTheCause(t *testing.T) {
	ctx := context.Background()
	noEnv := WithEnv(func(string) string { return "" })
	tests := []struct {
		name   string
		break_ func(t *testing.T, path string) *DB
		want   string
	}{
		{"writable", func(t *testing.T, path string) *DB { return mustOpen(t, path, noEnv) }, ""},
		{"read-only file", func(t *testing.T, path string) *DB { return mustOpen(t, path, noEnv, ReadOnly()) }, ProblemReadOnly},
		{"disk full", func(t *testing.T, path string) *DB {
			db := mustOpen(t, path, noEnv)
			db.freeSpace = func(string) (uint64, error) { return 4096, nil }
			return db
		}, ProblemFull},
		// SQLite writes on into an unlinked or replaced file and every
		// acknowledged write is lost at the next start.
		{"database files deleted", func(t *testing.T, path string) *DB {
			db := mustOpen(t, path, noEnv)
			for _, p := range dbFiles(path) {
				if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
					t.Fatal(err)
				}
			}
			return db
		}, ProblemGone},
		{"database file replaced", func(t *testing.T, path string) *DB {
			db := mustOpen(t, path, noEnv)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path+".new", data, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(path+".new", path); err != nil {
				t.Fatal(err)
			}
			return db
		}, ProblemGone},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "lotse.db")
			mustOpen(t, path, noEnv).Close() // created and migrated
			db := tc.break_(t, path)
			defer db.Close()
			err := db.WriteCheck(ctx)
			var we *WriteError
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("write check of a writable database: %v", err)
			case tc.want != "" && !errors.As(err, &we):
				t.Fatalf("write check = %v, want a %s", err, tc.want)
			case tc.want != "" && we.Code != tc.want:
				t.Fatalf("write check = %v, want %s", err, tc.want)
			}
		})
	}
}

func mustOpen(t *testing.T, path string, opts ...Option) *DB {
	t.Helper()
	db, err := Open(context.Background(), path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return db
}
