-- The day-and-service sums of 001 are kept, in finer grain, by the
-- statistics cells of 006. Keeping both cost a second upsert in every
-- commit and put one rule in two places, so the old sums move into the
-- cells (hour 0, no counter, no histograms: all they knew) and their table
-- goes. Days before an office's latest are also rolled up, as the day
-- turn would have; the latest day stays open in the cells, and its turn
-- rolls it up.
INSERT INTO stat_cells (office, day, hour, service, counter, checked_in, walkins, served, missed, noshows, called, wait_s, service_s)
	SELECT office, day, 0, service, '', tickets - walkins, walkins, served, missed, noshows, calls, wait_ns / 1000000000, service_ns / 1000000000
	FROM stats WHERE true
	ON CONFLICT (office, day, hour, service, counter) DO NOTHING;
INSERT INTO stat_days (office, dim, day, hour, service, counter, checked_in, walkins, served, missed, noshows, called, wait_s, service_s)
	SELECT s.office, d.dim, s.day, 0, s.service, '', s.tickets - s.walkins, s.walkins, s.served, s.missed, s.noshows, s.calls,
		s.wait_ns / 1000000000, s.service_ns / 1000000000
	FROM stats s, (SELECT 'hours' AS dim UNION ALL SELECT 'counters') d
	WHERE s.day < (SELECT max(day) FROM stats l WHERE l.office = s.office)
	ON CONFLICT (office, dim, day, hour, service, counter) DO NOTHING;
DROP TABLE stats;
