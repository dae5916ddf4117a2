package store

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lotse/hub/queue"
)

// TestDamagedKeyFileIsNotReplacedSilently (issue 11.6): a key file that
// is empty (truncated on a full disk, a failed restore) or lacks the birth
// key is refused with a message naming the file and what is missing, like
// a bad line; a new birth key would make every stored hash stop matching.
// A missing key file is still created (documented), with a warning when
// the database holds birth hashes.
func TestDamagedKeyFileIsNotReplacedSilently(t *testing.T) {
	ctx := context.Background()
	noEnv := WithEnv(func(string) string { return "" })
	dropLine := func(prefix string) func(string) error {
		return func(p string) error {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			var keep [][]byte
			for _, l := range bytes.Split(data, []byte("\n")) {
				if !bytes.HasPrefix(l, []byte(prefix)) {
					keep = append(keep, l)
				}
			}
			return os.WriteFile(p, bytes.Join(keep, []byte("\n")), 0o600)
		}
	}
	tests := []struct {
		name    string
		lose    func(path string) error
		refused string // what the message names; "" opens
		warn    bool   // a new birth key is logged
	}{
		{"key file empty", func(p string) error { return os.WriteFile(p, nil, 0o600) }, "holds no keys", false},
		{"key file holds only comments", func(p string) error {
			return os.WriteFile(p, []byte("# Lotse installation keys\n"), 0o600)
		}, "holds no keys", false},
		{"key file holds only the session key", dropLine("birth_key="), "has no birth_key= line", false},
		{"key file of an older hub without the session key", dropLine("session_key="), "", false},
		{"key file missing", os.Remove, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "lotse.db")
			db := mustOpen(t, path, noEnv)
			first, err := db.Secret(ctx, "birth_key")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Secret(ctx, "session_key"); err != nil {
				t.Fatal(err)
			}
			start := time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)
			appt := queue.Appointment{ID: "a1", Office: "o", Start: start, Services: []queue.ServiceCount{{Service: "s", Count: 1}},
				Name: "Erika Mustermann", BirthHash: "hash-under-the-first-key", Secret: "k3x9"}
			if err := db.Commit(ctx, "o", Batch{Appointments: []queue.Appointment{appt}, Day: "2026-03-10"}); err != nil {
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			keyPath := DefaultKeyFile(path)
			if err := tc.lose(keyPath); err != nil {
				t.Fatal(err)
			}
			var logged bytes.Buffer
			db = mustOpen(t, path, noEnv, WithLogger(slog.New(slog.NewTextHandler(&logged, nil))))
			defer db.Close()
			second, err := db.Secret(ctx, "birth_key")
			if err == nil {
				_, err = db.Secret(ctx, "session_key")
			}
			switch {
			case tc.refused != "" && err == nil:
				t.Fatalf("a damaged key file was taken; birth key %x, first %x", second, first)
			case tc.refused != "" && (!strings.Contains(err.Error(), keyPath) || !strings.Contains(err.Error(), tc.refused)):
				t.Fatalf("refused with %q, want the file %s and %q", err, keyPath, tc.refused)
			case tc.refused == "" && err != nil:
				t.Fatalf("key file %s: %v", tc.name, err)
			case tc.refused == "" && !tc.warn && !bytes.Equal(first, second):
				t.Fatalf("the birth key changed: %x, want %x", second, first)
			}
			if warned := strings.Contains(logged.String(), "next booking sync"); warned != tc.warn {
				t.Fatalf("warning logged = %v, want %v:\n%s", warned, tc.warn, logged.String())
			}
			if tc.refused != "" {
				if data, _ := os.ReadFile(keyPath); bytes.Contains(data, []byte("birth_key=")) {
					t.Fatal("a damaged key file was overwritten with a new birth key")
				}
			}
		})
	}
}
