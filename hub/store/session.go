package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Session is a clerk's login as the hub keeps it.
type Session struct {
	ID      string // keyed hash of the cookie's token
	User    string
	Office  string
	Counter string // "" for a login without a counter (information desk)
	CSRF    string
	// Credential fingerprints the password hash the login was checked
	// against: a changed hash ends the session, even across a restart.
	Credential string
	Created    time.Time
	Expires    time.Time
	Ended      string // why it ended; "" while it lives
	// Account holds the roles and offices a directory or identity
	// provider granted at login (the server's encoding); "" for a local
	// account, whose configuration is read instead.
	Account string
}

const sessionColumns = "id, user, office, counter, csrf, credential, created, expires, ended, account"

func scanSession(row interface{ Scan(...any) error }) (Session, error) {
	var s Session
	var created, expires int64
	err := row.Scan(&s.ID, &s.User, &s.Office, &s.Counter, &s.CSRF, &s.Credential, &created, &expires, &s.Ended, &s.Account)
	s.Created, s.Expires = fromNanos(created), fromNanos(expires)
	return s, err
}

// CreateSession stores a new session and drops sessions that expired
// before now, so the table stays as small as the day's logins.
func (db *DB) CreateSession(ctx context.Context, s Session, now time.Time) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE expires < ?", nanos(now)); err != nil {
		return fmt.Errorf("create session: drop expired: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO sessions ("+sessionColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		s.ID, s.User, s.Office, s.Counter, s.CSRF, s.Credential, nanos(s.Created), nanos(s.Expires), s.Ended, s.Account); err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// Session reads a session by id; found is false when there is none.
func (db *DB) Session(ctx context.Context, id string) (s Session, found bool, err error) {
	s, err = scanSession(db.r.QueryRowContext(ctx, "SELECT "+sessionColumns+" FROM sessions WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, false, nil
	}
	if err != nil {
		return Session{}, false, fmt.Errorf("read session: %w", err)
	}
	return s, true, nil
}

// EndSession marks a session as ended for reason; the row stays until it
// expires so that its page can learn why.
func (db *DB) EndSession(ctx context.Context, id, reason string) error {
	if _, err := db.w.ExecContext(ctx, "UPDATE sessions SET ended = ? WHERE id = ? AND ended = ''", reason, id); err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}

// LiveSessions lists the sessions at an office's counter that have neither
// ended nor expired at now.
func (db *DB) LiveSessions(ctx context.Context, office, counter string, now time.Time) ([]Session, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT "+sessionColumns+" FROM sessions WHERE office = ? AND counter = ? AND ended = '' AND expires > ? ORDER BY created",
		office, counter, nanos(now))
	if err != nil {
		return nil, fmt.Errorf("live sessions: %w", err)
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return nil, fmt.Errorf("live sessions: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("live sessions: %w", err)
	}
	return out, nil
}
