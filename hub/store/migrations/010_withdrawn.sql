-- Tickets their holders gave up on the day (issue 14: "Ich komme nicht
-- mehr" on the phone), counted apart from the booking backend's
-- cancellations, which arrive with the next sync and count there.
ALTER TABLE stat_cells ADD COLUMN withdrawn INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stat_days ADD COLUMN withdrawn INTEGER NOT NULL DEFAULT 0;
