package instance

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"time"

	"lotse/hub/store"
)

// DailyBackup configures the hub's own daily backup (config [backup]).
type DailyBackup struct {
	// Dir receives one file a day, lotse-YYYY-MM-DD.db; empty: no backup.
	Dir string
	// Keep is how many of the newest daily files stay; 0: 7.
	Keep int
	// At is the time of day (from local midnight by the hub's clock) from
	// which the day's backup is due. A hub that was not running then
	// takes it at its next check.
	At time.Duration
	// CheckEvery is how often the hub looks whether a backup is due; 0:
	// one minute. Tests make it short.
	CheckEvery time.Duration
}

// backupName matches the daily files; rotation deletes nothing else.
var backupName = regexp.MustCompile(`^lotse-\d{4}-\d{2}-\d{2}\.db$`)

// dailyBackups runs until ctx ends, taking the day's backup once it is due.
type dailyBackups struct {
	cfg DailyBackup
	db  *store.DB
	now func() time.Time
	log *slog.Logger
}

func (b *dailyBackups) run(ctx context.Context) error {
	if b.cfg.Keep <= 0 {
		b.cfg.Keep = 7
	}
	if b.cfg.CheckEvery <= 0 {
		b.cfg.CheckEvery = time.Minute
	}
	tick := time.NewTicker(b.cfg.CheckEvery)
	defer tick.Stop()
	for {
		if err := b.once(ctx); err != nil && ctx.Err() == nil {
			// A failed backup must not stop the hub serving; the next
			// check tries again and the log says why.
			b.log.Error("daily backup failed", "dir", b.cfg.Dir, "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// once takes today's backup if it is due and not yet there, then rotates.
func (b *dailyBackups) once(ctx context.Context) error {
	now := b.now()
	midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	if now.Before(midnight.Add(b.cfg.At)) {
		return nil
	}
	dest := filepath.Join(b.cfg.Dir, "lotse-"+now.Format(time.DateOnly)+".db")
	if _, err := os.Stat(dest); err == nil {
		return nil
	}
	start := time.Now()
	if err := b.db.Backup(ctx, dest); err != nil {
		return err
	}
	b.log.Info("daily backup written", "file", dest, "took", time.Since(start).Round(time.Millisecond))
	return b.rotate()
}

// rotate deletes all but the newest Keep daily files; the names sort by
// date.
func (b *dailyBackups) rotate() error {
	entries, err := os.ReadDir(b.cfg.Dir)
	if err != nil {
		return fmt.Errorf("daily backup rotation: %w", err)
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && backupName.MatchString(e.Name()) {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	for len(names) > b.cfg.Keep {
		if err := os.Remove(filepath.Join(b.cfg.Dir, names[0])); err != nil {
			return fmt.Errorf("daily backup rotation: %w", err)
		}
		names = names[1:]
	}
	return nil
}
