-- A call's commit wrote about ten pages to the WAL, the minimal server's
-- one (counted per b-tree in the store's commit benchmark), and each page
-- is written and synced on the call's time. Four of them were the audit
-- line's table and its three indexes.
--
-- (The event log stays a rowid table: clustered on (office, seq), its
-- rows of about 450 bytes split a leaf every few appends, and a split of
-- a clustered tree rewrites its siblings: 2.9 pages per call, not 2.)

-- The audit trail on (office, at, n): the supervisor reads an office's
-- trail newest first, within a time range, and the purge deletes each
-- office's oldest lines. A ticket is looked up along the office's range;
-- the three indexes that served single lookups cost a page per action.
-- n tells apart lines of the same instant (a batch's, or a test's fake
-- clock); the rowid keeps the order of the lines already written.
CREATE TABLE audit_clustered (
	office  TEXT NOT NULL,
	at      INTEGER NOT NULL,
	n       INTEGER NOT NULL,
	account TEXT NOT NULL,
	counter TEXT NOT NULL,
	action  TEXT NOT NULL,
	ticket  TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (office, at, n)
) WITHOUT ROWID;
INSERT INTO audit_clustered (office, at, n, account, counter, action, ticket)
	SELECT office, at, rowid, account, counter, action, ticket FROM audit;
DROP TABLE audit;
ALTER TABLE audit_clustered RENAME TO audit;
