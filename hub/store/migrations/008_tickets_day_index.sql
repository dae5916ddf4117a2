-- Every read of tickets by day asks for the whole day (LoadState, the
-- purge, the carry); none asks by state. With state in the index, each
-- call, start and finish moved the ticket's index entry: one more page
-- written and synced on every action at a counter.
DROP INDEX tickets_day;
CREATE INDEX tickets_day ON tickets (office, day);
