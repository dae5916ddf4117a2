package instance_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"lotse/hub/booking/reference"
)

// TestMain lets the test binary run as the reference booking server, so
// that a test can kill a real separate process.
func TestMain(m *testing.M) {
	if file := os.Getenv("LOTSE_TEST_BOOKINGD_FILE"); file != "" {
		err := reference.Run(context.Background(), reference.Config{
			Addr: os.Getenv("LOTSE_TEST_BOOKINGD_ADDR"), File: file,
			ReportLog: os.Getenv("LOTSE_TEST_BOOKINGD_REPORTS"), Token: "ref-token",
		}, nil)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// bookingd is the reference server running as its own process.
type bookingd struct {
	addr, file, reports string
	cmd                 *exec.Cmd
}

func (b *bookingd) start(t *testing.T) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "LOTSE_TEST_BOOKINGD_FILE="+b.file, "LOTSE_TEST_BOOKINGD_ADDR="+b.addr,
		"LOTSE_TEST_BOOKINGD_REPORTS="+b.reports)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	b.cmd = cmd
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	eventually(t, "the reference server to come up", func() bool {
		resp, err := http.Get("http://" + b.addr + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

func (b *bookingd) kill(t *testing.T) {
	t.Helper()
	if err := b.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = b.cmd.Wait()
}

func (b *bookingd) reportsReceived(t *testing.T) reference.Reports {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://"+b.addr+"/reports", nil)
	req.Header.Set("Authorization", "Bearer ref-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r reference.Reports
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestReferenceServerKilledAndRestarted runs a hub against the reference
// server as a separate process, kills that process with SIGKILL while the
// office keeps checking in and calling, restarts it and checks that it
// has every report exactly once.
func TestReferenceServerKilledAndRestarted(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	b := &bookingd{addr: addr, file: filepath.Join(dir, "appointments.json"), reports: filepath.Join(dir, "reports.jsonl")}
	data, err := json.Marshal(restDay(30))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b.file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	b.start(t)
	h := startRESTHub(t, "http://"+addr, nil, nil)

	checked, served := 0, 0
	for ; checked < 10; checked++ {
		h.checkIn(t, checked)
	}
	for ; served < 4; served++ {
		h.serveNext(t)
	}
	eventually(t, "the reports before the kill", func() bool { return len(b.reportsReceived(t).Reports) == checked+2*served })

	b.kill(t)
	for ; checked < 30; checked++ {
		h.checkIn(t, checked)
		if checked%3 == 0 {
			h.serveNext(t)
			served++
		}
	}
	if n, err := h.DB.CountReports(ctx(t)); err != nil || n == 0 {
		t.Fatalf("outbox while the backend is dead: %d, %v; want reports waiting", n, err)
	}

	b.start(t)
	h.Outbox.Notify()
	eventually(t, "the outbox to drain after the restart", func() bool {
		n, err := h.DB.CountReports(context.Background())
		return err == nil && n == 0
	})
	assertExactlyOnce(t, b.reportsReceived(t), checked, served)
}
