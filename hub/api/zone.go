package api

import (
	"sync"
	"time"
)

// zones caches the time zones by name: loading one reads the zone
// database from disk, and boards ask every quarter second.
var zones sync.Map // name → *time.Location, nil for a name this machine does not know

// InZone returns t in the IANA time zone named zone, an office's Timezone:
// boards and kiosks show the office's time, not the time zone of the
// machine they run on. An empty or unknown name leaves t as it is.
func InZone(t time.Time, zone string) time.Time {
	if zone == "" {
		return t
	}
	v, ok := zones.Load(zone)
	if !ok {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			loc = nil
		}
		v, _ = zones.LoadOrStore(zone, loc)
	}
	if loc := v.(*time.Location); loc != nil {
		return t.In(loc)
	}
	return t
}

// Time returns t in the office's time zone (see InZone).
func (o OfficeRef) Time(t time.Time) time.Time { return InZone(t, o.Timezone) }

// Time returns t in the office's time zone (see InZone).
func (o Office) Time(t time.Time) time.Time { return InZone(t, o.Timezone) }
