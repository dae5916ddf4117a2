package main

import (
	"bufio"
	"context"
	"errors"
	"image"
	_ "image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lotse/hardware/printer"
	"lotse/hardware/qr"
)

// startSink runs the sink on a free port and returns the printer spec.
func startSink(t *testing.T, out string, extra ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdoutR, stdoutW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"-listen", "127.0.0.1:0", "-out", out}, extra...), stdoutW)
		stdoutW.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	line, err := bufio.NewReader(stdoutR).ReadString('\n')
	if err != nil {
		t.Fatalf("read banner: %v", err)
	}
	go io.Copy(io.Discard, stdoutR)
	addr := strings.Fields(strings.TrimPrefix(line, "listening on "))[0]
	return "tcp://" + strings.TrimSuffix(addr, ",")
}

func TestSinkRendersTicket(t *testing.T) {
	out := t.TempDir()
	p, err := printer.Open(startSink(t, out), printer.Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ticket := printer.Ticket{Office: "Bürgerbüro Werne", Number: "B007", QR: "LOTSE:1:sink", Printed: time.Now()}
	if err := p.PrintTicket(context.Background(), ticket, printer.Layout{}); err != nil {
		t.Fatalf("PrintTicket: %v", err)
	}
	var pngs []string
	deadline := time.Now().Add(20 * time.Second)
	for len(pngs) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no preview written")
		}
		time.Sleep(50 * time.Millisecond)
		pngs, _ = filepath.Glob(filepath.Join(out, "job-*.png"))
	}
	f, err := os.Open(pngs[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if code, err := qr.Decode(img); err != nil || code != ticket.QR {
		t.Errorf("QR in preview = %q, %v; want %q", code, err, ticket.QR)
	}
}

func TestSinkReportsPaperOut(t *testing.T) {
	p, err := printer.Open(startSink(t, t.TempDir(), "-paper-out"), printer.Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = p.PrintTicket(context.Background(), printer.Ticket{Number: "A001"}, printer.Layout{})
	if !errors.Is(err, printer.ErrPaperOut) {
		t.Errorf("PrintTicket error = %v, want ErrPaperOut", err)
	}
}
