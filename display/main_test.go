package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"lotse/hub/api"
)

// childEnv makes the test binary run the display itself (see TestMain):
// Fyne needs the process's main goroutine, which a test does not have.
const childEnv = "LOTSE_DISPLAY_SMOKE_ARGS"

func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(childEnv); ok {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := run(ctx, strings.Fields(args), os.Stderr)
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, "display:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// smokeHub serves one office and a stream with a snapshot and pings.
type smokeHub struct {
	mu      sync.Mutex
	streams int
}

func (h *smokeHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/api/v1/offices":
		json.NewEncoder(w).Encode([]api.Office{{ID: "mitte", Name: "Bürgerbüro Mitte"}})
		return
	case "/api/v1/offices/mitte/stream":
	default:
		http.NotFound(w, r)
		return
	}
	conn, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	h.mu.Lock()
	h.streams++
	h.mu.Unlock()
	snap := api.Snapshot{
		Type: api.TypeSnapshot, Seq: 3, Office: api.OfficeRef{ID: "mitte", Name: "Bürgerbüro Mitte"},
		Counters: []api.CounterState{{ID: "c5", Name: "Schalter 5", Open: true, Ticket: &api.Ticket{ID: "t1", Number: "A042", State: api.StateCalled}}},
		Calls:    []api.Call{{Ticket: "t1", Number: "A042", Counter: "c5", CounterName: "Schalter 5", At: time.Now()}},
		Waiting:  []api.ServiceWait{{Service: "anm", Name: "Anmeldung", Waiting: 4, WaitMinutes: 12}},
		Notice:   "Rauchmelderprobe um 11 Uhr",
	}
	if conn.WriteJSON(snap) != nil {
		return
	}
	for {
		time.Sleep(200 * time.Millisecond)
		if conn.WriteJSON(api.Ping{Type: api.TypePing, Seq: 3, Time: time.Now()}) != nil {
			return
		}
	}
}

func (h *smokeHub) connected() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.streams > 0
}

// TestWindowSmoke starts the real display in a window on the X display
// (make test runs the tests under xvfb-run), lets it connect to a hub and
// draw for a while, and stops it with SIGINT.
func TestWindowSmoke(t *testing.T) {
	if os.Getenv("DISPLAY") == "" {
		t.Skip("no X display (DISPLAY is not set)")
	}
	hub := &smokeHub{}
	srv := httptest.NewServer(hub)
	defer srv.Close()

	var out bytes.Buffer
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=-hub "+srv.URL+" -token demo -windowed -sound=false")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
		}
	}()

	deadline := time.After(90 * time.Second)
	for !hub.connected() {
		select {
		case err := <-exited:
			t.Fatalf("display exited early: %v\n%s", err, out.String())
		case <-deadline:
			t.Fatalf("display did not connect\n%s", out.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	select {
	case err := <-exited:
		t.Fatalf("display exited while showing the board: %v\n%s", err, out.String())
	case <-time.After(2 * time.Second):
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("display did not stop cleanly: %v\n%s", err, out.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("display did not stop after SIGINT\n%s", out.String())
	}
}

func TestParseFlags(t *testing.T) {
	cfgFile := t.TempDir() + "/display.toml"
	if err := os.WriteFile(cfgFile, []byte("[display]\nhub = \"http://hub:9000\"\noffice = \"nord\"\nlayout = \"columns\"\nlang2 = \"en\"\nspeech = false\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		want    string // a summary of the config
		wantErr bool
	}{
		{"defaults", nil, "http://localhost:8080||auto||true|true|false", false},
		{"make run", []string{"-hub", "http://localhost:8080", "-token", "demo", "-windowed"}, "http://localhost:8080||auto||true|true|true", false},
		{"file", []string{"-config", cfgFile}, "http://hub:9000|nord|columns|en|false|true|false", false},
		{"flags beat the file", []string{"-config", cfgFile, "-layout", "list", "-speech=true"}, "http://hub:9000|nord|list|en|true|true|false", false},
		{"bad layout", []string{"-layout", "grid"}, "", true},
		{"missing file", []string{"-config", cfgFile + ".none"}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseFlags(tt.args, &bytes.Buffer{})
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v, want error %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			got := fmt.Sprintf("%s|%s|%s|%s|%t|%t|%t", cfg.Hub, cfg.Office, cfg.Layout, cfg.Lang2, cfg.Speech, cfg.Sound, cfg.Windowed)
			if got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// TestRunWithoutGraphicalSession: started where there is no X display (a
// service unit without DISPLAY, an SSH shell), the display says so instead
// of panicking inside Fyne.
func TestRunWithoutGraphicalSession(t *testing.T) {
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	err := run(context.Background(), []string{"-hub", "http://127.0.0.1:1"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "DISPLAY") {
		t.Fatalf("run without DISPLAY: %v", err)
	}
}
