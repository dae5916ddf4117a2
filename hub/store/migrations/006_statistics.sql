-- The manager's statistics (hub/statistics.Cell): anonymous counts, sums
-- and whole-minute histograms per office, office-local day and hour,
-- service and counter ('' where a figure belongs to none). No ticket,
-- name or appointment id: the rows outlive the purge. Written in the
-- transaction of the batch that caused them. A histogram is a list of
-- uvarint pairs (minute, count); an update appends its pairs, and the
-- reader adds them up.
CREATE TABLE stat_cells (
	office       TEXT NOT NULL,
	day          TEXT NOT NULL,
	hour         INTEGER NOT NULL,
	service      TEXT NOT NULL,
	counter      TEXT NOT NULL,
	booked       INTEGER NOT NULL DEFAULT 0,
	checked_in   INTEGER NOT NULL DEFAULT 0,
	noshows      INTEGER NOT NULL DEFAULT 0,
	cancelled    INTEGER NOT NULL DEFAULT 0,
	walkins      INTEGER NOT NULL DEFAULT 0,
	called       INTEGER NOT NULL DEFAULT 0,
	recalls      INTEGER NOT NULL DEFAULT 0,
	served       INTEGER NOT NULL DEFAULT 0,
	missed       INTEGER NOT NULL DEFAULT 0,
	punctual     INTEGER NOT NULL DEFAULT 0,
	appt_called  INTEGER NOT NULL DEFAULT 0,
	wait_s       INTEGER NOT NULL DEFAULT 0,
	service_s    INTEGER NOT NULL DEFAULT 0,
	busy_s       INTEGER NOT NULL DEFAULT 0,
	staffed_s    INTEGER NOT NULL DEFAULT 0,
	wait_hist    BLOB NOT NULL DEFAULT x'',
	service_hist BLOB NOT NULL DEFAULT x'',
	PRIMARY KEY (office, day, hour, service, counter)
) WITHOUT ROWID;

-- A counter's staffing and the visit it holds, while they last: from the
-- first action to the last (or a pause), and the call the busy time of
-- the visit counts from. Closed into stat_cells; no ticket id.
CREATE TABLE stat_staffing (
	office  TEXT NOT NULL,
	counter TEXT NOT NULL,
	since   INTEGER NOT NULL,
	last    INTEGER NOT NULL,
	call_at INTEGER NOT NULL,
	service TEXT NOT NULL,
	PRIMARY KEY (office, counter)
) WITHOUT ROWID;

-- The cells summed over counters (dim 'hours') or over hours ('counters',
-- hour 0): what a report of a period reads, some ten thousand rows for a
-- year instead of the cells' hundreds of thousands, with each row's
-- service kept for the configured minutes. Written with the cells, in the
-- same transaction.
CREATE TABLE stat_days (
	office       TEXT NOT NULL,
	dim          TEXT NOT NULL,
	day          TEXT NOT NULL,
	hour         INTEGER NOT NULL,
	service      TEXT NOT NULL,
	counter      TEXT NOT NULL,
	booked       INTEGER NOT NULL DEFAULT 0,
	checked_in   INTEGER NOT NULL DEFAULT 0,
	noshows      INTEGER NOT NULL DEFAULT 0,
	cancelled    INTEGER NOT NULL DEFAULT 0,
	walkins      INTEGER NOT NULL DEFAULT 0,
	called       INTEGER NOT NULL DEFAULT 0,
	recalls      INTEGER NOT NULL DEFAULT 0,
	served       INTEGER NOT NULL DEFAULT 0,
	missed       INTEGER NOT NULL DEFAULT 0,
	punctual     INTEGER NOT NULL DEFAULT 0,
	appt_called  INTEGER NOT NULL DEFAULT 0,
	wait_s       INTEGER NOT NULL DEFAULT 0,
	service_s    INTEGER NOT NULL DEFAULT 0,
	busy_s       INTEGER NOT NULL DEFAULT 0,
	staffed_s    INTEGER NOT NULL DEFAULT 0,
	wait_hist    BLOB NOT NULL DEFAULT x'',
	service_hist BLOB NOT NULL DEFAULT x'',
	PRIMARY KEY (office, dim, day, hour, service, counter)
) WITHOUT ROWID;
