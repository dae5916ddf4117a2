package store

import (
	"context"
	"path/filepath"
	"testing"
)

// TestDayStatsMoveIntoCells: an installation from before the statistics
// cells keeps its day sums. Migration 007 moves them into the cells, rolls
// up the days before the latest, and leaves the latest open for its day
// turn.
func TestDayStatsMoveIntoCells(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	// The database as 006 left it: the old table with two days of sums,
	// and nothing of the migrations after 008.
	for _, q := range []string{
		`ALTER TABLE tickets DROP COLUMN status_token`,
		`ALTER TABLE stat_cells DROP COLUMN withdrawn`, `ALTER TABLE stat_days DROP COLUMN withdrawn`,
		`ALTER TABLE counters DROP COLUMN staffed`,
		`ALTER TABLE tickets DROP COLUMN priority_level`,
		`ALTER TABLE sessions DROP COLUMN account`, `ALTER TABLE office_state DROP COLUMN derived`,
		`DROP TABLE audit`, `DROP TABLE stat_outcomes`, `ALTER TABLE tickets DROP COLUMN outcome`, `ALTER TABLE tickets DROP COLUMN handover`,
		`CREATE TABLE stats (office TEXT NOT NULL, day TEXT NOT NULL, service TEXT NOT NULL, tickets INTEGER NOT NULL DEFAULT 0,
			walkins INTEGER NOT NULL DEFAULT 0, served INTEGER NOT NULL DEFAULT 0, missed INTEGER NOT NULL DEFAULT 0,
			noshows INTEGER NOT NULL DEFAULT 0, wait_ns INTEGER NOT NULL DEFAULT 0, calls INTEGER NOT NULL DEFAULT 0,
			service_ns INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (office, day, service))`,
		`INSERT INTO stats VALUES ('o', '2026-03-09', 's', 10, 4, 8, 1, 2, 600000000000, 9, 3000000000000),
			('o', '2026-03-10', 's', 3, 1, 2, 0, 0, 60000000000, 2, 600000000000)`,
		`PRAGMA user_version = 6`,
	} {
		if _, err := db.w.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cells, err := db.StatCells(ctx, "o", "2026-03-09", "2026-03-10")
	if err != nil || len(cells) != 2 {
		t.Fatalf("cells %+v, %v", cells, err)
	}
	c := cells[0]
	if c.Day != "2026-03-09" || c.CheckedIn != 6 || c.WalkIns != 4 || c.Served != 8 || c.Missed != 1 || c.NoShows != 2 ||
		c.Called != 9 || c.WaitSeconds != 600 || c.ServiceSeconds != 3000 {
		t.Fatalf("first day's cell %+v", c)
	}
	var rolled string
	if err := db.r.QueryRowContext(ctx, statLastRolled, "o").Scan(&rolled); err != nil || rolled != "2026-03-09" {
		t.Fatalf("rolled up to %q, %v; want the day before the latest", rolled, err)
	}
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE name = 'stats'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("the old table is still there: %d %v", n, err)
	}
}
