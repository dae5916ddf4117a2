package store

import "sync"

// The office's cursor (its day, last seq and last ticket number) is a row
// of office_state. Rewriting that row in every batch cost every commit a
// page of WAL (about one in seven of a call's), though the seq and the
// number it holds are in the batch's own rows already: the events carry
// their seq and the tickets their number. So the row is written only when
// its day changes (a day turn, a carry, the first batch after a start),
// for a batch without events, and otherwise read together with what the
// events and tickets say.

// selectDaySeq reads the office's day and its last seq: the cursor's, or
// a later event's. The seq of an office only grows, across days too, and
// the events' (office, seq) index answers max at once.
const selectDaySeq = `SELECT s.day, max(s.seq, coalesce((SELECT max(e.seq) FROM events e WHERE e.office = s.office), 0))
	FROM office_state s WHERE s.office = ?`

// selectCursor is selectDaySeq with the day's last ticket number: the
// cursor's, or a later ticket's of the same day. It reads the day's
// tickets, so only a start uses it.
const selectCursor = `SELECT s.day, max(s.seq, coalesce((SELECT max(e.seq) FROM events e WHERE e.office = s.office), 0)),
	max(s.last_number, coalesce((SELECT max(t.n) FROM tickets t WHERE t.office = s.office AND t.day = s.day), 0))
	FROM office_state s WHERE s.office = ?`

// cursorRows remembers, per office, the day its cursor row was last
// written with in this process.
type cursorRows struct {
	mu   sync.Mutex
	days map[string]string
}

// needed reports whether batch b must write the office's cursor row.
func (c *cursorRows) needed(office string, b Batch) bool {
	if len(b.Events) == 0 || b.CarryFrom != "" {
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	day, ok := c.days[office]
	return !ok || day != b.Day
}

// written records a committed cursor row.
func (c *cursorRows) written(office, day string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.days == nil {
		c.days = map[string]string{}
	}
	c.days[office] = day
}
