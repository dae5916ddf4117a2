package instance

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"lotse/hub/queue"
	"lotse/hub/statistics"
	"lotse/hub/store"
)

// demoHistoryDays is how much history demo mode gives an office without
// statistics, so that the manager's page is never empty.
const demoHistoryDays = 90

// historyChunk is about how many cells the history writes per
// transaction, whole days each: a week or so, a few tens of milliseconds
// of the writer, and a dozen fsyncs instead of one per day.
const historyChunk = 2000

// demoHistory writes demoHistoryDays of generated statistics before
// today for every office that has none yet. Only in demo mode: a real
// office's figures are only what it counted. It runs beside the started
// hub, some days per transaction, so that it holds up neither the start nor
// the office loops' commits; a hub stopped meanwhile keeps the days
// written. A failure is logged: the demo works on without its history.
func demoHistory(ctx context.Context, db *store.DB, offices []queue.Office, now func() time.Time, log *slog.Logger) error {
	for i := range offices {
		o := &offices[i]
		if err := officeHistory(ctx, db, o, o.Day(now())); err != nil {
			if !errors.Is(err, context.Canceled) {
				log.Warn("demo statistics failed", "office", o.ID, "err", err)
			}
			return nil
		}
	}
	return nil
}

func officeHistory(ctx context.Context, db *store.DB, o *queue.Office, today string) error {
	has, err := db.HasStatCells(ctx, o.ID, today)
	if err != nil || has {
		return err
	}
	to, err := statistics.DayBefore(today, 1)
	if err != nil {
		return err
	}
	from, _ := statistics.DayBefore(to, demoHistoryDays-1)
	var cells []statistics.Cell
	day := ""
	flush := func() error {
		err := db.AddStatCells(ctx, cells)
		cells = cells[:0]
		return err
	}
	err = statistics.History(*o, statistics.HistoryOptions{From: from, To: to, Seed: 2026}, func(c statistics.Cell) error {
		if c.Day != day && len(cells) >= historyChunk {
			if err := flush(); err != nil {
				return err
			}
		}
		day = c.Day
		cells = append(cells, c)
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}
