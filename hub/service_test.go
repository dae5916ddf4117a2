package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRunTellsSystemd (issue 17): under systemd (Type=notify with
// WatchdogSec) the hub says when it serves, pings the watchdog while its
// health checks pass, and says when it stops.
func TestRunTellsSystemd(t *testing.T) {
	dir, err := os.MkdirTemp("", "sd") // a socket path must stay short
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	t.Setenv("NOTIFY_SOCKET", sock)
	t.Setenv("WATCHDOG_USEC", "200000")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"-addr", "127.0.0.1:0", "-db", filepath.Join(t.TempDir(), "lotse.db"), "-log-format", "json"}, io.Discard)
	}()
	buf := make([]byte, 256)
	next := func() string {
		t.Helper()
		conn.SetReadDeadline(time.Now().Add(60 * time.Second))
		k, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("no state from the hub: %v", err)
		}
		return string(buf[:k])
	}
	if got := next(); got != "READY=1" {
		t.Fatalf("first state %q, want READY=1", got)
	}
	if got := next(); got != "WATCHDOG=1" {
		t.Fatalf("state %q, want WATCHDOG=1", got)
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	for {
		got := next()
		if got == "STOPPING=1" {
			break
		}
		if got != "WATCHDOG=1" {
			t.Fatalf("state %q while stopping, want STOPPING=1", got)
		}
	}
}

// TestNewLogger: the journal format leads each JSON line with the
// syslog priority of its level, which journald keeps as the priority.
func TestNewLogger(t *testing.T) {
	for _, tc := range []struct {
		format     string
		wantStdout []string // line prefixes, one per record (info, warn, error)
		wantStderr bool
	}{
		{"text", nil, true},
		{"json", []string{`{"time"`, `{"time"`, `{"time"`}, false},
		{"journal", []string{`<6>{"time"`, `<4>{"time"`, `<3>{"time"`}, false},
	} {
		t.Run(tc.format, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			log, err := newLogger(tc.format, &stdout, &stderr)
			if err != nil {
				t.Fatal(err)
			}
			log.Info("one", "office", "mitte")
			log.Warn("two")
			log.Error("three")
			if (stderr.Len() > 0) != tc.wantStderr {
				t.Fatalf("stderr %q", stderr.String())
			}
			lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
			if tc.wantStdout == nil {
				if stdout.Len() > 0 {
					t.Fatalf("stdout %q, want nothing", stdout.String())
				}
				return
			}
			if len(lines) != len(tc.wantStdout) {
				t.Fatalf("stdout %q", stdout.String())
			}
			for i, l := range lines {
				if !strings.HasPrefix(l, tc.wantStdout[i]) {
					t.Errorf("line %d %q, want prefix %q", i, l, tc.wantStdout[i])
				}
			}
		})
	}
	if _, err := newLogger("xml", io.Discard, io.Discard); err == nil {
		t.Fatal("newLogger(xml) = nil error")
	}
}
