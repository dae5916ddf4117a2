package booking

import (
	"slices"
	"time"

	"lotse/hub/queue"
)

// FallbackService is the id of the service a booking is mapped to when it
// names no service the office knows ("Anliegen unbekannt" for the clerk).
// Such a booking is kept, not dropped: the person can still check in and
// every counter can call them.
const FallbackService = "anliegen-unbekannt"

// WithFallbackService returns the offices with the fallback service added
// where the configuration does not define one itself: named "Anliegen
// unbekannt", with a prefix letter no other service of the office uses
// (X, Z or U if free), the office's average duration, and served at every
// counter. An office that configures a service with the id
// FallbackService keeps its own (name, prefix, counters). The fallback is
// never offered for walk-ins (see IsFallback).
func WithFallbackService(offices []queue.Office) []queue.Office {
	out := make([]queue.Office, len(offices))
	for i, o := range offices {
		out[i] = o
		if _, ok := o.Service(FallbackService); ok {
			continue
		}
		o.Services = append(slices.Clone(o.Services), fallbackFor(o))
		o.Counters = slices.Clone(o.Counters)
		for j := range o.Counters {
			o.Counters[j].Services = append(slices.Clone(o.Counters[j].Services), FallbackService)
		}
		out[i] = o
	}
	return out
}

// IsFallback reports whether service is the fallback service, which lists
// of services to choose from (the kiosk's walk-ins) leave out.
func IsFallback(service string) bool { return service == FallbackService }

func fallbackFor(o queue.Office) queue.Service {
	used := map[string]bool{}
	var total time.Duration
	for _, s := range o.Services {
		used[s.Prefix] = true
		total += s.Duration
	}
	prefix := "X"
	for _, p := range []string{"X", "Z", "U"} {
		if !used[p] {
			prefix = p
			break
		}
	}
	d := 10 * time.Minute
	if len(o.Services) > 0 && total > 0 {
		d = (total / time.Duration(len(o.Services))).Round(time.Minute)
	}
	return queue.Service{ID: FallbackService, Name: "Anliegen unbekannt", Prefix: prefix, Duration: d,
		Names: map[string]string{"en": "Concern unknown"}}
}
