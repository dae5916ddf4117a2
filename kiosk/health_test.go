package main

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"lotse/hardware/printer"
)

// TestProbeNetworkPrinter: a network printer that takes the connection
// but never answers the status request prints all the same (Print goes
// ahead), so the probe must not call it offline; one that refuses the
// connection is offline.
func TestProbeNetworkPrinter(t *testing.T) {
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(io.Discard, c); c.Close() }()
		}
	}()
	gone, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	goneAddr := gone.Addr().String()
	gone.Close()

	tests := []struct {
		name    string
		spec    string
		offline bool
	}{
		{"answers no status request", "tcp://" + silent.Addr().String(), false},
		{"refuses the connection", "tcp://" + goneAddr, true},
	}
	for _, tt := range tests {
		p, err := printer.Open(tt.spec, printer.Options{StatusTimeout: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		st, err := probe(p)(ctx)
		cancel()
		if got := errors.Is(err, printer.ErrOffline); got != tt.offline {
			t.Errorf("%s: %+v, %v; offline %v, want %v", tt.name, st, err, got, tt.offline)
		}
		if !tt.offline && (err != nil || st.Known) {
			t.Errorf("%s: %+v, %v; want an unknown state without error", tt.name, st, err)
		}
	}
}
