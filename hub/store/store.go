// Package store persists the hub in SQLite (mattn/go-sqlite3): the day's
// appointments, tickets, counters, the event log, the outbox to the booking
// backend and anonymous statistics.
//
// One writer connection serialises all writes (the office loops commit
// through it, in groups); a separate pool serves readers, which WAL lets
// run beside the writer. A state change, its event and its outbox report
// are written in one transaction, so a crash never keeps one without the
// other.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	_ "github.com/mattn/go-sqlite3" // registers the sqlite3 driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is the hub's database.
type DB struct {
	w        *sql.DB // the one writer connection
	r        *sql.DB // the read pool
	path     string
	prepared map[string]*sql.Stmt // the writer's statements
}

// Open opens (and creates or migrates) the database at path.
func Open(ctx context.Context, path string) (*DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
	}
	// synchronous=FULL: an acknowledged check-in survives a power cut, not
	// only a crash. Group commit pays the fsync once per batch.
	params := "_journal_mode=WAL&_busy_timeout=5000&_foreign_keys=on&_synchronous=FULL"
	w, err := sql.Open("sqlite3", "file:"+url.PathEscape(path)+"?"+params+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", filepath.Base(path), err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	db := &DB{w: w, path: path}
	if err := db.migrate(ctx); err != nil {
		w.Close()
		return nil, err
	}
	if err := db.prepare(ctx); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite3", "file:"+url.PathEscape(path)+"?"+params+"&_query_only=1")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open read pool: %w", err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	db.r = r
	return db, nil
}

// Close closes both connections.
func (db *DB) Close() error {
	return errors.Join(db.r.Close(), db.w.Close())
}

func (db *DB) migrate(ctx context.Context) error {
	var version int
	if err := db.w.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("migrate: read version: %w", err)
	}
	entries, err := migrations.ReadDir("migrations")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, e := range entries {
		n, err := strconv.Atoi(strings.SplitN(e.Name(), "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migrate: bad file name %s", e.Name())
		}
		if n <= version {
			continue
		}
		script, err := migrations.ReadFile("migrations/" + e.Name())
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		tx, err := db.w.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migrate %s: %w", e.Name(), err)
		}
		if _, err := tx.ExecContext(ctx, string(script)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate %s: %w", e.Name(), err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", n)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate %s: %w", e.Name(), err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migrate %s: %w", e.Name(), err)
		}
	}
	return nil
}

// Secret returns the installation's random key of that name (e.g. for
// birth-date hashes or session cookies), created on first start. It never
// leaves the database.
func (db *DB) Secret(ctx context.Context, name string) ([]byte, error) {
	var key []byte
	err := db.w.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = ?", name).Scan(&key)
	if err == nil {
		return key, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read installation key %s: %w", name, err)
	}
	key = make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("create installation key: %w", err)
	}
	if _, err := db.w.ExecContext(ctx, "INSERT INTO meta (key, value) VALUES (?, ?)", name, key); err != nil {
		return nil, fmt.Errorf("store installation key: %w", err)
	}
	return key, nil
}
