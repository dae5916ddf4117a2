package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lotse/hardware/scanner"
)

func TestScannerSimFeedsSerialSource(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"CRLF", nil},
		{"AIM prefix, no suffix", []string{"-suffix", "none", "-prefix", "]Q1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			stdinR, stdinW := io.Pipe()
			stdoutR, stdoutW := io.Pipe()
			link := filepath.Join(t.TempDir(), "scanner")
			done := make(chan error, 1)
			go func() { done <- run(ctx, append([]string{"-link", link}, tt.args...), stdinR, stdoutW) }()

			path, err := bufio.NewReader(stdoutR).ReadString('\n')
			if err != nil {
				t.Fatalf("read device path: %v", err)
			}
			if strings.TrimSpace(path) != link {
				t.Fatalf("printed %q, want %q", path, link)
			}

			scans := make(chan scanner.Scan, 10)
			connected := make(chan struct{}, 1)
			src := &scanner.Serial{
				Device: link,
				Logger: slog.New(slog.DiscardHandler),
				OnStatus: func(s scanner.Status) {
					if s.State == scanner.StateConnected {
						select {
						case connected <- struct{}{}:
						default:
						}
					}
				},
			}
			srcDone := make(chan error, 1)
			go func() { srcDone <- src.Run(ctx, func(s scanner.Scan) { scans <- s }) }()
			select {
			case <-connected:
			case <-time.After(20 * time.Second):
				t.Fatal("serial source did not connect to the simulator")
			}

			io.WriteString(stdinW, "LOTSE:77:sim\n")
			select {
			case s := <-scans:
				if s.Code != "LOTSE:77:sim" {
					t.Errorf("code = %q", s.Code)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("no scan arrived")
			}
			stdinW.Close() // end of input ends the simulator
			if err := <-done; err != nil {
				t.Errorf("run: %v", err)
			}
			cancel()
			<-srcDone
		})
	}
}
