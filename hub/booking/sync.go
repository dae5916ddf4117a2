package booking

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"lotse/hub/queue"
)

// Applier hands a day's appointments to the office's queue (the office loop)
// and reports how many changed.
type Applier interface {
	ApplyAppointments(ctx context.Context, office, day string, list []queue.Appointment) (changed int, err error)
}

// SyncStatus is how the sync of one office went, for /healthz, /metrics and
// the demo page.
type SyncStatus struct {
	LastSuccess  time.Time // end of the last sync that reached the queue
	LastAttempt  time.Time // start of the last sync, successful or not
	LastError    string    // why the last attempt failed; "" after a success
	Changed      int       // appointments new or changed by the last successful sync
	Appointments int       // appointments handed to the queue by the last successful sync
	Dropped      int       // invalid appointments left out of the last successful sync
}

// Syncer keeps every office's appointments of the day in step with the
// booking backend: it pulls the day's list, hashes birth dates, leaves out
// what the queue could not use and hands the rest to the Applier.
//
// A backend that fails is never taken for an empty day: the Applier only
// sees lists the backend actually answered with, so an outage cannot cancel
// the day's appointments.
type Syncer struct {
	Backend Backend
	Offices []queue.Office
	Apply   Applier
	// Hash turns a plain birth date into the keyed hash the queue matches
	// on. It is required: plain birth dates never leave the Syncer.
	Hash     func(birthDate string) string
	Interval time.Duration    // between syncs of all offices; default 60s
	Timeout  time.Duration    // bound on one backend call; default Interval
	Now      func() time.Time // default time.Now
	// After waits between rounds; default time.After. Tests inject a fake.
	After func(time.Duration) <-chan time.Time
	Log   *slog.Logger // default slog.Default()

	mu     sync.Mutex
	states map[string]*syncState
}

// syncState is what the Syncer remembers per office.
type syncState struct {
	// running serialises fetch and apply per office: a webhook's sync and
	// the regular poll may overlap, and an older list applied after a
	// newer one would bring back a cancelled appointment.
	running sync.Mutex
	status  SyncStatus
	// logged holds the left-out appointments already logged for day, so
	// that one bad appointment does not log a line every minute all day.
	day    string
	logged map[string]bool
}

// DefaultSyncInterval is how often the Syncer pulls when Interval is zero.
const DefaultSyncInterval = 60 * time.Second

// Limits for what the queue accepts from a backend. Anything beyond them is
// a broken backend or an attack, not a booking.
const (
	maxIDLength       = 128
	maxSecretLength   = 256
	maxNameLength     = 200
	maxServices       = 10
	maxPersons        = 20
	maxDuration       = 12 * time.Hour
	earliestBirthYear = 1900
)

// Run syncs every office at once and then every Interval until ctx ends.
// A failing backend is logged and retried in the next round, never fatal.
// It returns nil when ctx ends.
func (s *Syncer) Run(ctx context.Context) error {
	for {
		for _, o := range s.Offices {
			if ctx.Err() != nil {
				return nil
			}
			// SyncOffice logs and records its error; the next round
			// retries, so there is nothing more to do with it here.
			_ = s.SyncOffice(ctx, o.ID)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.after(s.interval()):
		}
	}
}

// SyncOffice pulls the office's appointments of today (office-local) and
// hands them to the Applier.
func (s *Syncer) SyncOffice(ctx context.Context, officeID string) error {
	office, ok := s.office(officeID)
	if !ok {
		return fmt.Errorf("booking: sync: %w", queue.Errorf(queue.NotFound, "unknown office %q", officeID))
	}
	var running *sync.Mutex
	s.update(officeID, func(st *syncState) { running = &st.running })
	running.Lock()
	defer running.Unlock()
	started := s.now()
	day := office.Day(started)
	s.update(officeID, func(st *syncState) { st.status.LastAttempt = started })

	accepted, dropped, err := s.fetch(ctx, office, day)
	if err == nil {
		var changed int
		changed, err = s.Apply.ApplyAppointments(ctx, officeID, day, accepted)
		if err != nil {
			err = fmt.Errorf("apply: %w", err)
		} else {
			finished := s.now()
			s.update(officeID, func(st *syncState) {
				st.status.LastSuccess = finished
				st.status.LastError = ""
				st.status.Changed = changed
				st.status.Appointments = len(accepted)
				st.status.Dropped = dropped
			})
			if changed > 0 {
				s.log().Info("booking: appointments synced", "office", officeID, "day", day,
					"appointments", len(accepted), "changed", changed, "dropped", dropped)
			}
			return nil
		}
	}
	err = fmt.Errorf("booking: sync %s %s: %w", officeID, day, err)
	s.update(officeID, func(st *syncState) { st.status.LastError = err.Error() })
	if ctx.Err() == nil {
		s.log().Warn("booking: sync failed, retrying later", "office", officeID, "day", day, "err", err)
	}
	return err
}

// fetch asks the backend for the day and converts its answer. A backend
// error returns no list at all: never an empty one.
func (s *Syncer) fetch(ctx context.Context, office *queue.Office, day string) (accepted []queue.Appointment, dropped int, err error) {
	if s.Hash == nil {
		return nil, 0, errors.New("no birth-date hash configured")
	}
	callCtx, cancel := context.WithTimeout(ctx, s.timeout())
	list, err := s.Backend.Appointments(callCtx, office.ID, day)
	cancel()
	if err != nil {
		return nil, 0, fmt.Errorf("backend: %w", err)
	}
	accepted, rejected := convert(office, day, list, s.Hash)
	for _, r := range rejected {
		s.logRejected(office.ID, day, r)
	}
	return accepted, len(rejected), nil
}

// rejection is an appointment left out and why. It carries no personal
// data, so that it can be logged.
type rejection struct {
	id     string
	reason string
}

// convert turns a backend's list into the queue's appointments: it sets the
// office, replaces birth dates by their hash and leaves out what the queue
// cannot use. Birth dates that are no dates are dropped on their own: the
// QR code still works for that appointment.
func convert(office *queue.Office, day string, list []Appointment, hash func(string) string) ([]queue.Appointment, []rejection) {
	out := make([]queue.Appointment, 0, len(list))
	var rejected []rejection
	seen := make(map[string]bool, len(list))
	for _, a := range list {
		reason := check(office, day, a)
		if reason == "" && seen[a.ID] {
			reason = "duplicate id"
		}
		if reason != "" {
			rejected = append(rejected, rejection{id: logID(a.ID), reason: reason})
			continue
		}
		seen[a.ID] = true
		q := queue.Appointment{
			ID:        a.ID,
			Office:    office.ID,
			Start:     a.Start,
			Duration:  a.Duration,
			Services:  make([]queue.ServiceCount, len(a.Services)),
			Secret:    a.Secret,
			Name:      a.Name,
			Cancelled: a.Cancelled,
		}
		for i, sc := range a.Services {
			if sc.Count == 0 {
				sc.Count = 1 // backends without counts book one person
			}
			q.Services[i] = sc
		}
		if q.Duration == 0 {
			for _, sc := range q.Services {
				svc, _ := office.Service(sc.Service)
				q.Duration += svc.Duration * time.Duration(sc.Count)
			}
		}
		if a.BirthDate != "" {
			if birthDateValid(a.BirthDate, day) {
				q.BirthHash = hash(a.BirthDate)
			} else {
				rejected = append(rejected, rejection{id: logID(a.ID), reason: "birth date unreadable, QR check-in only"})
			}
		}
		out = append(out, q)
	}
	return out, rejected
}

// check returns why the queue cannot use the appointment, or "".
func check(office *queue.Office, day string, a Appointment) string {
	switch {
	case a.ID == "" || len(a.ID) > maxIDLength || !clean(a.ID):
		return "missing, over-long or unprintable id"
	case len(a.Secret) > maxSecretLength || !clean(a.Secret):
		return "over-long or unprintable secret"
	case len(a.Name) > maxNameLength || !utf8.ValidString(a.Name):
		return "over-long or invalid name"
	case a.Start.IsZero() || office.Day(a.Start) != day:
		return "start not on the requested day"
	case a.Duration < 0 || a.Duration > maxDuration:
		return "absurd duration"
	case len(a.Services) == 0:
		return "no service"
	case len(a.Services) > maxServices:
		return "too many services"
	}
	for _, sc := range a.Services {
		if _, ok := office.Service(sc.Service); !ok {
			return fmt.Sprintf("unknown service %q", truncate(sc.Service, 40))
		}
		if sc.Count < 0 || sc.Count > maxPersons {
			return "absurd number of persons"
		}
	}
	return ""
}

// clean reports whether s is valid UTF-8 without control characters or
// spaces: ids and secrets travel in QR codes and URLs.
func clean(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

// birthDateValid reports whether b is a YYYY-MM-DD date between 1900 and the
// synced day.
func birthDateValid(b, day string) bool {
	t, err := time.Parse(queue.DayFormat, b)
	if err != nil || t.Year() < earliestBirthYear {
		return false
	}
	d, err := time.Parse(queue.DayFormat, day)
	return err == nil && !t.After(d)
}

// logID makes an id safe to log: bounded and printable.
func logID(id string) string {
	if !clean(id) {
		return fmt.Sprintf("%q", truncate(id, 40))
	}
	return truncate(id, 64)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// logRejected logs a left-out appointment once per office and day.
func (s *Syncer) logRejected(office, day string, r rejection) {
	first := false
	s.update(office, func(st *syncState) {
		if st.day != day {
			st.day, st.logged = day, map[string]bool{}
		}
		key := r.id + "\x00" + r.reason
		first = !st.logged[key]
		st.logged[key] = true
	})
	if first {
		s.log().Warn("booking: appointment left out", "office", office, "day", day, "appointment", r.id, "reason", r.reason)
	}
}

// Status returns how the office's last sync went; zero before the first.
func (s *Syncer) Status(office string) SyncStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.states[office]; ok {
		return st.status
	}
	return SyncStatus{}
}

func (s *Syncer) update(office string, f func(*syncState)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.states == nil {
		s.states = map[string]*syncState{}
	}
	st, ok := s.states[office]
	if !ok {
		st = &syncState{logged: map[string]bool{}}
		s.states[office] = st
	}
	f(st)
}

func (s *Syncer) office(id string) (*queue.Office, bool) {
	for i := range s.Offices {
		if s.Offices[i].ID == id {
			return &s.Offices[i], true
		}
	}
	return nil, false
}

func (s *Syncer) interval() time.Duration {
	if s.Interval > 0 {
		return s.Interval
	}
	return DefaultSyncInterval
}

func (s *Syncer) timeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return s.interval()
}

func (s *Syncer) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Syncer) after(d time.Duration) <-chan time.Time {
	if s.After != nil {
		return s.After(d)
	}
	return time.After(d)
}

func (s *Syncer) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}
