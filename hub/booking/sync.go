package booking

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"lotse/hub/queue"
	"lotse/internal/plaintext"
)

// Applier hands a day's appointments to the office's queue (the office loop)
// and reports how many changed. A list is never changed after it was
// handed over, and an unchanged day is handed over as the very same list
// (queue.Queue.Sync relies on both).
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
	Dropped      int       // appointments refused by the last successful sync (sum of Refused)
	// Repaired is how many appointments of the last successful sync were
	// kept only after a repair; Repairs counts them by Repair… kind (one
	// appointment may need several) and Refused the refused ones by
	// Refused… reason. Nil when there was nothing to count.
	Repaired int
	Repairs  map[string]int
	Refused  map[string]int
}

// tally counts fixes by kind: repairs, refusals and repaired bookings.
func tally(fixes []fix) (repairs, refused map[string]int, repaired int) {
	last := ""
	for _, f := range fixes {
		m := &repairs
		if f.refused {
			m = &refused
		} else if f.id != last {
			repaired++
		}
		if !f.refused {
			last = f.id
		}
		if *m == nil {
			*m = map[string]int{}
		}
		(*m)[f.kind]++
	}
	return repairs, refused, repaired
}

func sumCounts(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// Syncer keeps every office's appointments of the day in step with the
// booking backend: it pulls the day's list, cleans text, hashes birth
// dates, repairs what the queue could not use (a bad field is shortened or
// cleared, an unknown service becomes the fallback service) and hands the
// list to the Applier. Only a booking without a usable id or of another
// day is refused; repairs and refusals are counted in the status.
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
	// logged holds the repairs and refusals already logged for day.
	day    string
	logged map[string]bool
	// memo is what the last syncs made of the day's bookings; only the
	// goroutine holding running uses it.
	memo memo
}

// DefaultSyncInterval is how often the Syncer pulls when Interval is zero.
const DefaultSyncInterval = 60 * time.Second

// Limits for what the queue accepts from a backend. Anything beyond them is
// a broken backend or an attack, not a booking.
const (
	maxIDLength     = 128
	maxSecretLength = 256
	maxNameLength   = 200
	maxServices     = 10
	maxPersons      = 20
	maxDuration     = 12 * time.Hour
)

// Poll syncs every office every Interval, the first time one Interval
// from now, until ctx ends. A failing backend is logged and retried in
// the next round, never fatal. It returns nil when ctx ends. The hub
// syncs every office once before it serves, and then polls: a round at
// once would fetch the whole day from the backend again, and a round
// that began only after a later sync had started held that sync up until
// it had imported the day itself.
func (s *Syncer) Poll(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.after(s.interval()):
		}
		s.round(ctx)
	}
}

// round syncs every office once.
func (s *Syncer) round(ctx context.Context) {
	for _, o := range s.Offices {
		if ctx.Err() != nil {
			return
		}
		// SyncOffice logs and records its error; the next round
		// retries, so there is nothing more to do with it here.
		_ = s.SyncOffice(ctx, o.ID)
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
	var m *memo
	s.update(officeID, func(st *syncState) { running, m = &st.running, &st.memo })
	running.Lock()
	defer running.Unlock()
	started := s.now()
	day := office.Day(started)
	s.update(officeID, func(st *syncState) { st.status.LastAttempt = started })

	accepted, fixes, err := s.fetch(ctx, office, day, m)
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
				st.status.Repairs, st.status.Refused, st.status.Repaired = tally(fixes)
				st.status.Dropped = sumCounts(st.status.Refused)
			})
			if changed > 0 {
				s.log().Info("booking: appointments synced", "office", officeID, "day", day,
					"appointments", len(accepted), "changed", changed, "fixes", len(fixes))
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
func (s *Syncer) fetch(ctx context.Context, office *queue.Office, day string, m *memo) (accepted []queue.Appointment, fixes []fix, err error) {
	if s.Hash == nil {
		return nil, nil, errors.New("no birth-date hash configured")
	}
	callCtx, cancel := context.WithTimeout(ctx, s.timeout())
	list, err := s.Backend.Appointments(callCtx, office.ID, day)
	cancel()
	if err != nil {
		return nil, nil, fmt.Errorf("backend: %w", err)
	}
	accepted, fixes = m.convert(office, day, list, s.Hash)
	s.logFixes(office.ID, day, fixes)
	return accepted, fixes, nil
}

// What the Syncer changes in a booking so as to keep it rather than drop
// it for one bad field. The kinds are counted per office in /healthz,
// /metrics and on the counter page.
const (
	RepairIDCleaned     = "id_cleaned"     // invisible format characters (bidi, zero-width) removed; reports carry the cleaned id
	RepairNameCleaned   = "name_cleaned"   // invalid bytes, control or invisible format characters, or a flood of combining marks removed
	RepairNameShortened = "name_shortened" // shortened to the byte limit
	RepairSecret        = "secret_cleared" // over-long or unprintable: no QR check-in, birth date and desk still work
	RepairBirthDate     = "birth_date_cleared"
	RepairDuration      = "duration_fixed"   // absurd: replaced by the services' durations
	RepairService       = "service_fallback" // no or an unknown service: the fallback service
	RepairServices      = "services_trimmed" // more than the limit: the first kept
	RepairPersons       = "persons_fixed"    // absurd number of persons: clamped
)

// Why a booking is refused: only what no repair can save, a booking
// without a usable id (it could neither be checked in nor reported) or one
// of another day. Refusals are counted like repairs.
const (
	RefusedID        = "id"        // missing, over-long or unprintable id
	RefusedStart     = "start"     // no start, or a start on another day
	RefusedDuplicate = "duplicate" // a second entry with the same id: the first is kept
	RefusedService   = "service"   // no known service and the office has no fallback service
)

// RepairKinds and RefusalReasons list every kind, for metrics that show
// each, zero included.
var (
	RepairKinds = []string{RepairIDCleaned, RepairNameCleaned, RepairNameShortened, RepairSecret, RepairBirthDate, RepairDuration,
		RepairService, RepairServices, RepairPersons}
	RefusalReasons = []string{RefusedID, RefusedStart, RefusedDuplicate, RefusedService}
)

// fix is one repair or refusal of a booking. It carries no personal data,
// so that it can be logged.
type fix struct {
	id      string // logID of the booking
	kind    string // a Repair… or Refused… constant
	refused bool
	again   bool // a repair the memo repeats: logged when it was first made
}

// convert turns a backend's list into the queue's appointments: it sets the
// office, cleans names, replaces birth dates by their hash and repairs
// what the queue could not use, so that one bad field never costs the
// booking. It refuses only bookings no repair can save.
func convert(office *queue.Office, day string, list []Appointment, hash func(string) string) ([]queue.Appointment, []fix) {
	return new(memo).convert(office, day, list, hash)
}

// memo remembers what convert made of each booking of one office's day,
// so that a re-sync cleans, checks and hashes only the bookings that
// changed: a booking the backend sends exactly as last time gets the
// appointment (and the repairs) it got then. At the busy end of the scale
// the whole day is sent every minute and almost nothing in it changes.
// It relies on convert being a function of the booking, the office, the
// day and the hash alone; a new day starts a new memo.
type memo struct {
	day   string
	round uint32
	byID  map[string]*memoEntry // by the id as the backend sent it
	// The last list as the backend sent it, in order, and what became
	// of it: when the backend sends the same list again, the usual case,
	// it is compared booking by booking without a lookup, and the same
	// result is handed on.
	last      []*Appointment
	lastOut   []queue.Appointment
	lastFixes []fix // marked again
}

// memoEntry is one booking as the backend sent it; byID holds only the
// accepted ones. Its appointment is handed to the queue again and again,
// so nobody may change it (Services included).
type memoEntry struct {
	raw   Appointment       // as the backend sent it
	out   queue.Appointment // what the queue got for it
	logID string
	kinds []string // its repairs
	round uint32   // the last round that accepted it
}

// sameBooking reports whether the backend sent b exactly as a.
func (a *Appointment) sameBooking(b *Appointment) bool {
	return a.ID == b.ID && a.Start.Equal(b.Start) && a.Duration == b.Duration && a.Secret == b.Secret &&
		a.BirthDate == b.BirthDate && a.Name == b.Name && a.Cancelled == b.Cancelled && slices.Equal(a.Services, b.Services)
}

// convert is the package's convert, remembering its results in m. What
// it returns may be what it returned before: nobody may change it.
func (m *memo) convert(office *queue.Office, day string, list []Appointment, hash func(string) string) ([]queue.Appointment, []fix) {
	if m.day != day || m.byID == nil {
		*m = memo{day: day, byID: make(map[string]*memoEntry, len(list))}
	}
	if m.last != nil && sameList(list, m.last) {
		return m.lastOut, m.lastFixes
	}
	out := make([]queue.Appointment, 0, len(list))
	var fixes []fix
	m.round++
	last := make([]*Appointment, len(list))
	// A booking is accepted at most once per id. The memo entries
	// accepted in this round carry the round, so that the usual booking,
	// whose id needs no cleaning, is checked without a second map; ids
	// that cleaning changed are kept in cleanedSeen.
	var cleanedSeen map[string]bool
	seen := func(id string) bool {
		if cleanedSeen[id] {
			return true
		}
		e := m.byID[id]
		return e != nil && e.round == m.round && e.out.ID == id
	}
	accept := func(e *memoEntry) {
		e.round = m.round
		if e.out.ID != e.raw.ID {
			if cleanedSeen == nil {
				cleanedSeen = map[string]bool{}
			}
			cleanedSeen[e.out.ID] = true
		}
	}
	// The birth-date rule's today, once per list instead of per booking.
	today, todayErr := time.Parse(queue.DayFormat, day)
	kept := 0 // memo entries accepted in this round
	for i, a := range list {
		if e := m.byID[a.ID]; e != nil && e.raw.sameBooking(&a) {
			last[i] = &e.raw
			dup := e.round == m.round || cleanedSeen[e.out.ID]
			if e.out.ID != e.raw.ID {
				dup = seen(e.out.ID)
			}
			if dup {
				fixes = append(fixes, fix{id: e.logID, kind: RefusedDuplicate, refused: true})
				continue
			}
			accept(e)
			kept++
			for _, k := range e.kinds {
				fixes = append(fixes, fix{id: e.logID, kind: k, again: true})
			}
			out = append(out, e.out)
			continue
		}
		// One allocation for the booking as sent and, if it is accepted,
		// its memo entry.
		e := &memoEntry{raw: a}
		raw := &e.raw
		last[i] = raw
		var kinds []string
		if cleaned := strings.Map(dropFormat, a.ID); cleaned != a.ID {
			// A scanned code loses the same characters (queue.NormalizeCode),
			// so only the cleaned id can ever be checked in by code.
			a.ID = cleaned
			kinds = append(kinds, RepairIDCleaned)
		}
		id := logID(a.ID)
		refuse := func(kind string) { fixes = append(fixes, fix{id: id, kind: kind, refused: true}) }
		switch {
		case a.ID == "" || len(a.ID) > maxIDLength || !clean(a.ID):
			refuse(RefusedID)
			continue
		case a.Start.IsZero() || office.Day(a.Start) != day:
			refuse(RefusedStart)
			continue
		case seen(a.ID):
			refuse(RefusedDuplicate)
			continue
		}
		services, serviceFixes := fixServices(office, a.Services)
		if len(services) == 0 {
			refuse(RefusedService)
			continue
		}
		kinds = append(kinds, serviceFixes...)
		q := queue.Appointment{ID: a.ID, Office: office.ID, Start: a.Start, Duration: a.Duration, Services: services,
			Secret: a.Secret, Cancelled: a.Cancelled}
		name, removed := plaintext.CleanReport(a.Name)
		// A flood of combining marks ("zalgo") would fill the byte limit
		// and cost the letters the desk searches for.
		name, flood := plaintext.LimitMarks(name)
		if removed || flood {
			kinds = append(kinds, RepairNameCleaned)
		}
		if len(name) > maxNameLength {
			name = plaintext.Shorten(name, maxNameLength)
			kinds = append(kinds, RepairNameShortened)
		}
		q.Name = name
		if len(q.Secret) > maxSecretLength || !clean(q.Secret) {
			q.Secret = ""
			kinds = append(kinds, RepairSecret)
		}
		if q.Duration < 0 || q.Duration > maxDuration {
			q.Duration = 0
			kinds = append(kinds, RepairDuration)
		}
		if q.Duration == 0 {
			for _, sc := range q.Services {
				svc, _ := office.Service(sc.Service)
				q.Duration += svc.Duration * time.Duration(sc.Count)
			}
			q.Duration = min(q.Duration, maxDuration)
		}
		if a.BirthDate != "" {
			if date, err := queue.ParseBirthDate(a.BirthDate, today); todayErr == nil && err == nil {
				q.BirthHash = hash(date)
			} else {
				kinds = append(kinds, RepairBirthDate)
			}
		}
		for _, k := range kinds {
			fixes = append(fixes, fix{id: id, kind: k})
		}
		out = append(out, q)
		// An entry under the same raw id was not accepted in this round
		// (the booking would be a duplicate): it is replaced.
		e.out, e.logID, e.kinds = q, id, kinds
		m.byID[raw.ID] = e
		accept(e)
		kept++
	}
	if kept != len(m.byID) {
		// Bookings gone from the list, or refused now, are forgotten.
		for k, e := range m.byID {
			if e.round != m.round {
				delete(m.byID, k)
			}
		}
	}
	m.last, m.lastOut, m.lastFixes = last, out, make([]fix, len(fixes))
	for i, f := range fixes {
		f.again = true
		m.lastFixes[i] = f
	}
	return out, fixes
}

// sameList reports whether the backend sent list exactly as last, in
// the same order.
func sameList(list []Appointment, last []*Appointment) bool {
	if len(list) != len(last) {
		return false
	}
	for i := range list {
		if !last[i].sameBooking(&list[i]) {
			return false
		}
	}
	return true
}

// fixServices maps a booking's services onto the office's: counts of
// persons are clamped (0 means one, counted), ids the office does not know, or no
// service at all, become the office's fallback service with the largest
// count among them, and more than maxServices are cut to the first. It
// returns no service only when the office has no fallback service.
func fixServices(office *queue.Office, in []queue.ServiceCount) ([]queue.ServiceCount, []string) {
	var kinds []string
	out := make([]queue.ServiceCount, 0, min(len(in), maxServices)+1)
	fallbackPersons := 0
	if len(in) == 0 {
		fallbackPersons = 1
	}
	personsFixed := false
	for _, sc := range in {
		sc.Service = CleanText(sc.Service)
		switch {
		case sc.Count < 1 || sc.Count > maxPersons:
			// 0 too: a booking of nobody is a backend's fault worth seeing,
			// even though one person is the right guess.
			sc.Count = min(max(sc.Count, 1), maxPersons)
			personsFixed = true
		}
		if _, ok := office.Service(sc.Service); !ok {
			fallbackPersons = max(fallbackPersons, sc.Count)
			continue
		}
		out = append(out, sc)
	}
	if personsFixed {
		kinds = append(kinds, RepairPersons)
	}
	if fallbackPersons > 0 {
		if _, ok := office.Service(FallbackService); ok {
			out = append(out, queue.ServiceCount{Service: FallbackService, Count: fallbackPersons})
		}
		kinds = append(kinds, RepairService)
	}
	if len(out) > maxServices {
		out = out[:maxServices]
		kinds = append(kinds, RepairServices)
	}
	return out, kinds
}

// dropFormat drops invisible format characters (Cf), the ones a scanned
// code loses too; controls and blanks make an id unusable instead.
func dropFormat(r rune) rune {
	if unicode.Is(unicode.Cf, r) {
		return -1
	}
	return r
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

// maxFixLines bounds the lines one sync writes about single repairs and
// refusals: a backend that breaks a field of every booking would write a
// line per booking, tens of thousands in the morning. The rest is summed
// up in one line; the counts by kind are in the status.
const maxFixLines = 20

// logFixes logs each repair and refusal once per office, day, booking and
// kind, so that one bad booking does not log a line every minute all day.
func (s *Syncer) logFixes(office, day string, fixes []fix) {
	var first []fix
	s.update(office, func(st *syncState) {
		if st.day != day {
			st.day, st.logged = day, map[string]bool{}
		}
		for _, f := range fixes {
			if f.again { // logged when the memo made it
				continue
			}
			key := f.id + "\x00" + f.kind
			if !st.logged[key] {
				st.logged[key] = true
				first = append(first, f)
			}
		}
	})
	for i, f := range first {
		switch {
		case i == maxFixLines:
			s.log().Warn("booking: more appointments repaired or refused than logged one by one", "office", office, "day", day,
				"more", len(first)-i)
			return
		case f.refused:
			s.log().Warn("booking: appointment refused", "office", office, "day", day, "appointment", f.id, "reason", f.kind)
		default:
			s.log().Info("booking: appointment repaired", "office", office, "day", day, "appointment", f.id, "repair", f.kind)
		}
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
