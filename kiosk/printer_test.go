package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"lotse/kiosk/ui"
)

func TestTicketPrinter(t *testing.T) {
	out := filepath.Join(t.TempDir(), "tickets.escpos")
	p, err := openPrinter("file:"+out, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2025, 11, 21, 10, 30, 0, 0, time.UTC)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = p.Print(ctx, ui.PrintJob{Office: "Buergerbuero Mitte", Number: "A001",
		Services: []string{"Anmeldung einer Wohnung"}, Appointment: &start, Issued: start.Add(-20 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"A001", "Buergerbuero Mitte", "Anmeldung einer Wohnung", "10:30"} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("printed ticket lacks %q", want)
		}
	}
}

func TestNoPrinter(t *testing.T) {
	p, err := openPrinter("", nil)
	if err != nil || p != nil {
		t.Fatalf("openPrinter(\"\") = %v, %v; want nil, nil", p, err)
	}
}
