package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"lotse/hub/store"
	"lotse/internal/version"
)

// runTool runs the hub command with args and the given standard input.
func runTool(t *testing.T, in string, args ...string) (string, error) {
	t.Helper()
	old := stdin
	stdin = strings.NewReader(in)
	defer func() { stdin = old }()
	var out bytes.Buffer
	err := run(context.Background(), args, &out)
	return out.String(), err
}

func TestVersionFlag(t *testing.T) {
	out, err := runTool(t, "", "-version")
	if err != nil || !strings.Contains(out, version.String()) {
		t.Fatalf("hub -version = %q, %v; want the version %s", out, err, version.String())
	}
}

// TestPasswd: the hash printed is a bcrypt hash of the line read from
// standard input; the password never comes from the command line.
func TestPasswd(t *testing.T) {
	tests := []struct {
		name, in string
		args     []string
		wantErr  string
	}{
		{"piped", "Sommer 2026!\n", nil, ""},
		{"without newline", "Sommer 2026!", nil, ""},
		{"CRLF", "Sommer 2026!\r\n", nil, ""},
		{"empty", "\n", nil, "empty password"},
		{"on the command line", "", []string{"geheim"}, "never from the command line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := runTool(t, tt.in, append([]string{"passwd"}, tt.args...)...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v; want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			hash := strings.TrimSpace(out)
			if err := bcrypt.CompareHashAndPassword([]byte(hash), []byte("Sommer 2026!")); err != nil {
				t.Fatalf("hash %q does not verify: %v", hash, err)
			}
		})
	}
}

// TestCheckConfig: the example file passes; each kind of mistake fails
// with FILE:LINE and what is wrong.
func TestCheckConfig(t *testing.T) {
	example, err := os.ReadFile("../docs/lotse.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	// The example's credentials, from the environment and from files.
	for _, env := range []string{"LOTSE_BOOKING_TOKEN", "LOTSE_BOOKING_WEBHOOK_SECRET", "LOTSE_TOKEN_KIOSK_FOYER"} {
		t.Setenv(env, "secret-"+env)
	}
	secrets := t.TempDir()
	for _, name := range []string{"zms-authkey", "display.token"} {
		if err := os.WriteFile(filepath.Join(secrets, name), []byte("secret-"+name+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	example = bytes.ReplaceAll(example, []byte(`"/etc/lotse/`), []byte(`"`+secrets+`/`))
	lineOf := func(s string) int {
		for i, l := range strings.Split(string(example), "\n") {
			if strings.TrimSpace(l) == s {
				return i + 1
			}
		}
		t.Fatalf("example has no line %q", s)
		return 0
	}
	tests := []struct {
		name    string
		edit    func(string) string
		wantErr string // "" → ok; else the text after FILE
	}{
		{"example", func(s string) string { return s }, ""},
		{"misspelt key", func(s string) string { return strings.Replace(s, "\nwalk_ins = true", "\nwalk_inz = true", 1) },
			":" + strconv.Itoa(lineOf("walk_ins = true")) + ": unknown key: office.walk_inz"},
		{"broken string", func(s string) string {
			return strings.Replace(s, `backend_down_warning = "15m"`, `backend_down_warning = "15m`, 1)
		},
			":" + strconv.Itoa(lineOf(`backend_down_warning = "15m"`)) + ": toml: line"},
		{"backup time", func(s string) string { return s + "\n[backup]\ndir = \"/var/backups/lotse\"\nat = \"25:00\"\n" },
			": backup.at \"25:00\""},
		{"backup ok", func(s string) string {
			return s + "\n[backup]\ndir = \"/var/backups/lotse\"\nkeep = 14\nat = \"03:15\"\n"
		}, ""},
		{"office without its credential", func(s string) string { return strings.Replace(s, "LOTSE_BOOKING_TOKEN", "LOTSE_UNSET_TOKEN", 1) },
			":" + strconv.Itoa(lineOf(`id = "mitte"`)) + ": office mitte: auth key: environment variable LOTSE_UNSET_TOKEN is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "lotse.toml")
			if err := os.WriteFile(path, []byte(tt.edit(string(example))), 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := runTool(t, "", "check-config", path)
			if tt.wantErr == "" {
				if err != nil || !strings.Contains(out, ": ok") {
					t.Fatalf("check-config = %q, %v; want ok", out, err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), path+tt.wantErr) {
				t.Fatalf("check-config error = %v;\nwant %s%s…", err, path, tt.wantErr)
			}
		})
	}
}

// TestBackupAndRestoreCommands: hub backup writes a checked copy, hub
// restore puts it back and refuses a newer release's database.
func TestBackupAndRestoreCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "lotse.db")
	s, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WriteCheck(ctx); err != nil {
		t.Fatal(err)
	}
	s.Close()
	copyPath := filepath.Join(dir, "copy.db")
	if _, err := runTool(t, "", "backup", "-db", db, copyPath); err != nil {
		t.Fatal(err)
	}
	if _, err := runTool(t, "", "backup", "-db", db, copyPath); err == nil {
		t.Error("backup over an existing file; want a refusal")
	}
	out, err := runTool(t, "", "restore", "-db", db, copyPath)
	if err != nil || !strings.Contains(out, "restored") {
		t.Fatalf("restore = %q, %v", out, err)
	}

	raw, err := sql.Open("sqlite3", "file:"+copyPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("PRAGMA user_version = 9999"); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	if _, err := runTool(t, "", "restore", "-db", db, copyPath); !errors.Is(err, store.ErrNewerSchema) ||
		!strings.Contains(err.Error(), "newer Lotse release") {
		t.Fatalf("restore of a newer database: %v; want a refusal that says so", err)
	}
}
