package queue_test

import (
	"testing"
	"time"

	"lotse/hub/api"
	"lotse/hub/queue"
)

// TestParseBirthDate: one rule for every birth date the hub takes (the
// kiosk's and the booking backend's): a real date, not in the future, not
// more than MaxBirthAge years ago, counted by the calendar date of today.
func TestParseBirthDate(t *testing.T) {
	// Late evening in Berlin is already the next day there, not in UTC.
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	today := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name, in string
		today    time.Time
		want     string // "" for invalid
	}{
		{"ordinary", "1980-02-29", today, "1980-02-29"},
		{"blanks around it", " 1980-01-02\n", today, "1980-01-02"},
		{"born today", "2026-05-04", today, "2026-05-04"},
		{"tomorrow", "2026-05-05", today, ""},
		{"today in the office's zone", "2026-05-05", time.Date(2026, 5, 5, 0, 30, 0, 0, berlin), "2026-05-05"},
		{"exactly the oldest age", "1896-05-04", today, "1896-05-04"},
		{"a day older than that", "1896-05-03", today, ""},
		{"before 1900, within the age", "1899-12-31", today, "1899-12-31"},
		{"a century mistyped", "1826-01-01", today, ""},
		{"no such day", "1980-02-30", today, ""},
		{"German order", "02.01.1980", today, ""},
		{"empty", "", today, ""},
	} {
		got, err := queue.ParseBirthDate(c.in, c.today)
		if c.want == "" {
			if err == nil || queue.ErrorCode(err) != queue.Invalid {
				t.Errorf("%s: ParseBirthDate(%q) = %q, %v; want invalid", c.name, c.in, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s: ParseBirthDate(%q) = %q, %v; want %q", c.name, c.in, got, err, c.want)
		}
	}
}

// TestBirthHash: the hash is keyed (another hub's key gives another hash)
// and stable (a stored hash still matches after a restart).
func TestBirthHash(t *testing.T) {
	a := queue.BirthHash([]byte("k1"), "1980-01-02")
	if a != queue.BirthHash([]byte("k1"), "1980-01-02") {
		t.Error("same key and date gave two hashes")
	}
	if a == queue.BirthHash([]byte("k2"), "1980-01-02") || a == queue.BirthHash([]byte("k1"), "1980-01-03") {
		t.Error("another key or date gave the same hash")
	}
	if a == "1980-01-02" || len(a) != 64 {
		t.Errorf("hash %q is not a hex SHA-256 MAC", a)
	}
}

// TestMaxBirthAgeIsTheAPIs: the clients read the limit from hub/api (they
// must not import the domain); both say the same.
func TestMaxBirthAgeIsTheAPIs(t *testing.T) {
	if queue.MaxBirthAge != api.MaxBirthAge {
		t.Errorf("queue.MaxBirthAge = %d, api.MaxBirthAge = %d", queue.MaxBirthAge, api.MaxBirthAge)
	}
}
