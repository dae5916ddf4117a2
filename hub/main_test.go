package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lotse/hub/api"
)

// TestMain lets the test binary run as a hub process, so that the kill
// test can kill a real hub with SIGKILL without building another binary.
func TestMain(m *testing.M) {
	if args := os.Getenv("LOTSE_TEST_HUB_ARGS"); args != "" {
		if err := run(context.Background(), strings.Fields(args), os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func startProcess(t *testing.T, addr, db string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "LOTSE_TEST_HUB_ARGS=-addr "+addr+" -db "+db)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	c := api.NewClient("http://"+addr, "demo")
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := c.Health(ctx)
		cancel()
		if err == nil {
			return cmd
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("hub did not come up")
	return nil
}

// TestKill9LosesNoAcknowledgedTicket kills the hub with SIGKILL while 16
// clients draw tickets, restarts it on the same database and checks that
// every ticket the hub had acknowledged is still there and that no ticket
// number is handed out twice.
func TestKill9LosesNoAcknowledgedTicket(t *testing.T) {
	if testing.Short() {
		t.Skip("starts hub processes")
	}
	addr, db := freeAddr(t), filepath.Join(t.TempDir(), "lotse.db")
	const office = "buergerbuero-mitte"
	cmd := startProcess(t, addr, db)
	// The desk account draws the tickets: a kiosk's token may draw only a
	// few a minute, far fewer than this load needs.
	c := &api.Client{Base: "http://" + addr, User: "demo", Password: "demo"}

	var mu sync.Mutex
	acked := map[string]string{} // id → number
	var stop atomic.Bool
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				tk, err := c.WalkIn(ctx, office, api.WalkInRequest{Service: "meldebescheinigung"})
				cancel()
				if err != nil {
					continue
				}
				mu.Lock()
				acked[tk.ID] = tk.Number
				mu.Unlock()
			}
		}()
	}
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 200 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL, mid-load
		t.Fatal(err)
	}
	cmd.Wait()
	stop.Store(true)
	wg.Wait()

	startProcess(t, addr, db)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	snap, err := c.Queue(ctx, office)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]string{}
	for _, tk := range snap.Tickets {
		have[tk.ID] = tk.Number
	}
	for id, number := range acked {
		if have[id] != number {
			t.Errorf("acknowledged ticket %s (%s) lost after kill -9", number, id)
		}
	}
	numbers := map[string]bool{}
	for _, n := range have {
		numbers[n] = true
	}
	tk, err := c.WalkIn(ctx, office, api.WalkInRequest{Service: "meldebescheinigung"})
	if err != nil {
		t.Fatal(err)
	}
	if numbers[tk.Number] {
		t.Errorf("ticket number %s handed out again after restart", tk.Number)
	}
	t.Logf("%d tickets acknowledged before kill -9, %d restored; next number %s", len(acked), len(have), tk.Number)
}
