package reference_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"lotse/hub/booking"
	"lotse/hub/booking/reference"
	"lotse/hub/booking/rest"
)

// TestFileChangeSendsSignedWebhook runs the server as its command does and
// checks that a changed file reaches the hub as a correctly signed
// webhook for the changed office only.
func TestFileChangeSendsSignedWebhook(t *testing.T) {
	secret := []byte("s3cret")
	got := make(chan string, 10)
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := booking.VerifyWebhook(secret, r.Header.Get(booking.SignatureHeader), body, time.Now()); err != nil {
			t.Errorf("webhook signature: %v", err)
		}
		got <- r.URL.Path
		w.WriteHeader(http.StatusAccepted)
	}))
	defer hub.Close()

	dir := t.TempDir()
	file := filepath.Join(dir, "appointments.json")
	write := func(f reference.File) {
		b, _ := json.Marshal(f)
		if err := os.WriteFile(file, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	at := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	day := reference.File{Offices: map[string][]rest.Appointment{
		"mitte": {{ID: "A-1", Start: at, Services: []rest.Service{{ID: "x"}}}},
		"nord":  {{ID: "N-1", Start: at, Services: []rest.Service{{ID: "x"}}}},
	}}
	write(day)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	errc := make(chan error, 1)
	go func() {
		errc <- reference.Run(ctx, reference.Config{Addr: "127.0.0.1:0", File: file, ReportLog: filepath.Join(dir, "r.jsonl"),
			HubURL: hub.URL, WebhookSecret: secret, Poll: 20 * time.Millisecond, Log: slog.New(slog.DiscardHandler)},
			func(addr string) { ready <- addr })
	}()
	select {
	case <-ready:
	case err := <-errc:
		t.Fatal(err)
	case <-time.After(10 * time.Second):
		t.Fatal("not ready")
	}
	day.Offices["nord"][0].Cancelled = true
	write(day)
	select {
	case path := <-got:
		if path != "/api/v1/webhooks/booking/nord" {
			t.Fatalf("webhook for %s, want nord only", path)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no webhook within 10s of the change")
	}
	select {
	case path := <-got:
		t.Fatalf("a second webhook %s for one change", path)
	case <-time.After(100 * time.Millisecond):
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}
