-- A clerk's commit is written in two steps (state.go): the event log
-- first, synced, and the rows derived from it (tickets, counters,
-- statistics, reports) right after. derived is the office's last seq
-- whose derived rows are written: after a crash between the two steps,
-- the store derives the rows of the events after it again, from their
-- payloads, before anything reads them; and a screen's snapshot read from
-- the tables is as of this seq, never of an event whose rows are not
-- there yet. Every row written so far was written with its events.
ALTER TABLE office_state ADD COLUMN derived INTEGER NOT NULL DEFAULT 0;
UPDATE office_state SET derived = max(seq, coalesce((SELECT max(e.seq) FROM events e WHERE e.office = office_state.office), 0));
