-- Whether a clerk is present at the counter, as the last event said
-- (counter_staffed): snapshots read the counters from here, and boards
-- show an unstaffed counter apart. After a restart nobody is present;
-- the office loop's first tick says so for every counter stored staffed.
ALTER TABLE counters ADD COLUMN staffed INTEGER NOT NULL DEFAULT 0;
