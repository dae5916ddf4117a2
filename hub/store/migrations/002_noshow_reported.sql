-- A ticket remembers that its appointment was reported as a no-show, so
-- that a second miss after a call back, even after a restart, is not
-- reported again.
ALTER TABLE tickets ADD COLUMN noshow_reported INTEGER NOT NULL DEFAULT 0;
