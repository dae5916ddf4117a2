package instance_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lotse/hub/api"
	"lotse/hub/clocktest"
	"lotse/hub/instance"
	"lotse/hub/server"
	"lotse/hub/store"
)

// TestBackupUnderLoadRestoresEveryAcknowledgedTicket takes a backup the
// way `hub backup` does (its own connection to the file of a running hub)
// while eight clients check in and draw tickets, restores it into a new
// database and starts a second hub on it: every ticket acknowledged before
// the backup began is there with its number.
func TestBackupUnderLoadRestoresEveryAcknowledgedTicket(t *testing.T) {
	dir := t.TempDir()
	h := startHubWith(t, filepath.Join(dir, "lotse.db"), nil, func(o *instance.Options) { o.Limits = server.NoLimits() })
	appts := h.inWindow(t, mitte)

	var mu sync.Mutex
	acked := map[string]string{} // ticket id → number
	var stop atomic.Bool
	var next atomic.Int64 // the next appointment to check in
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				var tk api.Ticket
				var err error
				if i := int(next.Add(1)) - 1; i < len(appts) {
					tk, err = h.device.CheckIn(c, mitte, api.CheckInRequest{Code: server.DemoPayload(appts[i])})
				} else {
					tk, err = h.device.WalkIn(c, mitte, api.WalkInRequest{Service: "meldebescheinigung"})
				}
				cancel()
				if err != nil {
					if !stop.Load() {
						t.Errorf("ticket under load: %v", err)
					}
					return
				}
				mu.Lock()
				acked[tk.ID] = tk.Number
				mu.Unlock()
			}
		}()
	}
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(acked)
	}
	// Bounded by counts, not by time: a loaded test machine is slow, not
	// wrong. The deadline only ends a hung run.
	within(t, 2*time.Minute, "60 tickets under load", func() bool { return count() >= 60 })

	mu.Lock()
	before := make(map[string]string, len(acked))
	for id, n := range acked {
		before[id] = n
	}
	mu.Unlock()
	backup := filepath.Join(dir, "backups", "now.db")
	if err := store.Backup(ctx(t), h.dbPath, backup); err != nil {
		t.Fatalf("backup under load: %v", err)
	}
	// The load goes on past the backup: the copy must be a snapshot,
	// not a torn read of a moving file.
	at := count()
	within(t, 2*time.Minute, "more tickets after the backup", func() bool { return count() >= at+30 })
	stop.Store(true)
	wg.Wait()
	h.Stop()

	restored := filepath.Join(t.TempDir(), "lotse.db")
	if _, err := store.Restore(ctx(t), backup, restored); err != nil {
		t.Fatal(err)
	}
	if err := copyKeys(store.DefaultKeyFile(h.dbPath), store.DefaultKeyFile(restored)); err != nil {
		t.Fatal(err)
	}
	h2 := startHubWith(t, restored, h.clock, nil)
	snap, err := h2.clerk.Queue(ctx(t), mitte)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]string{}
	for _, tk := range snap.Tickets {
		have[tk.ID] = tk.Number
	}
	for id, n := range before {
		if have[id] != n {
			t.Errorf("ticket %s (%s) acknowledged before the backup is missing after the restore", n, id)
		}
	}
	if len(have) >= count() {
		t.Errorf("the backup holds %d tickets of %d: it was not taken under load", len(have), count())
	}
	t.Logf("%d tickets acknowledged before the backup began, %d in it, %d in all", len(before), len(have), count())
}

// within polls cond until it holds or d has passed.
func within(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func copyKeys(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o600)
}

// TestDailyBackupRotates: the hub writes the day's backup once it is due
// by its clock and keeps only the newest Keep files, never touching other
// files in the directory.
func TestDailyBackupRotates(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Berlin")
	c := clocktest.New(time.Date(2026, 3, 10, 1, 0, 0, 0, loc))
	dir := filepath.Join(t.TempDir(), "backups")
	h := startHubWith(t, "", c, func(o *instance.Options) {
		o.Backup = instance.DailyBackup{Dir: dir, Keep: 2, At: 2*time.Hour + 30*time.Minute, CheckEvery: 5 * time.Millisecond}
	})
	other := filepath.Join(dir, "lotse-before-upgrade.db")
	if err := os.WriteFile(other, []byte("an operator's own copy"), 0o600); err != nil {
		t.Fatal(err)
	}
	exists := func(day string) func() bool {
		return func() bool {
			_, err := os.Stat(filepath.Join(dir, "lotse-"+day+".db"))
			return err == nil
		}
	}
	h.Outbox.Notify() // a moment passes with the hub checking
	if exists("2026-03-10")() {
		t.Fatal("a backup before its time of day")
	}
	c.Advance(91 * time.Minute)
	within(t, time.Minute, "the backup of 10 March", exists("2026-03-10"))
	if _, err := store.Check(ctx(t), filepath.Join(dir, "lotse-2026-03-10.db")); err != nil {
		t.Fatal(err)
	}
	c.Advance(24 * time.Hour)
	within(t, time.Minute, "the backup of 11 March", exists("2026-03-11"))
	c.Advance(24 * time.Hour)
	within(t, time.Minute, "the backup of 12 March", exists("2026-03-12"))
	within(t, time.Minute, "the oldest backup rotated out", func() bool { return !exists("2026-03-10")() })
	if !exists("2026-03-11")() {
		t.Error("rotation removed more than the oldest")
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("rotation touched a file that is not a daily backup: %v", err)
	}
}
