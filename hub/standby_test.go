package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"lotse/hub/api"
	"lotse/hub/store"
)

// litestreamVersion is the Litestream release the standby is tested with
// and docs/backup.md names.
const litestreamVersion = "v0.5.18"

// litestream returns the litestream command: LOTSE_LITESTREAM, else one on
// PATH, else the pinned release built once into the user's cache (the Go
// toolchain fetches it like any module).
func litestream(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("LOTSE_LITESTREAM"); p != "" {
		return p
	}
	if p, err := exec.LookPath("litestream"); err == nil {
		return p
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(cache, "lotse-test", "litestream-"+litestreamVersion)
	bin := filepath.Join(dir, "litestream")
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("no litestream: set LOTSE_LITESTREAM, install it, or put go on PATH to build it: %v", err)
	}
	cmd := exec.Command(goCmd, "install", "github.com/benbjohnson/litestream/cmd/litestream@"+litestreamVersion)
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build litestream %s: %v\n%s", litestreamVersion, err, out)
	}
	return bin
}

// stamped is an acknowledged ticket and when its answer arrived.
type stamped struct {
	number  string
	arrived time.Time // the hub's stamp: a reissued id or number differs in it
	at      time.Time
}

// TestStandbyTakesOverFromLitestreamReplica replicates a hub's database
// with Litestream to a file replica while 16 clients draw tickets, kills
// the hub and Litestream with SIGKILL at once (the primary's machine
// dies), restores the replica, starts a standby hub on it and lets the
// clients, which know both hubs, fail over to it. It measures the
// acknowledged tickets lost against the replication lag: a ticket
// acknowledged longer ago than the lag bound must be on the standby.
func TestStandbyTakesOverFromLitestreamReplica(t *testing.T) {
	if testing.Short() {
		t.Skip("starts hub and litestream processes")
	}
	ls := litestream(t)
	tests := []struct {
		name     string
		interval time.Duration // Litestream's monitor and sync interval
	}{
		{"default 1s", time.Second},
		{"250ms", 250 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { standbyRun(t, ls, tt.interval) })
	}
}

func standbyRun(t *testing.T, ls string, interval time.Duration) {
	dir := t.TempDir()
	primaryDB, replica := filepath.Join(dir, "primary", "lotse.db"), filepath.Join(dir, "replica")
	standbyDB := filepath.Join(dir, "standby", "lotse.db")
	primaryAddr, standbyAddr := freeAddr(t), freeAddr(t)
	const office = "buergerbuero-mitte"

	primary := startProcess(t, primaryAddr, primaryDB)
	cfg := filepath.Join(dir, "litestream.yml")
	yml := fmt.Sprintf("dbs:\n  - path: %s\n    monitor-interval: %s\n    replica:\n      type: file\n      path: %s\n      sync-interval: %s\n",
		primaryDB, interval, replica, interval)
	if err := os.WriteFile(cfg, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	rep := exec.Command(ls, "replicate", "-config", cfg)
	rep.Stdout, rep.Stderr = os.Stderr, os.Stderr
	if err := rep.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rep.Process.Kill(); rep.Wait() })

	// Every client knows both hubs, the primary first, as a kiosk with
	// -hub http://primary,http://standby. The desk account draws the
	// tickets: a kiosk's token may draw only a few a minute.
	list := "http://" + primaryAddr + ",http://" + standbyAddr
	var mu sync.Mutex
	acked := map[string]stamped{}
	var stop atomic.Bool
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &api.Client{Base: list, User: "demo", Password: "demo"}
			for !stop.Load() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				tk, err := c.WalkIn(ctx, office, api.WalkInRequest{Service: "meldebescheinigung"})
				cancel()
				if err != nil {
					// Neither hub answers between the kill and the
					// standby's start: a kiosk would show "try again".
					time.Sleep(20 * time.Millisecond)
					continue
				}
				mu.Lock()
				acked[tk.ID+" "+tk.Number+" "+tk.Arrived.Format(time.RFC3339Nano)] = stamped{tk.Number, tk.Arrived, time.Now()}
				mu.Unlock()
			}
		}()
	}
	t.Cleanup(func() { stop.Store(true); wg.Wait() })
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(acked)
	}
	loadStart := time.Now()
	waitFor(t, "tickets under load", func() bool { return count() >= 300 && time.Since(loadStart) > 4*interval+2*time.Second })
	// A standby takes over from a replica that holds the database: the
	// kill waits for Litestream's first upload. Under a flood of walk-ins
	// on a loaded machine its first sync may wait for the write lock and
	// back off (its busy timeout is a second), and the seconds above were
	// once not enough for any upload (the restore found no file).
	waitFor(t, "the replica's first upload", func() bool {
		files, _ := filepath.Glob(filepath.Join(replica, "ltx", "*", "*.ltx"))
		return len(files) > 0
	})

	// The primary's machine dies: the hub and Litestream at once.
	for _, p := range []*os.Process{primary.Process, rep.Process} {
		if err := p.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
	}
	killed := time.Now()
	primary.Wait()
	rep.Wait()
	mu.Lock()
	before := make(map[string]stamped, len(acked))
	for id, s := range acked {
		before[id] = s
	}
	mu.Unlock()

	restore := exec.Command(ls, "restore", "-o", standbyDB, "file://"+replica)
	if err := os.MkdirAll(filepath.Dir(standbyDB), 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := restore.CombinedOutput(); err != nil {
		t.Fatalf("litestream restore: %v\n%s", err, out)
	}
	if _, err := store.Check(context.Background(), standbyDB); err != nil {
		t.Fatalf("the restored replica: %v", err)
	}
	// The key file is the installation's, copied to the standby once
	// when it is set up (docs/backup.md).
	keys, err := os.ReadFile(store.DefaultKeyFile(primaryDB))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(store.DefaultKeyFile(standbyDB), keys, 0o600); err != nil {
		t.Fatal(err)
	}
	startProcess(t, standbyAddr, standbyDB)
	restored := time.Now()
	waitFor(t, "the clients failing over to the standby", func() bool {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, s := range acked {
			if s.at.After(restored) {
				n++
			}
		}
		return n >= 50
	})
	stop.Store(true)
	wg.Wait()

	c := &api.Client{Base: list, User: "demo", Password: "demo"}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	snap, err := c.Queue(ctx, office)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, tk := range snap.Tickets {
		have[tk.ID+" "+tk.Number+" "+tk.Arrived.Format(time.RFC3339Nano)] = true
	}
	var lost []stamped
	for key, s := range before {
		if !have[key] {
			lost = append(lost, s)
		}
	}
	sort.Slice(lost, func(i, j int) bool { return lost[i].at.Before(lost[j].at) })
	window := time.Duration(0)
	if len(lost) > 0 {
		window = killed.Sub(lost[0].at)
	}
	rate := float64(len(before)) / killed.Sub(loadStart).Seconds()
	t.Logf("Litestream interval %s: %d tickets acknowledged in %.1fs (%.0f/s) before the kill; %d lost, the oldest acknowledged %s before the kill; standby up %s after the kill",
		interval, len(before), killed.Sub(loadStart).Seconds(), rate, len(lost), window.Round(time.Millisecond), restored.Sub(killed).Round(time.Millisecond))
	// What the replica can miss is what Litestream had not yet shipped:
	// at most a monitor and a sync interval, plus the time one sync takes
	// on a loaded machine.
	bound := 2*interval + 5*time.Second
	if window > bound {
		t.Errorf("a ticket acknowledged %s before the kill is lost; the replication lag bound is %s", window, bound)
	}
	if len(before) < 300 {
		t.Errorf("only %d tickets before the kill", len(before))
	}
}

// waitFor polls cond for up to a minute: processes start slowly under the
// race detector on a loaded machine.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal(errors.New(what + ": not within a minute"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
