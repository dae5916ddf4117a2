-- A login through the city's directory (LDAP) or its identity provider
-- (OpenID Connect) has no [[clerk]] entry to read roles and offices from:
-- the session keeps what the directory granted at login, so that a clerk
-- goes on working while the directory is down and across a hub restart.
-- Empty for local accounts, whose entry stays the truth.
ALTER TABLE sessions ADD COLUMN account TEXT NOT NULL DEFAULT '';
