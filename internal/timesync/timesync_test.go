package timesync

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestProbe: timedatectl's answer wins; without it, timesyncd's flag file
// can only say yes; with neither the state is unknown, never a false alarm.
func TestProbe(t *testing.T) {
	dir := t.TempDir()
	flag := filepath.Join(dir, "synchronized")
	if err := os.WriteFile(flag, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "absent")
	answer := func(out string, err error) func(context.Context) (string, error) {
		return func(context.Context) (string, error) { return out, err }
	}
	noCommand := errors.New(`exec: "timedatectl": executable file not found in $PATH`)
	tests := []struct {
		name        string
		timedatectl func(context.Context) (string, error)
		flagFile    string
		want        Status
	}{
		{"timedatectl yes", answer("yes\n", nil), missing, Status{State: Synchronized, Source: "timedatectl"}},
		{"timedatectl no, even with an old flag file", answer("no\n", nil), flag, Status{State: Unsynchronized, Source: "timedatectl"}},
		{"no timedatectl, flag file", answer("", noCommand), flag, Status{State: Synchronized, Source: "timesyncd"}},
		{"no timedatectl, no flag file", answer("", noCommand), missing, Status{State: Unknown}},
		{"no system bus", answer("", errors.New("Failed to connect to bus")), missing, Status{State: Unknown}},
		{"odd answer", answer("n/a\n", nil), missing, Status{State: Unknown}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := probe(context.Background(), tt.timedatectl, tt.flagFile)
			if got.State != tt.want.State || got.Source != tt.want.Source {
				t.Fatalf("probe = %+v; want %+v", got, tt.want)
			}
			if got.State == Unknown && got.Detail == "" {
				t.Error("unknown without a reason")
			}
		})
	}
}

func TestCachedAsksOnce(t *testing.T) {
	n := 0
	p := Cached(func(context.Context) Status { n++; return Status{State: Synchronized} }, 1<<62)
	for range 3 {
		p(context.Background())
	}
	if n != 1 {
		t.Fatalf("probe ran %d times; want once", n)
	}
}
