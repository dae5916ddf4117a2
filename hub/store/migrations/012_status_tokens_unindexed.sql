-- Status tokens are found in memory (see tokens.go): the unique index on
-- a random key cost a page per new ticket in every commit.
DROP INDEX IF EXISTS tickets_status_token;
