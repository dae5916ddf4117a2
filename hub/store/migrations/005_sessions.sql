-- Clerk sessions live on the hub, not only in a signed cookie: a logout,
-- a password change (also one made while the hub was stopped), a removed
-- account or a second login that takes over the counter ends them on the
-- server. id is a keyed hash of the cookie's token, so the table alone
-- opens no session. ended says why a session ended, so that its page can
-- tell the clerk; ended rows go once they have expired.
CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    user       TEXT NOT NULL,
    office     TEXT NOT NULL,
    counter    TEXT NOT NULL DEFAULT '',
    csrf       TEXT NOT NULL,
    credential TEXT NOT NULL,
    created    INTEGER NOT NULL,
    expires    INTEGER NOT NULL,
    ended      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_counter ON sessions (office, counter) WHERE ended = '';
