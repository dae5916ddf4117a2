package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lotse/hardware/printer"
	"lotse/hardware/qr"
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

// TestTicketPrinterStatusLink prints tickets with a status link, reads the
// QR code back from the rendered paper and opens it: it must lead to the
// ticket's page. A stand-in server plays the hub's /t/ page here, so that
// the test checks what the kiosk prints, whatever base the hub gives.
func TestTicketPrinterStatusLink(t *testing.T) {
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.URL.Path, "/t/")
		number, known := map[string]string{"AbCdEfGhIjKlMnOpQrStUv": "A042", "zz-__09AbCdEfGhIjKlMnO": "W117"}[token]
		if !ok || !known {
			http.NotFound(w, r)
			return
		}
		_, _ = io.WriteString(w, "<h1>"+number+"</h1>")
	}))
	defer page.Close()
	tests := []struct {
		name, number, path string
		paper              int
	}{
		{"80 mm", "A042", "/t/AbCdEfGhIjKlMnOpQrStUv", printer.Paper80mm},
		{"58 mm, a token with - and _", "W117", "/t/zz-__09AbCdEfGhIjKlMnO", printer.Paper58mm},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "tickets.escpos")
			p, err := openPrinter("file:"+out, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			url := page.URL + tt.path
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err = p.Print(ctx, ui.PrintJob{Office: "Buergerbuero Mitte", Number: tt.number,
				Issued: time.Date(2025, 11, 21, 10, 5, 0, 0, time.UTC), StatusURL: url})
			if err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			img, err := printer.Render(data, tt.paper)
			if err != nil {
				t.Fatal(err)
			}
			got, err := qr.Decode(img)
			if err != nil {
				t.Fatalf("QR code on the printed ticket: %v", err)
			}
			if got != url {
				t.Fatalf("printed QR code = %q, want %q", got, url)
			}
			// The short link is printed for phones that cannot scan; the
			// printer may wrap it on narrow paper, so compare without breaks.
			if short := ui.ShortLink(url); !bytes.Contains(bytes.ReplaceAll(data, []byte("\n"), nil), []byte(short)) {
				t.Errorf("printed ticket lacks the short link %q", short)
			}
			resp, err := http.Get(got)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), tt.number) {
				t.Errorf("GET %s = %d %q, want 200 with %s", got, resp.StatusCode, body, tt.number)
			}
		})
	}
}

// TestTicketPrinterWithoutStatusLink: a hub that gives no status link (an
// older hub) still gets a ticket, without an empty QR code.
func TestTicketPrinterWithoutStatusLink(t *testing.T) {
	out := filepath.Join(t.TempDir(), "tickets.escpos")
	p, err := openPrinter("file:"+out, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Print(context.Background(), ui.PrintJob{Number: "A001", Issued: time.Now()}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	ops, err := printer.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range ops {
		if op.Kind == printer.OpImage {
			t.Errorf("ticket without status link prints an image (QR %q)", op.QR)
		}
	}
}
