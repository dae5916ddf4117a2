package store

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// keyLen is the length of a generated installation key (HMAC-SHA256).
const keyLen = 32

// DefaultKeyFile is where the installation keys live unless configured
// otherwise: next to the database, "lotse.db" → "lotse.keys". They are
// not in the database, so that a copy of the database alone (a backup, a
// file left on a disposed disk) does not let anyone reverse the
// birth-date hashes by trying every date.
func DefaultKeyFile(dbPath string) string {
	return strings.TrimSuffix(dbPath, filepath.Ext(dbPath)) + ".keys"
}

// KeyEnv is the environment variable that supplies the key of that name
// instead of the key file: "birth_key" → LOTSE_BIRTH_KEY, 64 hex digits
// (at least 32 bytes).
func KeyEnv(name string) string { return "LOTSE_" + strings.ToUpper(name) }

// keyFile is the installation's key file: one "name=hex" line per key,
// owner-only.
type keyFile struct {
	mu     sync.Mutex
	path   string
	getenv func(string) string
}

// Secret returns the installation's random key of that name (e.g. for
// birth-date hashes or session cookies). It comes from the environment
// (KeyEnv) or else from the key file, where it is created on first start
// (a missing file is created). A key file that exists but is damaged (it
// holds no keys, or no birth key) is refused: a new birth key would make
// every stored birth-date hash stop matching in silence.
// A key that an older hub kept in the database is moved into the key file
// once and then deleted from the database, overwritten (secure_delete) and
// checkpointed out of the WAL.
func (db *DB) Secret(ctx context.Context, name string) ([]byte, error) {
	k := db.keys
	k.mu.Lock()
	defer k.mu.Unlock()
	if v := strings.TrimSpace(k.getenv(KeyEnv(name))); v != "" {
		key, err := hex.DecodeString(v)
		if err != nil || len(key) < keyLen {
			return nil, fmt.Errorf("installation key %s: %s must be at least %d bytes as hex digits", name, KeyEnv(name), keyLen)
		}
		return key, db.forgetOldKey(ctx, name)
	}
	keys, exists, err := readKeyFile(k.path)
	if err != nil {
		return nil, fmt.Errorf("installation key %s: %w", name, err)
	}
	if key, ok := keys[name]; ok {
		return key, db.forgetOldKey(ctx, name)
	}
	key, err := db.oldKey(ctx, name)
	if err != nil {
		return nil, err
	}
	if key == nil && exists && (len(keys) == 0 || name == birthKey) {
		// The birth key is the first key a hub creates, so a file
		// without it (or without any key) was truncated or restored
		// wrongly; session_key may be missing from an older hub's file.
		what := "holds no keys"
		if len(keys) > 0 {
			what = "has no " + name + "= line"
		}
		return nil, fmt.Errorf("installation key %s: key file %s %s: restore it from the backup, set %s, or remove the file to create new keys (birth-date check-in then works only after the next booking sync)",
			name, k.path, what, KeyEnv(name))
	}
	if key == nil {
		key = make([]byte, keyLen)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("create installation key %s: %w", name, err)
		}
		if name == birthKey {
			if err := db.warnNewBirthKey(ctx); err != nil {
				return nil, err
			}
		}
	}
	keys[name] = key
	// The file first: a crash between the two steps leaves the key in
	// both places, never in none.
	if err := writeKeyFile(k.path, keys); err != nil {
		return nil, fmt.Errorf("installation key %s: %w", name, err)
	}
	return key, db.forgetOldKey(ctx, name)
}

// birthKey is the name of the key of the birth-date hashes.
const birthKey = "birth_key"

// warnNewBirthKey logs when a new birth key meets stored birth hashes
// (the key file was lost): they no longer match until the booking sync
// stores the day's hashes under the new key.
func (db *DB) warnNewBirthKey(ctx context.Context) error {
	var held bool
	if err := db.w.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM appointments WHERE birth_hash <> '')").Scan(&held); err != nil {
		return fmt.Errorf("create installation key %s: %w", birthKey, err)
	}
	if held {
		db.log.Warn("new birth key for a database that holds birth-date hashes: birth-date check-in works again after the next booking sync",
			"keyFile", db.keys.path)
	}
	return nil
}

// oldKey returns the key an older hub kept in the meta table, or nil.
func (db *DB) oldKey(ctx context.Context, name string) ([]byte, error) {
	var key []byte
	err := db.w.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = ?", name).Scan(&key)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read old installation key %s: %w", name, err)
	}
	return key, nil
}

// forgetOldKey deletes a key an older hub kept in the database. It writes
// only when there is one, so that a read-only database still opens.
func (db *DB) forgetOldKey(ctx context.Context, name string) error {
	old, err := db.oldKey(ctx, name)
	if err != nil || old == nil {
		return err
	}
	if _, err := db.w.ExecContext(ctx, "DELETE FROM meta WHERE key = ?", name); err != nil {
		return fmt.Errorf("delete old installation key %s from the database: %w", name, err)
	}
	if err := db.checkpoint(ctx); err != nil {
		return fmt.Errorf("delete old installation key %s from the database: %w", name, err)
	}
	return nil
}

// readKeyFile reads the keys in path and whether the file exists.
func readKeyFile(path string) (map[string][]byte, bool, error) {
	keys := map[string][]byte{}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return keys, false, nil
	}
	if err != nil {
		return nil, true, err
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		// Someone copied it back from a backup with a wide mode.
		if err := os.Chmod(path, 0o600); err != nil {
			return nil, true, err
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		key, err := hex.DecodeString(strings.TrimSpace(value))
		if !ok || err != nil || len(key) < keyLen {
			return nil, true, fmt.Errorf("%s line %d: want name=<%d or more bytes as hex>", filepath.Base(path), n, keyLen)
		}
		keys[strings.TrimSpace(name)] = key
	}
	return keys, true, sc.Err()
}

// writeKeyFile replaces the key file atomically: a crash leaves the old
// file or the new one, never half of one.
func writeKeyFile(path string, keys map[string][]byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("# Lotse installation keys. Keep this file owner-only (0600) and back it up\n")
	b.WriteString("# apart from the database: with both, birth dates can be recovered.\n")
	names := make([]string, 0, len(keys))
	for n := range keys {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "%s=%s\n", n, hex.EncodeToString(keys[n]))
	}
	f, err := os.CreateTemp(dir, ".keys-*") // created 0600
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.WriteString(b.String()); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
