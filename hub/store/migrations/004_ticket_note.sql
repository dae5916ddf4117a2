-- A ticket offered to a counter it was not meant for (its target counter
-- paused or gone, or no open counter for its service) carries a note for
-- the clerk who calls it.
ALTER TABLE tickets ADD COLUMN note TEXT NOT NULL DEFAULT '';
