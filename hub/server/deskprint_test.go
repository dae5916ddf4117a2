package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"lotse/hub/api"
	"lotse/hub/booking/demo"
)

// recordingPrinter keeps what the desk printed, or fails with err.
type recordingPrinter struct {
	mu   sync.Mutex
	jobs []DeskTicket
	err  error
}

func (p *recordingPrinter) PrintTicket(_ context.Context, t DeskTicket) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return p.err
	}
	p.jobs = append(p.jobs, t)
	return nil
}

// TestDeskPrintsThroughTheHub: "Ticket drucken" at the desk prints on the
// office's receipt printer with the status link; a printer that fails is
// reported; an office without one says so, and the page prints from the
// browser.
func TestDeskPrintsThroughTheHub(t *testing.T) {
	printer := &recordingPrinter{}
	h := newTestHub(t, func(c *Config) {
		c.DeskPrinters = map[string]DeskPrinter{"buergerbuero-mitte": printer}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	post := func(office, ticket string, c *api.Client) (int, string) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, h.URL+"/api/v1/offices/"+office+"/tickets/"+ticket+"/print", nil)
		if c.Token != "" {
			req.Header.Set("Authorization", "Bearer "+c.Token)
		} else {
			req.SetBasicAuth(c.User, c.Password)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body api.ErrorBody
		if resp.StatusCode != http.StatusNoContent {
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
		}
		return resp.StatusCode, body.Error.Code
	}
	tk := h.WalkIn(t, "buergerbuero-mitte", demo.Meldebescheinigung)
	if code, _ := post("buergerbuero-mitte", tk.ID, h.Clerk()); code != http.StatusNoContent {
		t.Fatalf("print: %d", code)
	}
	if len(printer.jobs) != 1 {
		t.Fatalf("%d jobs printed, want 1", len(printer.jobs))
	}
	job := printer.jobs[0]
	if job.Number != tk.Number || len(job.Services) != 1 || !strings.Contains(job.StatusURL, "/t/") || job.Office == "" {
		t.Fatalf("printed %+v", job)
	}
	for _, tc := range []struct {
		name, office, ticket string
		client               *api.Client
		fail                 error
		wantStatus           int
		wantCode             string
	}{
		{"a kiosk may not", "buergerbuero-mitte", tk.ID, h.Device(), nil, http.StatusUnauthorized, api.CodeUnauthorized},
		{"unknown ticket", "buergerbuero-mitte", "buergerbuero-mitte-2026-03-18-9999", h.Clerk(), nil, http.StatusNotFound, api.CodeNotFound},
		{"paper out", "buergerbuero-mitte", tk.ID, h.Clerk(), errors.New("printer: paper out"), http.StatusServiceUnavailable, api.CodeUnavailable},
		{"no desk printer", h.Offices[1].ID, tk.ID, h.Clerk(), nil, http.StatusConflict, api.CodeNoPrinter},
	} {
		t.Run(tc.name, func(t *testing.T) {
			printer.mu.Lock()
			printer.err = tc.fail
			printer.mu.Unlock()
			if status, code := post(tc.office, tc.ticket, tc.client); status != tc.wantStatus || code != tc.wantCode {
				t.Fatalf("%d %s, want %d %s", status, code, tc.wantStatus, tc.wantCode)
			}
		})
	}
}
