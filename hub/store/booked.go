package store

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"lotse/hub/queue"
)

// statBooked reads the stored rows of a chunk of bookings, the ids given
// as a JSON array of their bytes in hex, so that an id of any bytes (the
// backend's, cleaned or not) is compared exactly. json_each drives the
// join, one lookup in the primary key per id.
const statBooked = `SELECT a.id, a.start, a.services, a.cancelled
	FROM json_each(?) AS j CROSS JOIN appointments AS a
	WHERE a.office = ? AND a.id = CAST(unhex(j.value) AS TEXT)`

func init() { writeQueries = append(writeQueries, statBooked) }

// bookedChunk is how many bookings one query of statBooked reads. One
// query per booking cost an import of 50,000 bookings 0.25 s of its
// 0.9 s (CPU profile of make bench's import, 2 cores), nearly all of it in
// the round trip through database/sql and cgo, and nearly every query of
// an import finds nothing. A chunk keeps the JSON argument to a few dozen
// KB.
const bookedChunk = 1000

// counted is what a booking counts in the statistics: its stored row's or
// its latest version's in the batch.
type counted struct {
	start     time.Time
	service   string
	cancelled int
}

// appointments counts the bookings the sync writes: each takes back what
// its stored row counted (if any) and counts itself, so that a re-sync
// counts nothing twice and a moved or cancelled booking moves its cell. A
// booking twice in one batch (two syncs committed together) takes back
// its earlier version the second time. It runs before the rows are
// written.
func (b *statBatch) appointments(ctx context.Context, s *stmts, list []queue.Appointment) error {
	if b.off || len(list) == 0 {
		return nil
	}
	seen := make(map[string]counted, len(list))
	for len(list) > 0 {
		chunk := list[:min(bookedChunk, len(list))]
		list = list[len(chunk):]
		if err := readStored(ctx, s, b.office, chunk, seen); err != nil {
			return fmt.Errorf("booked: %w", err)
		}
		for _, a := range chunk {
			if old, ok := seen[a.ID]; ok {
				c := b.cell(old.start, old.service, "")
				c.Booked--
				c.Cancelled -= old.cancelled
			}
			now := counted{a.Start, firstService(a.Services), boolInt(a.Cancelled)}
			c := b.cell(now.start, now.service, "")
			c.Booked++
			c.Cancelled += now.cancelled
			seen[a.ID] = now
		}
	}
	return nil
}

// readStored adds to seen what the stored rows of the office's bookings
// in chunk count, except for bookings seen already: the batch's own
// version of a booking is newer than its row.
func readStored(ctx context.Context, s *stmts, office string, chunk []queue.Appointment, seen map[string]counted) error {
	ids := make([]string, len(chunk))
	for i, a := range chunk {
		ids[i] = hex.EncodeToString([]byte(a.ID))
	}
	arg, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	r, err := s.query(ctx, statBooked, string(arg), office)
	if err != nil {
		return err
	}
	defer r.Close()
	for r.Next() {
		var id, services string
		var start int64
		var cancelled int
		if err := r.Scan(&id, &start, &services, &cancelled); err != nil {
			return err
		}
		if _, ok := seen[id]; !ok {
			seen[id] = counted{fromNanos(start), mainService(services), cancelled}
		}
	}
	return r.Err()
}
