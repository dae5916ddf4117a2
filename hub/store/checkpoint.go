package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
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

// checkpointEvery is how often the checkpointer looks at the commits.
const checkpointEvery = 500 * time.Millisecond

// busyCommits is how many commits the checkpointer lets pass while the
// office never rests (no quiet tick) before it checkpoints anyway. Its
// own fsync of the database file competes with the commits' fsync of the
// WAL, so it waits for a quiet moment when it can: a tick without a
// commit. 1,000 commits of about 7 pages are some 28 MB of WAL.
const busyCommits = 1000

// idleEvery is how many ticks pass before the checkpointer looks at the
// WAL even without a commit: the sessions, the outbox and the write check
// write too, without telling it. Half a minute.
const idleEvery = 60

// checkpointer runs PASSIVE checkpoints on its own connection: they copy
// what no reader still needs and wait for no lock, so a commit never
// waits for one. The writer restarts the WAL from its beginning at the
// first commit after a complete checkpoint, so the file stays small.
type checkpointer struct {
	conn    *sql.DB
	log     *slog.Logger
	ticks   <-chan time.Time
	commits atomic.Int64 // commits so far
	// unfinished: a checkpoint ran since the writer last finished one
	// (see finish).
	unfinished atomic.Bool
	busy       int64 // busyCommits; tests lower it
	stop       chan struct{}
	done       chan struct{}
	closed     sync.Once
}

// startCheckpointer checkpoints through conn at the first tick without a
// commit after commits, after busyCommits commits without such a tick,
// and at every idleEvery-th tick regardless.
func startCheckpointer(conn *sql.DB, log *slog.Logger, ticks <-chan time.Time) *checkpointer {
	c := &checkpointer{conn: conn, log: log, ticks: ticks, busy: busyCommits, stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c
}

// committed tells the checkpointer that the WAL grew. It never blocks.
func (c *checkpointer) committed() { c.commits.Add(1) }

func (c *checkpointer) run() {
	defer close(c.done)
	failing := false
	var seen, done int64 // commits at the last tick, and at the last checkpoint
	ticks := 0
	for {
		select {
		case <-c.stop:
			return
		case <-c.ticks:
		}
		ticks++
		n := c.commits.Load()
		quiet := n == seen && n != done
		seen = n
		if !quiet && n-done < c.busy && ticks < idleEvery {
			continue
		}
		ticks, done = 0, n
		err := c.passive()
		c.unfinished.Store(err == nil)
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
	return passiveCheckpoint(ctx, c.conn)
}

// passiveCheckpoint runs a PASSIVE checkpoint through q: the
// checkpointer's pool, or the writer's connection (finish).
func passiveCheckpoint(ctx context.Context, q interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}) error {
	var busy, frames, moved int
	if err := q.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &moved); err != nil {
		return fmt.Errorf("passive checkpoint: %w", err)
	}
	return nil
}

// finish completes on the writer's connection, between two commits, the
// checkpoint the checkpointer ran beside them, if it ran since the last
// call. Beside commits a checkpoint never copies the frames committed
// while it ran, so the writer never starts the WAL anew and every commit
// appends to the file: in make bench's call run the WAL grew to 26,000
// frames (100 MB). On this project's machines a synced write of 8 pages
// every 2 ms took 1.0 ms at the median when appended to a file and
// 0.45 to 0.68 ms when written over its existing blocks. Run where no
// commit can come in between, the checkpoint copies what is left (the
// commits since the checkpointer's run, a few milliseconds' worth) and
// the writer's next commit starts the WAL from its beginning again,
// unless a reader still holds an older snapshot then. conn is the
// writer's connection, held by the caller outside a transaction.
func (c *checkpointer) finish(ctx context.Context, conn *sql.Conn) error {
	if !c.unfinished.Swap(false) {
		return nil
	}
	if err := passiveCheckpoint(ctx, conn); err != nil {
		return fmt.Errorf("finish: %w", err)
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
