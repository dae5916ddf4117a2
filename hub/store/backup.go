package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	sqlite3 "github.com/mattn/go-sqlite3"
)

// ErrNewerSchema is wrapped by the errors of Open, Check and Restore for a
// database that a newer release of the hub wrote: this one does not know
// its tables and must not write into it.
var ErrNewerSchema = errors.New("database from a newer release")

// ErrDamaged is wrapped by the errors of Check and Restore for a database
// file that fails SQLite's integrity check or is no database at all.
var ErrDamaged = errors.New("database damaged")

// ErrNotLotse is wrapped by the errors of Check and Restore for a sound
// SQLite file that holds no Lotse database: empty, or another program's.
var ErrNotLotse = errors.New("not a Lotse database")

// SchemaVersion is the schema version this build migrates databases to:
// the number of its newest migration.
func SchemaVersion() int {
	v, _ := latestMigration()
	return v
}

func latestMigration() (int, error) {
	entries, err := migrations.ReadDir("migrations")
	if err != nil {
		return 0, err
	}
	latest := 0
	for _, e := range entries {
		n, err := migrationNumber(e.Name())
		if err != nil {
			return 0, err
		}
		latest = max(latest, n)
	}
	return latest, nil
}

// newerSchema is the error for a database of schema version v when this
// build knows only up to latest.
func newerSchema(path string, v, latest int) error {
	return fmt.Errorf("%s has schema version %d, this hub knows only up to %d: a newer Lotse release wrote it; run that release, or restore a backup made by this one: %w",
		filepath.Base(path), v, latest, ErrNewerSchema)
}

// ErrInUse is wrapped by the error of Restore when a hub has the database
// open: it would go on writing into the replaced file.
var ErrInUse = errors.New("database in use")

// Info is what Check found out about a database file.
type Info struct {
	// SchemaVersion is the file's schema version (PRAGMA user_version).
	SchemaVersion int
	// Pending is how many migrations this build would apply when a hub
	// opens it.
	Pending int
}

// Check looks into the database file at path without changing it: SQLite's
// integrity check must pass and the schema must not be newer than this
// build's (ErrNewerSchema). It is what restore runs before it puts a
// backup in place.
func Check(ctx context.Context, path string) (Info, error) {
	if _, err := os.Stat(path); err != nil {
		return Info{}, fmt.Errorf("check %s: %w", filepath.Base(path), err)
	}
	db, err := sql.Open("sqlite3", "file:"+url.PathEscape(path)+"?mode=ro&_query_only=1")
	if err != nil {
		return Info{}, fmt.Errorf("check %s: %w", filepath.Base(path), err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var info Info
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&info.SchemaVersion); err != nil {
		// "file is not a database" and its kind land here.
		return Info{}, fmt.Errorf("check %s: %w: %w", filepath.Base(path), ErrDamaged, err)
	}
	rows, err := db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return Info{}, fmt.Errorf("check %s: %w: %w", filepath.Base(path), ErrDamaged, err)
	}
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			rows.Close()
			return Info{}, fmt.Errorf("check %s: %w", filepath.Base(path), err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return Info{}, fmt.Errorf("check %s: %w: %w", filepath.Base(path), ErrDamaged, err)
	}
	if len(problems) > 0 {
		if len(problems) > 5 {
			problems = append(problems[:5], "…")
		}
		return Info{}, fmt.Errorf("check %s: %w: %s", filepath.Base(path), ErrDamaged, strings.Join(problems, "; "))
	}
	// An empty file or another program's database passes SQLite's
	// check; restoring it would start the hub on nothing.
	var tables int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('meta', 'office_state', 'tickets', 'events')`).Scan(&tables); err != nil {
		return Info{}, fmt.Errorf("check %s: %w: %w", filepath.Base(path), ErrDamaged, err)
	}
	if info.SchemaVersion == 0 || tables < 4 {
		return info, fmt.Errorf("check %s: %w", filepath.Base(path), ErrNotLotse)
	}
	latest, err := latestMigration()
	if err != nil {
		return Info{}, fmt.Errorf("check %s: %w", filepath.Base(path), err)
	}
	if info.SchemaVersion > latest {
		return info, newerSchema(path, info.SchemaVersion, latest)
	}
	info.Pending = latest - info.SchemaVersion
	return info, nil
}

// Backup writes a consistent copy of the database at src to dest while a
// hub may be writing to src: VACUUM INTO reads one snapshot (WAL lets the
// hub's writer go on meanwhile), so the copy holds exactly the
// transactions committed before it began. The copy is checked and only
// then renamed to dest, so dest is never a half-written file. The key file
// is not part of it: back it up once, apart from the database.
func Backup(ctx context.Context, src, dest string) error {
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("backup of %s: %w", filepath.Base(src), err)
	}
	// Read-write without create: a reader of a WAL database needs the
	// shared-memory file, which a read-only open cannot set up when no hub
	// has the database open.
	db, err := sql.Open("sqlite3", "file:"+url.PathEscape(src)+"?mode=rw&_busy_timeout=5000")
	if err != nil {
		return fmt.Errorf("backup of %s: %w", filepath.Base(src), err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var v int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("backup of %s: %w", filepath.Base(src), err)
	}
	return vacuumInto(ctx, db, src, dest)
}

// Backup writes a consistent copy of the open database to dest (see the
// function Backup); the hub's daily backup uses it.
func (db *DB) Backup(ctx context.Context, dest string) error {
	return Backup(ctx, db.path, dest)
}

func vacuumInto(ctx context.Context, db *sql.DB, src, dest string) error {
	fail := func(err error) error { return fmt.Errorf("backup of %s to %s: %w", filepath.Base(src), dest, err) }
	if err := os.MkdirAll(filepath.Dir(dest), 0o700); err != nil {
		return fail(err)
	}
	tmp := dest + ".partial"
	if err := os.Remove(tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fail(err)
	}
	// The copy holds what the database holds: names and birth-date
	// hashes. Created owner-only before SQLite writes into it.
	if err := createPrivate(tmp); err != nil {
		return fail(err)
	}
	if err := os.Remove(tmp); err != nil { // VACUUM INTO wants no file, or an empty one
		return fail(err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return fail(err)
	}
	_, err = conn.ExecContext(ctx, "VACUUM INTO ?", tmp)
	conn.Close()
	if err != nil {
		os.Remove(tmp)
		return fail(err)
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		os.Remove(tmp)
		return fail(err)
	}
	if _, err := Check(ctx, tmp); err != nil {
		os.Remove(tmp)
		return fail(err)
	}
	if err := syncFile(tmp); err != nil {
		os.Remove(tmp)
		return fail(err)
	}
	if err := os.Rename(tmp, dest); err != nil {
		os.Remove(tmp)
		return fail(err)
	}
	if err := syncDir(filepath.Dir(dest)); err != nil {
		return fail(err)
	}
	return nil
}

// Restore puts the backup at src in place of the database at dest, after
// Check: a damaged backup or one from a newer release is refused and dest
// is left as it was. The hub must be stopped (ErrInUse otherwise). The
// database it replaces is kept beside it as dest.before-restore (with its
// WAL folded in by SQLite at the next open of that file), so a wrong
// restore can be undone.
func Restore(ctx context.Context, src, dest string) (Info, error) {
	info, err := Check(ctx, src)
	if err != nil {
		return info, fmt.Errorf("restore: %w", err)
	}
	tmp := dest + ".restoring"
	fail := func(err error) (Info, error) {
		// The copy holds a day's personal data: it does not stay behind
		// a refused restore.
		if rerr := os.Remove(tmp); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
			err = errors.Join(err, rerr)
		}
		return info, fmt.Errorf("restore %s to %s: %w", filepath.Base(src), dest, err)
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o700); err != nil {
		return fail(err)
	}
	if err := copyFile(src, tmp); err != nil {
		return fail(err)
	}
	if _, err := os.Stat(dest); err == nil {
		if err := notInUse(ctx, dest); err != nil {
			return fail(err)
		}
		for _, p := range dbFiles(dest) {
			if err := os.Rename(p, strings.Replace(p, dest, dest+".before-restore", 1)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fail(err)
			}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return fail(err)
	}
	if err := os.Rename(tmp, dest); err != nil {
		return fail(err)
	}
	if err := syncDir(filepath.Dir(dest)); err != nil {
		return fail(err)
	}
	return info, nil
}

// notInUse fails with ErrInUse while another connection, a running hub's,
// has the database at path open: every connection to a WAL database holds
// a shared lock, so an exclusive one is refused at once. Between this
// check and the renames a hub could start; the docs say to stop it first.
func notInUse(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite3", "file:"+url.PathEscape(path)+"?mode=rw&_locking_mode=EXCLUSIVE&_busy_timeout=0")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	_, err = db.ExecContext(ctx, "BEGIN EXCLUSIVE; COMMIT;")
	var se sqlite3.Error
	if errors.As(err, &se) && (se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked) {
		return fmt.Errorf("%s is open in a running hub; stop the hub first: %w", filepath.Base(path), ErrInUse)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return nil
}

// copyFile copies src to a new owner-only file dest and syncs it.
func copyFile(src, dest string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return errors.Join(out.Sync(), out.Close())
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}
