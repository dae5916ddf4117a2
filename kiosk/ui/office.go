package ui

// The office loop: what the hub says about the office the kiosk serves, and
// whether the hub can be reached at all.

import (
	"context"
	"errors"
	"maps"
	"strconv"
	"time"

	"lotse/hub/api"
)

// hubLink is what the kiosk knows from the hub. The office loop's answers
// set it on the UI goroutine; recheck is the only part other goroutines
// touch.
type hubLink struct {
	office  *api.Office    // nil until the hub first answers
	loc     *time.Location // the office's time zone
	down    bool           // the last call to the hub failed
	recheck chan struct{}  // asks the office loop to try the hub now
}

// officeLoop fetches the office until the hub answers, then refreshes it
// periodically; a failure marks the hub as lost until the next success.
func (k *Kiosk) officeLoop(ctx context.Context) {
	for {
		office, err := k.fetchOffice(ctx)
		if ctx.Err() != nil {
			return
		}
		k.opts.Do(func() { k.officeFetched(office, err) })
		wait := k.opts.RefreshInterval
		if err != nil {
			wait = k.opts.RetryInterval
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-k.link.recheck:
			t.Stop()
		case <-t.C:
		}
	}
}

var errNoSuchOffice = errors.New("office not listed by the hub")

func (k *Kiosk) fetchOffice(ctx context.Context) (api.Office, error) {
	ctx, cancel := context.WithTimeout(ctx, k.opts.HubTimeout)
	defer cancel()
	offices, err := k.hub.Offices(ctx)
	if err != nil {
		return api.Office{}, err
	}
	for _, o := range offices {
		if k.opts.Office == "" || o.ID == k.opts.Office {
			return o, nil
		}
	}
	return api.Office{}, errNoSuchOffice
}

// officeFetched applies the answer of the office loop.
func (k *Kiosk) officeFetched(office api.Office, err error) {
	wasDown := k.link.down || k.link.office == nil
	if err != nil {
		if !k.link.down {
			switch {
			case api.ErrorCode(err) == api.CodeUnauthorized:
				k.log.Error("hub refused the device token (-token); kiosk out of order", "err", err)
			case errors.Is(err, errNoSuchOffice):
				k.log.Error("the hub does not list this office (-office); kiosk out of order", "office", k.opts.Office)
			default:
				k.log.Warn("hub unreachable; kiosk out of order until it answers", "office", k.opts.Office, "err", err)
			}
		}
		k.link.down = true
		if k.screen == ScreenIdle || k.screen == ScreenLoading {
			k.show(ScreenOutOfOrder)
		}
		return
	}
	k.link.down = false
	changed := k.link.office == nil || !sameOffice(*k.link.office, office)
	k.link.office = &office
	if loc, lerr := time.LoadLocation(office.Timezone); office.Timezone != "" && lerr == nil {
		k.link.loc = loc
	}
	if wasDown {
		k.log.Info("hub reachable", "office", office.ID)
	}
	if k.screen == ScreenOutOfOrder || k.screen == ScreenLoading || (k.screen == ScreenIdle && changed) {
		k.show(ScreenIdle)
	}
}

func sameOffice(a, b api.Office) bool {
	if a.ID != b.ID || a.Name != b.Name || a.WalkIns != b.WalkIns || a.BirthDateCheckIn != b.BirthDateCheckIn ||
		a.BookingURL != b.BookingURL || len(a.Services) != len(b.Services) {
		return false
	}
	for i := range a.Services {
		sa, sb := a.Services[i], b.Services[i]
		if sa.ID != sb.ID || sa.Name != sb.Name || sa.Prefix != sb.Prefix || sa.Minutes != sb.Minutes || !maps.Equal(sa.Names, sb.Names) {
			return false
		}
	}
	return true
}

// hubLost marks the hub as unreachable after a failed call and asks the
// office loop to check it now.
func (k *Kiosk) hubLost() {
	k.link.down = true
	select {
	case k.link.recheck <- struct{}{}:
	default:
	}
}

// officeID is the office the kiosk serves: the configured one, or the one
// the hub listed first.
func (k *Kiosk) officeID() string {
	if k.link.office != nil {
		return k.link.office.ID
	}
	return k.opts.Office
}

// serviceLines names the services in language lang, "2 × Anmeldung" for
// two persons.
func (k *Kiosk) serviceLines(services []api.ServiceCount, lang string) []string {
	var out []string
	for _, s := range services {
		name := k.serviceName(s.Service, lang)
		if name == "" {
			name = s.Name
		}
		if name == "" {
			name = s.Service
		}
		if s.Count > 1 {
			name = strconv.Itoa(s.Count) + " × " + name
		}
		out = append(out, name)
	}
	return out
}

// serviceName is the office's name of service id in language lang, or ""
// for a service the office does not list.
func (k *Kiosk) serviceName(id, lang string) string {
	if k.link.office != nil {
		for _, s := range k.link.office.Services {
			if s.ID == id {
				return s.LocalName(lang)
			}
		}
	}
	return ""
}
