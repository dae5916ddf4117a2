package watchdog

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// TestBeatPingsOnlyWhileTheCheckPasses: a failing check withholds the
// ping, so that systemd restarts a hub that keeps no check-in.
func TestBeatPingsOnlyWhileTheCheckPasses(t *testing.T) {
	broken := errors.New("database_gone: the database file was removed")
	for _, tc := range []struct {
		name   string
		checks []error
		want   []string
	}{
		{"passing", []error{nil, nil}, []string{"WATCHDOG=1", "WATCHDOG=1"}},
		{"failing", []error{broken, broken}, nil},
		{"fails then recovers", []error{nil, broken, nil}, []string{"WATCHDOG=1", "WATCHDOG=1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var sent []string
			i := 0
			n := &Notifier{
				Check:  func(context.Context) error { i++; return tc.checks[i-1] },
				Log:    slog.New(slog.NewTextHandler(io.Discard, nil)),
				Notify: func(s string) error { sent = append(sent, s); return nil },
			}
			tick := make(chan time.Time)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { n.Run(ctx, tick); close(done) }()
			for range tc.checks {
				tick <- time.Time{}
			}
			cancel()
			<-done
			if !reflect.DeepEqual(sent, tc.want) {
				t.Fatalf("sent %q, want %q", sent, tc.want)
			}
		})
	}
}

// TestNotifySocket: the states reach systemd's socket as the protocol
// wants them, and Interval halves WATCHDOG_USEC.
func TestNotifySocket(t *testing.T) {
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
	t.Setenv("WATCHDOG_USEC", "30000000")
	t.Setenv("WATCHDOG_PID", "")

	n := &Notifier{Check: func(context.Context) error { return nil }}
	if err := n.Ready(); err != nil {
		t.Fatal(err)
	}
	if ok, err := n.Beat(context.Background()); !ok || err != nil {
		t.Fatalf("Beat() = %v, %v", ok, err)
	}
	if err := n.Stopping(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 256)
	for _, want := range []string{"READY=1", "WATCHDOG=1", "STOPPING=1"} {
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		k, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("waiting for %s: %v", want, err)
		}
		if got := string(buf[:k]); got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	if d, err := Interval(); err != nil || d != 15*time.Second {
		t.Fatalf("Interval() = %v, %v, want 15s", d, err)
	}
}
