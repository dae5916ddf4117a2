package server

import (
	"context"
	"time"

	"lotse/hub/queue"
	"lotse/hub/store"
)

// Store is what the server reads from the database: the event log for a
// stream that resumes and for GET …/events, the day's view behind a
// snapshot, the changes since a seq that bring a shared snapshot up to
// date, and the write probe behind /metrics. The server never writes an
// office's state: that is the office loop's. *store.DB implements it.
type Store interface {
	EventsSince(ctx context.Context, office string, seq int64, limit int) ([]queue.Event, error)
	View(ctx context.Context, office string) (store.View, error)
	Changes(ctx context.Context, office string, seq int64, limit int) (day string, last int64, events []queue.Event, err error)
	WriteCheck(ctx context.Context) error
	// TicketByToken finds the ticket of a status link (queue.NotFound
	// for none).
	TicketByToken(ctx context.Context, token string) (store.TicketRef, error)
	SessionStore
}

// SessionStore keeps the clerks' sessions, so that the hub can end one
// (logout, password change, takeover) also across a restart. *store.DB
// implements it.
type SessionStore interface {
	CreateSession(ctx context.Context, s store.Session, now time.Time) error
	Session(ctx context.Context, id string) (s store.Session, found bool, err error)
	EndSession(ctx context.Context, id, reason string) error
	LiveSessions(ctx context.Context, office, counter string, now time.Time) ([]store.Session, error)
}
