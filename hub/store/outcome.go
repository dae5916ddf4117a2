package store

import (
	"context"
	"fmt"
	"time"

	"lotse/hub/queue"
	"lotse/hub/statistics"
)

// The visits' outcomes, counted per office-local day and service
// (migration 013): written with the batch that finished the visits.

const statOutcomeAdd = `INSERT INTO stat_outcomes (office, day, service, outcome, n) VALUES (?,?,?,?,?)
	ON CONFLICT (office, day, service, outcome) DO UPDATE SET n = n + excluded.n`

func init() { writeQueries = append(writeQueries, statOutcomeAdd) }

type outcomeKey struct{ day, service, outcome string }

// outcome counts a visit that ended at with outcome (none: not counted).
func (b *statBatch) outcome(at time.Time, service, outcome string) {
	if outcome == "" {
		return
	}
	if b.outcomes == nil {
		b.outcomes = map[outcomeKey]int64{}
	}
	b.outcomes[outcomeKey{at.In(b.loc).Format(queue.DayFormat), service, outcome}]++
}

func (b *statBatch) flushOutcomes(ctx context.Context, s *stmts) error {
	for k, n := range b.outcomes {
		if err := s.exec(ctx, statOutcomeAdd, b.office, k.day, k.service, k.outcome, n); err != nil {
			return fmt.Errorf("outcome %s of %s: %w", k.outcome, k.service, err)
		}
	}
	return nil
}

// OutcomeCounts reads the office's outcome counts of the days from to to
// (inclusive, office-local "2006-01-02").
func (db *DB) OutcomeCounts(ctx context.Context, office, from, to string) ([]statistics.OutcomeCount, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT day, service, outcome, n FROM stat_outcomes
		WHERE office = ? AND day >= ? AND day <= ? ORDER BY day, service, outcome`, office, from, to)
	if err != nil {
		return nil, fmt.Errorf("outcomes of %s: %w", office, err)
	}
	defer rows.Close()
	var out []statistics.OutcomeCount
	for rows.Next() {
		c := statistics.OutcomeCount{Office: office}
		if err := rows.Scan(&c.Day, &c.Service, &c.Outcome, &c.N); err != nil {
			return nil, fmt.Errorf("outcomes of %s: %w", office, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
