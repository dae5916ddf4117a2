-- Times are Unix nanoseconds (0 = unset); days are office-local YYYY-MM-DD.
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value BLOB NOT NULL
);

CREATE TABLE office_state (
	office      TEXT PRIMARY KEY,
	day         TEXT NOT NULL,
	seq         INTEGER NOT NULL,
	last_number INTEGER NOT NULL
);

-- Personal data: purged when the day is over.
CREATE TABLE appointments (
	office     TEXT NOT NULL,
	id         TEXT NOT NULL,
	day        TEXT NOT NULL,
	start      INTEGER NOT NULL,
	duration   INTEGER NOT NULL,
	services   TEXT NOT NULL,
	secret     TEXT NOT NULL,
	birth_hash TEXT NOT NULL,
	name       TEXT NOT NULL,
	cancelled  INTEGER NOT NULL,
	noshow     INTEGER NOT NULL,
	PRIMARY KEY (office, id)
);
CREATE INDEX appointments_day ON appointments (office, day);

CREATE TABLE tickets (
	office            TEXT NOT NULL,
	id                TEXT NOT NULL,
	day               TEXT NOT NULL,
	n                 INTEGER NOT NULL,
	number            TEXT NOT NULL,
	state             TEXT NOT NULL,
	services          TEXT NOT NULL,
	appointment       TEXT NOT NULL,
	appointment_start INTEGER NOT NULL,
	priority          INTEGER NOT NULL,
	arrived           INTEGER NOT NULL,
	transferred       INTEGER NOT NULL,
	counter           TEXT NOT NULL,
	target_counter    TEXT NOT NULL,
	called            INTEGER NOT NULL,
	started           INTEGER NOT NULL,
	ended             INTEGER NOT NULL,
	recalls           INTEGER NOT NULL,
	PRIMARY KEY (office, id)
);
CREATE INDEX tickets_day ON tickets (office, day, state);

CREATE TABLE counters (
	office TEXT NOT NULL,
	id     TEXT NOT NULL,
	open   INTEGER NOT NULL,
	ticket TEXT NOT NULL,
	PRIMARY KEY (office, id)
);

-- The event log: the stream's resume buffer and the source of statistics.
-- A rowid table: its rows (a JSON ticket each) are too large for the
-- clustered layout of WITHOUT ROWID.
CREATE TABLE events (
	office  TEXT NOT NULL,
	seq     INTEGER NOT NULL,
	day     TEXT NOT NULL,
	type    TEXT NOT NULL,
	at      INTEGER NOT NULL,
	payload TEXT NOT NULL,
	UNIQUE (office, seq)
);

-- Reports to the booking backend, delivered in id order at least once.
CREATE TABLE outbox (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	office      TEXT NOT NULL,
	appointment TEXT NOT NULL,
	kind        TEXT NOT NULL,
	at          INTEGER NOT NULL,
	ticket      TEXT NOT NULL,
	counter     TEXT NOT NULL
);

-- Anonymous statistics: they outlive the purge of personal data.
CREATE TABLE stats (
	office     TEXT NOT NULL,
	day        TEXT NOT NULL,
	service    TEXT NOT NULL,
	tickets    INTEGER NOT NULL DEFAULT 0,
	walkins    INTEGER NOT NULL DEFAULT 0,
	served     INTEGER NOT NULL DEFAULT 0,
	missed     INTEGER NOT NULL DEFAULT 0,
	noshows    INTEGER NOT NULL DEFAULT 0,
	wait_ns    INTEGER NOT NULL DEFAULT 0,
	calls      INTEGER NOT NULL DEFAULT 0,
	service_ns INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (office, day, service)
);
