-- The key of a ticket's status page on the holder's phone (issue 14):
-- random, written once at issue, purged with the ticket. Unique, so one
-- lookup by token finds the ticket; partial, so tickets of older hubs
-- (without a token) take no index entry.
ALTER TABLE tickets ADD COLUMN status_token TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX tickets_status_token ON tickets (status_token) WHERE status_token <> '';
