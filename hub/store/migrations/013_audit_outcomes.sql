-- The audit trail: who did what at which counter and when. The account,
-- the counter, the action and the ticket's number (the board's "A042"),
-- never a name or an appointment: it answers "who called A042 twice?"
-- without citizen data. Kept for the configured days ([hub] audit_days).
CREATE TABLE audit (
	office  TEXT NOT NULL,
	at      INTEGER NOT NULL,
	account TEXT NOT NULL,
	counter TEXT NOT NULL,
	action  TEXT NOT NULL,
	ticket  TEXT NOT NULL DEFAULT ''
);
-- The supervisor reads an office's trail by time or by ticket; the
-- hourly purge deletes by time alone, which without its own index would
-- read the whole trail on the writer's connection.
CREATE INDEX audit_office_at ON audit (office, at);
CREATE INDEX audit_office_ticket ON audit (office, ticket, at);
CREATE INDEX audit_at ON audit (at);

-- How a visit ended, as the clerk picked it from the office's outcomes,
-- and the short note a clerk hands over with a transfer. Both go with
-- the ticket row, so the day's purge takes them.
ALTER TABLE tickets ADD COLUMN outcome TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN handover TEXT NOT NULL DEFAULT '';

-- The outcomes counted per office-local day and service: anonymous
-- counts that outlive the purge, like stat_cells. A table of their own,
-- since each office configures its own outcomes.
CREATE TABLE stat_outcomes (
	office  TEXT NOT NULL,
	day     TEXT NOT NULL,
	service TEXT NOT NULL,
	outcome TEXT NOT NULL,
	n       INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (office, day, service, outcome)
) WITHOUT ROWID;
