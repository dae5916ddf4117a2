package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3"
)

// writerDriver opens the writer connection with SQLite's automatic
// checkpoint turned off. Left on, the commit that pushes the WAL past
// 1,000 pages copies them into the database file and fsyncs it before it
// returns: about every 125 calls at 8 pages each, that commit took tens
// of milliseconds while the others took one, and it was the p99 of
// call → display. The checkpointer below does the same work beside the
// commits. go-sqlite3 takes no DSN parameter for wal_autocheckpoint,
// hence the connect hook.
const writerDriver = "sqlite3-lotse-writer"

var registerWriter sync.Once

func writerDriverName() string {
	registerWriter.Do(func() {
		sql.Register(writerDriver, &sqlite3.SQLiteDriver{
			ConnectHook: func(c *sqlite3.SQLiteConn) error {
				_, err := c.Exec("PRAGMA wal_autocheckpoint = 0", nil)
				return err
			},
		})
	})
	return writerDriver
}

// checkpointEvery is how often the checkpointer copies the WAL into the
// database file while commits arrive. At the busiest measured rate (about
// 6,000 durable check-ins a second at 5 KB each) the WAL grows by some
// 15 MB between two checkpoints; when idle it is not touched at all.
const checkpointEvery = 500 * time.Millisecond

// checkpointer runs PASSIVE checkpoints on its own connection: they copy
// what no reader still needs and wait for no lock, so a commit never
// waits for one. The writer restarts the WAL from its beginning at the
// first commit after a complete checkpoint, so the file stays small.
type checkpointer struct {
	conn   *sql.DB
	log    *slog.Logger
	ticks  <-chan time.Time
	dirty  chan struct{} // a commit happened; buffered 1
	stop   chan struct{}
	done   chan struct{}
	closed sync.Once
}

// startCheckpointer checkpoints through conn at every tick after a
// commit, and at every idleEvery-th tick regardless (the sessions, the
// outbox and the write check write too, without telling it).
func startCheckpointer(conn *sql.DB, log *slog.Logger, ticks <-chan time.Time) *checkpointer {
	c := &checkpointer{conn: conn, log: log, ticks: ticks, dirty: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c
}

// idleEvery is how many ticks pass without a commit before the
// checkpointer looks at the WAL anyway: half a minute.
const idleEvery = 60

// committed tells the checkpointer that the WAL grew. It never blocks.
func (c *checkpointer) committed() {
	select {
	case c.dirty <- struct{}{}:
	default:
	}
}

func (c *checkpointer) run() {
	defer close(c.done)
	failing := false
	idle := 0
	for {
		select {
		case <-c.stop:
			return
		case <-c.ticks:
		}
		select {
		case <-c.dirty:
		default:
			if idle++; idle < idleEvery {
				continue // nothing committed since the last one
			}
		}
		idle = 0
		err := c.passive()
		// A failing checkpoint loses nothing (the WAL keeps every
		// commit); it is logged once per change, not every half second.
		if err != nil && !failing {
			c.log.Warn("WAL checkpoint failing; the WAL grows until it works again", "err", err)
		} else if err == nil && failing {
			c.log.Info("WAL checkpoint works again")
		}
		failing = err != nil
	}
}

func (c *checkpointer) passive() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var busy, frames, moved int
	if err := c.conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &moved); err != nil {
		return fmt.Errorf("passive checkpoint: %w", err)
	}
	return nil
}

// close stops the checkpointer and waits for it; then closes its
// connection.
func (c *checkpointer) close() error {
	c.closed.Do(func() { close(c.stop) })
	<-c.done
	return c.conn.Close()
}
