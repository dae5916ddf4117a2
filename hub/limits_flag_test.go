package main

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lotse/hub/api"
)

// TestLiftLimitsOnlyOnLoopback: the load instruments draw thousands of
// walk-ins with the token demo; -lift-limits lets them measure the hub
// instead of its limits, and only where nobody else can reach it.
func TestLiftLimitsOnlyOnLoopback(t *testing.T) {
	for _, addr := range []string{":0", "0.0.0.0:0", "192.0.2.1:0", "[::]:0", "lotse.example:0"} {
		err := run(context.Background(), []string{"-lift-limits", "-addr", addr, "-db", filepath.Join(t.TempDir(), "l.db")}, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("-lift-limits on %s: %v, want a refusal naming loopback", addr, err)
		}
	}
	for _, addr := range []string{"127.0.0.1:80", "[::1]:80", "localhost:80", "127.8.9.10:80"} {
		if !loopback(addr) {
			t.Errorf("%s is a loopback address", addr)
		}
	}

	// On loopback the walk-ins of a load tool all go through: the kiosk's
	// default limit would refuse the 21st.
	addr := freeAddr(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "LOTSE_TEST_HUB_ARGS=-lift-limits -addr "+addr+" -db "+filepath.Join(t.TempDir(), "l.db"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	c := api.NewClient("http://"+addr, "demo")
	up := false
	for deadline := time.Now().Add(60 * time.Second); !up && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := c.Health(ctx)
		cancel()
		up = err == nil
	}
	if !up {
		t.Fatal("hub did not come up")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	offices, err := c.Offices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		if _, err := c.WalkIn(ctx, offices[0].ID, api.WalkInRequest{Service: offices[0].Services[0].ID}); err != nil {
			t.Fatalf("walk-in %d with lifted limits: %v", i+1, err)
		}
	}
}
