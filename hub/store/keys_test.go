package store

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rawFiles is everything SQLite keeps of the database on disk.
func rawFiles(t *testing.T, path string) []byte {
	t.Helper()
	var all []byte
	for _, p := range dbFiles(path) {
		data, err := os.ReadFile(p)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		all = append(all, data...)
	}
	return all
}

// TestKeysLiveOutsideTheDatabase: a copy of the database alone must not
// carry the key that reverses its birth-date hashes.
func TestKeysLiveOutsideTheDatabase(t *testing.T) {
	ctx := context.Background()
	noEnv := WithEnv(func(string) string { return "" })
	old := bytes.Repeat([]byte{0xA7, 0x5C}, 16) // an older hub's key in meta
	envKey := strings.Repeat("42", 32)
	tests := []struct {
		name    string
		oldKey  bool
		env     string
		want    []byte
		inFile  bool
		created bool
	}{
		{name: "fresh installation", created: true, inFile: true},
		{name: "key of an older hub moves out of the database", oldKey: true, want: old, inFile: true},
		{name: "key from the environment", env: envKey, want: bytes.Repeat([]byte{0x42}, 32)},
		{name: "environment wins, the old row still goes", oldKey: true, env: envKey, want: bytes.Repeat([]byte{0x42}, 32)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "lotse.db")
			env := noEnv
			if tc.env != "" {
				env = WithEnv(func(name string) string {
					if name == "LOTSE_BIRTH_KEY" {
						return tc.env
					}
					return ""
				})
			}
			if tc.oldKey {
				db, err := Open(ctx, path, noEnv, WithKeyFile(filepath.Join(dir, "unused.keys")))
				if err != nil {
					t.Fatal(err)
				}
				if _, err := db.w.ExecContext(ctx, "INSERT INTO meta (key, value) VALUES ('birth_key', ?)", old); err != nil {
					t.Fatal(err)
				}
				db.Close()
			}
			db, err := Open(ctx, path, env)
			if err != nil {
				t.Fatal(err)
			}
			key, err := db.Secret(ctx, "birth_key")
			if err != nil {
				t.Fatal(err)
			}
			if tc.want != nil && !bytes.Equal(key, tc.want) {
				t.Fatalf("key = %x, want %x", key, tc.want)
			}
			if len(key) < keyLen {
				t.Fatalf("key of %d bytes", len(key))
			}
			var rows int
			if err := db.w.QueryRowContext(ctx, "SELECT count(*) FROM meta WHERE key = 'birth_key'").Scan(&rows); err != nil || rows != 0 {
				t.Fatalf("the key is still in the database: %d rows, %v", rows, err)
			}
			if tc.oldKey && bytes.Contains(rawFiles(t, path), old) {
				t.Fatal("the old key is still readable in the database files")
			}
			keyPath := filepath.Join(dir, "lotse.keys")
			fi, err := os.Stat(keyPath)
			if !tc.inFile {
				if err == nil {
					data, _ := os.ReadFile(keyPath)
					if bytes.Contains(data, []byte(hex.EncodeToString(key))) {
						t.Fatal("a key from the environment was written to the key file")
					}
				}
			} else {
				if err != nil {
					t.Fatalf("no key file: %v", err)
				}
				if fi.Mode().Perm() != 0o600 {
					t.Fatalf("key file mode %v, want 0600", fi.Mode().Perm())
				}
				data, _ := os.ReadFile(keyPath)
				if !bytes.Contains(data, []byte("birth_key="+hex.EncodeToString(key))) {
					t.Fatalf("key file does not hold the key:\n%s", data)
				}
			}
			db.Close()
			db, err = Open(ctx, path, env)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			again, err := db.Secret(ctx, "birth_key")
			if err != nil || !bytes.Equal(again, key) {
				t.Fatalf("key after restart = %x, %v; want %x", again, err, key)
			}
		})
	}
}

// TestDatabaseFilesAreOwnerOnly: the database, its WAL and shared memory
// hold names and birth-date hashes.
func TestDatabaseFilesAreOwnerOnly(t *testing.T) {
	ctx := context.Background()
	for _, existing := range []bool{false, true} {
		name := "new"
		if existing {
			name = "world-readable files of an older hub"
		}
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "data", "lotse.db")
			if existing {
				db, err := Open(ctx, path)
				if err != nil {
					t.Fatal(err)
				}
				db.Close()
				if err := os.Chmod(path, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			db, err := Open(ctx, path, WithEnv(func(string) string { return "" }))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Secret(ctx, "birth_key"); err != nil {
				t.Fatal(err)
			}
			if err := db.WriteCheck(ctx); err != nil { // make sure the WAL exists
				t.Fatal(err)
			}
			for _, p := range append(dbFiles(path), DefaultKeyFile(path)) {
				fi, err := os.Stat(p)
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode().Perm() != 0o600 {
					t.Errorf("%s: mode %v, want 0600", filepath.Base(p), fi.Mode().Perm())
				}
			}
		})
	}
}
