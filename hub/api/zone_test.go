package api

import (
	"testing"
	"time"
)

func TestInZone(t *testing.T) {
	utc := time.Date(2026, 11, 21, 15, 15, 0, 0, time.UTC)
	tests := []struct {
		zone string
		want string
	}{
		{"Europe/Berlin", "16:15 CET"},
		{"America/New_York", "10:15 EST"},
		{"", "15:15 UTC"},             // no zone named: the machine's
		{"Mars/Olympus", "15:15 UTC"}, // unknown here: the machine's
	}
	for _, tt := range tests {
		for range 2 { // the second time from the cache
			if got := InZone(utc, tt.zone).Format("15:04 MST"); got != tt.want {
				t.Errorf("InZone(%q) = %s, want %s", tt.zone, got, tt.want)
			}
		}
		if got := (OfficeRef{Timezone: tt.zone}).Time(utc).Format("15:04 MST"); got != tt.want {
			t.Errorf("OfficeRef.Time in %q = %s, want %s", tt.zone, got, tt.want)
		}
		if got := (Office{Timezone: tt.zone}).Time(utc).Format("15:04 MST"); got != tt.want {
			t.Errorf("Office.Time in %q = %s, want %s", tt.zone, got, tt.want)
		}
	}
}
