package server

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"lotse/hub/api"
)

// TestDemoCodesCheckInNow: every code the README's one-liner lists checks
// in at once, and a code checked in is listed no more.
func TestDemoCodesCheckInNow(t *testing.T) {
	h := newTestHub(t)
	office := h.Offices[0].ID
	get := func() []string {
		t.Helper()
		resp, err := http.Get(h.URL + "/demo/codes?office=" + office)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
			t.Fatalf("demo codes: %s %s", resp.Status, body)
		}
		return strings.Split(strings.TrimSpace(string(body)), "\n")
	}
	lines := get()
	if len(lines) < 3 {
		t.Fatalf("only %d codes open now: %q", len(lines), lines)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, line := range lines {
		fields := strings.Split(line, "\t")
		if len(fields) != 3 || !strings.HasPrefix(fields[0], "LOTSE:") {
			t.Fatalf("line %q: want code, birth date and time", line)
		}
		if _, err := h.Device().CheckIn(ctx, office, api.CheckInRequest{Code: fields[0]}); err != nil {
			t.Fatalf("code %s from the list: %v", fields[0], err)
		}
	}
	if again := get(); again[0] != "" {
		t.Fatalf("codes already checked in are listed again: %q", again)
	}
}
