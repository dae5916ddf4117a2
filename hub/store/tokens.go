package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"lotse/hub/queue"
)

// TicketRef names the ticket a status token leads to.
type TicketRef struct {
	Office string
	Ticket string
	Day    string // the ticket's office-local day
}

// TicketByToken finds the ticket with the status token. A token no ticket
// has, or whose day was purged, is queue.NotFound: the two are one answer,
// so that tokens cannot be probed for having existed.
func (db *DB) TicketByToken(ctx context.Context, token string) (TicketRef, error) {
	var r TicketRef
	if token == "" {
		return r, queue.Errorf(queue.NotFound, "no ticket for this link")
	}
	err := db.r.QueryRowContext(ctx, "SELECT office, id, day FROM tickets WHERE status_token = ?", token).Scan(&r.Office, &r.Ticket, &r.Day)
	if errors.Is(err, sql.ErrNoRows) {
		return r, queue.Errorf(queue.NotFound, "no ticket for this link")
	}
	if err != nil {
		return r, fmt.Errorf("ticket by status token: %w", err)
	}
	return r, nil
}
