-- Why a ticket has priority: one of the office's priority levels
-- ("schwangerschaft"), chosen at the desk; empty for none or unstated.
ALTER TABLE tickets ADD COLUMN priority_level TEXT NOT NULL DEFAULT '';
