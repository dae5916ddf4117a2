-- Each office delivers its own reports (one loop per office): read them by
-- office in id order.
CREATE INDEX outbox_office ON outbox (office, id);

-- When the person arrived, for reports after the arrival: ZMS validates
-- every status change against the current arrival time. 0 = unknown.
ALTER TABLE outbox ADD COLUMN arrived INTEGER NOT NULL DEFAULT 0;

-- Reports the booking backend refused for good (a 4xx): never silently
-- lost, but kept with the backend's answer until a clerk retries them
-- after a fix (they then go back into the outbox).
CREATE TABLE dead_letters (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	report      INTEGER NOT NULL, -- the outbox id it had
	office      TEXT NOT NULL,
	appointment TEXT NOT NULL,
	kind        TEXT NOT NULL,
	at          INTEGER NOT NULL,
	arrived     INTEGER NOT NULL,
	ticket      TEXT NOT NULL,
	counter     TEXT NOT NULL,
	answer      TEXT NOT NULL,    -- the backend's answer: status and message
	failed      INTEGER NOT NULL  -- when it was refused
);
CREATE INDEX dead_letters_office ON dead_letters (office, id);
