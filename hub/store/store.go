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
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3" // registers the sqlite3 driver

	"lotse/hub/queue"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is the hub's database.
type DB struct {
	w        *sql.DB // the one writer connection
	r        *sql.DB // the read pool
	path     string
	prepared map[string]*sql.Stmt // the writer's statements
	keys     *keyFile
	log      *slog.Logger
	// file is the database file as it was at open: WriteCheck compares it
	// with what the path names now, since SQLite goes on writing into a
	// file that was deleted or replaced under it (and loses it all).
	file os.FileInfo
	// freeSpace is the file system's free space; tests fill the disk.
	freeSpace func(path string) (uint64, error)
	// tokens finds tickets by status token (tokens.go).
	tokens *tokenIndex
	// cursors knows which offices' cursor rows hold their day (cursor.go).
	cursors cursorRows
	// audit numbers the audit lines (audit.go).
	audit *auditLines
	// underived holds committed events whose derived rows are still to
	// be written (derived.go).
	underived underived
	// failDerived, set by tests, fails the second step of a split
	// commit: on disk that is a crash between the two steps.
	failDerived func() error
	// ck checkpoints the WAL beside the commits (checkpoint.go); nil
	// for a read-only database.
	ck         *checkpointer
	stopTicker func()
}

// Option changes how Open opens the database.
type Option func(*openOptions)

type openOptions struct {
	keyFile string
	getenv  func(string) string
	mode    string // SQLite open mode; "" is read-write-create
	log     *slog.Logger
	// checkpointTicks drives the WAL checkpointer instead of a ticker.
	checkpointTicks <-chan time.Time
}

// WithLogger logs the store's warnings (a new birth key for stored
// hashes, a purge that must be finished later) there instead of
// slog.Default().
func WithLogger(log *slog.Logger) Option {
	return func(o *openOptions) {
		if log != nil {
			o.log = log
		}
	}
}

// WithKeyFile keeps the installation keys in path instead of the default
// file next to the database (see DefaultKeyFile).
func WithKeyFile(path string) Option {
	return func(o *openOptions) {
		if path != "" {
			o.keyFile = path
		}
	}
}

// WithEnv takes installation keys from this environment instead of the
// process's (LOTSE_BIRTH_KEY, LOTSE_SESSION_KEY, …; see Secret).
func WithEnv(getenv func(string) string) Option {
	return func(o *openOptions) { o.getenv = getenv }
}

// ReadOnly opens the database read-only: for looking into a copy, and to
// show what the hub does when its disk stops taking writes.
func ReadOnly() Option {
	return func(o *openOptions) { o.mode = "ro" }
}

// dbFiles are the files SQLite keeps for a database in WAL mode.
func dbFiles(path string) []string {
	return []string{path, path + "-wal", path + "-shm"}
}

// createPrivate creates the database file owner-only before SQLite does:
// SQLite gives its WAL and shared-memory files the mode of the database
// file, so all three stay 0600. Files of an older hub, created 0644, are
// tightened: they hold names and birth-date hashes.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	for _, p := range dbFiles(path) {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// busyTimeout is how long a connection waits for a lock (or the
// checkpoint for readers) before it fails with SQLITE_BUSY.
const busyTimeout = 5 * time.Second

// Open opens (and creates or migrates) the database at path.
func Open(ctx context.Context, path string, opts ...Option) (*DB, error) {
	o := openOptions{keyFile: DefaultKeyFile(path), getenv: os.Getenv, log: slog.Default()}
	for _, opt := range opts {
		opt(&o)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
	}
	if o.mode == "" {
		if err := createPrivate(path); err != nil {
			return nil, fmt.Errorf("open store %s: %w", filepath.Base(path), err)
		}
	}
	// synchronous=FULL: an acknowledged check-in survives a power cut, not
	// only a crash. Group commit pays the fsync once per batch.
	// secure_delete: purged personal data is overwritten, not only
	// unlinked from the b-tree (see Purge).
	params := fmt.Sprintf("_journal_mode=WAL&_busy_timeout=%d&_foreign_keys=on&_synchronous=FULL&_secure_delete=on", busyTimeout.Milliseconds())
	if o.mode != "" {
		params += "&mode=" + o.mode
	}
	w, err := sql.Open(writerDriverName(), "file:"+url.PathEscape(path)+"?"+params+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", filepath.Base(path), err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	db := &DB{w: w, path: path, keys: &keyFile{path: o.keyFile, getenv: o.getenv}, log: o.log, freeSpace: freeSpace, audit: newAuditLines(time.Now())}
	if err := db.migrate(ctx); err != nil {
		w.Close()
		return nil, err
	}
	// Taken after the writer has the file open (migrate used it), so
	// this is the file SQLite writes to.
	if db.file, err = os.Stat(path); err != nil {
		w.Close()
		return nil, fmt.Errorf("open store %s: %w", filepath.Base(path), err)
	}
	if err := db.prepare(ctx); err != nil {
		w.Close()
		return nil, err
	}
	if o.mode == "" {
		if err := db.deriveLeftOver(ctx); err != nil {
			w.Close()
			return nil, err
		}
	}
	if err := db.loadTokens(ctx); err != nil {
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
	if o.mode == "" {
		ck, err := sql.Open("sqlite3", "file:"+url.PathEscape(path)+"?"+params)
		if err != nil {
			r.Close()
			w.Close()
			return nil, fmt.Errorf("open checkpoint connection: %w", err)
		}
		ck.SetMaxOpenConns(1)
		ticks := o.checkpointTicks
		if ticks == nil {
			t := time.NewTicker(checkpointEvery)
			db.stopTicker = t.Stop
			ticks = t.C
		}
		db.ck = startCheckpointer(ck, o.log, ticks)
	}
	return db, nil
}

// Problem codes of a database that does not take writes; /healthz names
// them.
const (
	ProblemReadOnly = "database_read_only"
	ProblemFull     = "disk_full"
	ProblemBusy     = "database_busy"
	ProblemFailing  = "database_failing"
	// ProblemGone: the database file the hub has open is no longer the
	// one at its path (deleted or replaced); what it writes is lost at
	// the next start.
	ProblemGone = "database_gone"
)

// WriteError is a failed write with its cause as a Problem code.
type WriteError struct {
	Code string
	Err  error
}

func (e *WriteError) Error() string { return e.Code + ": " + e.Err.Error() }
func (e *WriteError) Unwrap() error { return e.Err }

// minFree is the free space below which the disk counts as full: a
// tiny probe can still succeed in a reused WAL while the day's batches
// and the purge's checkpoint need room.
const minFree = 16 << 20

// freeSpace returns the bytes available to the hub on the file system of
// path.
func freeSpace(path string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return 0, err
	}
	return st.Bavail * uint64(st.Bsize), nil
}

// WriteCheck proves that the database takes writes: the file system has
// room, and one small row commits through the writer connection as every
// batch does (with fsync). A read-only file or a full disk fails it with
// a *WriteError, and so does a database file that was deleted or
// replaced under the running hub.
func (db *DB) WriteCheck(ctx context.Context) error {
	if err := db.sameFile(); err != nil {
		return &WriteError{Code: ProblemGone, Err: fmt.Errorf("write check: %w", err)}
	}
	if free, err := db.freeSpace(filepath.Dir(db.path)); err == nil && free < minFree {
		return &WriteError{Code: ProblemFull, Err: fmt.Errorf("write check: only %d KiB free on the database's disk", free>>10)}
	}
	_, err := db.w.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('write_check', randomblob(8))
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`)
	if err == nil {
		return nil
	}
	code := ProblemFailing
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code {
		case sqlite3.ErrReadonly, sqlite3.ErrPerm, sqlite3.ErrAuth:
			code = ProblemReadOnly
		case sqlite3.ErrFull:
			code = ProblemFull
		case sqlite3.ErrBusy, sqlite3.ErrLocked:
			code = ProblemBusy
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		code = ProblemBusy
	}
	return &WriteError{Code: code, Err: fmt.Errorf("write check: %w", err)}
}

// sameFile says whether the path still names the database file opened.
func (db *DB) sameFile() error {
	fi, err := os.Stat(db.path)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("database file %s was deleted under the running hub", filepath.Base(db.path))
	}
	if err != nil {
		return err
	}
	if !os.SameFile(db.file, fi) {
		return fmt.Errorf("database file %s was replaced under the running hub", filepath.Base(db.path))
	}
	return nil
}

// Close closes both connections.
func (db *DB) Close() error {
	var ck error
	if db.ck != nil {
		ck = db.ck.close()
	}
	if db.stopTicker != nil {
		db.stopTicker()
	}
	return errors.Join(ck, db.r.Close(), db.w.Close())
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
	// A newer release's database would be read with a schema this build
	// does not know, and its writes could break the newer tables.
	latest, err := latestMigration()
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if version > latest {
		return fmt.Errorf("open store: %w", newerSchema(db.path, version, latest))
	}
	for _, e := range entries {
		n, err := migrationNumber(e.Name())
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
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

// migrationNumber is the number a migration's file name starts with.
func migrationNumber(name string) (int, error) {
	n, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
	if err != nil {
		return 0, fmt.Errorf("bad migration file name %s", name)
	}
	return n, nil
}

// Changes reads, in one transaction, the office's cursor (its day and
// last seq) and up to limit events after seq: what a reader that holds the
// office's View at seq needs to bring it up to date.
func (db *DB) Changes(ctx context.Context, office string, seq int64, limit int) (day string, last int64, events []queue.Event, err error) {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return "", 0, nil, fmt.Errorf("changes of %s: %w", office, err)
	}
	defer tx.Rollback()
	err = tx.QueryRowContext(ctx, selectDaySeq, office).Scan(&day, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return "", 0, nil, nil
	}
	if err != nil {
		return "", 0, nil, fmt.Errorf("changes of %s: %w", office, err)
	}
	events, err = readEvents(ctx, tx, "SELECT payload FROM events WHERE office = ? AND seq > ? ORDER BY seq LIMIT ?", office, seq, limit)
	if err != nil {
		return "", 0, nil, fmt.Errorf("changes of %s: %w", office, err)
	}
	return day, last, events, nil
}
