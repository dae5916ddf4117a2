package booking

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"lotse/hub/queue"
	"lotse/internal/plaintext"
)

var berlin = mustLoad("Europe/Berlin")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func testOffices() []queue.Office {
	services := []queue.Service{
		{ID: "anmeldung", Name: "Anmeldung", Prefix: "A", Duration: 15 * time.Minute},
		{ID: "pass", Name: "Reisepass", Prefix: "R", Duration: 20 * time.Minute},
	}
	counters := []queue.Counter{{ID: "1", Name: "Schalter 1", Services: []string{"anmeldung", "pass"}}}
	return []queue.Office{
		{ID: "mitte", Name: "Mitte", Services: services, Counters: counters, Policy: queue.DefaultPolicy(), Location: berlin},
		{ID: "nord", Name: "Nord", Services: services, Counters: counters, Policy: queue.DefaultPolicy(), Location: berlin},
	}
}

func testHash(b string) string { return "h(" + b + ")" }

// at returns a Berlin wall-clock time on 2026-11-21.
func at(hour, minute int) time.Time {
	return time.Date(2026, 11, 21, hour, minute, 0, 0, berlin)
}

// TestConvert: one bad field never costs a booking. Each bad field is
// repaired (and counted by kind); only a booking without a usable id or of
// another day is refused.
func TestConvert(t *testing.T) {
	office := &WithFallbackService(testOffices())[0]
	const day = "2026-11-21"
	ok := Appointment{
		ID: "A1", Start: at(10, 0), Duration: 15 * time.Minute,
		Services: []queue.ServiceCount{{Service: "anmeldung", Count: 1}},
		Secret:   "s3cr3t-S3CR3T_xyz", BirthDate: "1980-01-02", Name: "Jürgen Müller",
	}
	with := func(f func(*Appointment)) Appointment {
		a := ok
		a.Services = append([]queue.ServiceCount(nil), ok.Services...)
		f(&a)
		return a
	}
	services := func(want ...queue.ServiceCount) func(t *testing.T, a queue.Appointment) {
		return func(t *testing.T, a queue.Appointment) {
			if !slices.Equal(a.Services, want) {
				t.Errorf("Services = %v, want %v", a.Services, want)
			}
		}
	}
	tests := []struct {
		name    string
		in      Appointment
		refused string   // the refusal, if refused
		fixes   []string // the repairs, in order
		check   func(t *testing.T, a queue.Appointment)
	}{
		{name: "valid", in: ok, check: func(t *testing.T, a queue.Appointment) {
			if a.Office != "mitte" || a.BirthHash != "h(1980-01-02)" || a.Secret != ok.Secret || a.Name != ok.Name || !a.Start.Equal(ok.Start) {
				t.Errorf("converted = %+v", a)
			}
		}},
		{name: "no birth date", in: with(func(a *Appointment) { a.BirthDate = "" }), check: func(t *testing.T, a queue.Appointment) {
			if a.BirthHash != "" {
				t.Errorf("BirthHash = %q, want empty", a.BirthHash)
			}
		}},
		{name: "unreadable birth date keeps the appointment for QR", in: with(func(a *Appointment) { a.BirthDate = "02.01.1980" }), fixes: []string{RepairBirthDate}, check: func(t *testing.T, a queue.Appointment) {
			if a.BirthHash != "" {
				t.Errorf("BirthHash = %q, want empty", a.BirthHash)
			}
		}},
		{name: "birth date after the day", in: with(func(a *Appointment) { a.BirthDate = "2027-01-01" }), fixes: []string{RepairBirthDate}},
		{name: "birth date before 1900", in: with(func(a *Appointment) { a.BirthDate = "1850-01-01" }), fixes: []string{RepairBirthDate}},
		{name: "birth date older than the oldest age", in: with(func(a *Appointment) { a.BirthDate = "1896-11-20" }), fixes: []string{RepairBirthDate}},
		// The hub's one rule (queue.ParseBirthDate), as at the kiosk's
		// check-in: 130 years, not "from 1900".
		{name: "birth date before 1900 within the oldest age", in: with(func(a *Appointment) { a.BirthDate = "1896-11-21" }), check: func(t *testing.T, a queue.Appointment) {
			if a.BirthHash != "h(1896-11-21)" {
				t.Errorf("BirthHash = %q, want the hash of the date", a.BirthHash)
			}
		}},
		{name: "birth date with blanks is hashed as the kiosk sends it", in: with(func(a *Appointment) { a.BirthDate = " 1980-01-02 " }), check: func(t *testing.T, a queue.Appointment) {
			if a.BirthHash != "h(1980-01-02)" {
				t.Errorf("BirthHash = %q, want the hash of the trimmed date", a.BirthHash)
			}
		}},
		{name: "count 0 means one person, counted", in: with(func(a *Appointment) { a.Services[0].Count = 0 }), fixes: []string{RepairPersons},
			check: services(queue.ServiceCount{Service: "anmeldung", Count: 1})},
		{name: "missing duration from the services", in: with(func(a *Appointment) {
			a.Duration = 0
			a.Services = []queue.ServiceCount{{Service: "anmeldung", Count: 2}, {Service: "pass", Count: 1}}
		}), check: func(t *testing.T, a queue.Appointment) {
			if a.Duration != 50*time.Minute {
				t.Errorf("Duration = %v, want 50m", a.Duration)
			}
		}},
		{name: "cancelled is kept", in: with(func(a *Appointment) { a.Cancelled = true }), check: func(t *testing.T, a queue.Appointment) {
			if !a.Cancelled {
				t.Error("Cancelled lost")
			}
		}},
		{name: "start at local midnight", in: with(func(a *Appointment) { a.Start = at(0, 0) })},
		{name: "no service: the fallback", in: with(func(a *Appointment) { a.Services = nil }), fixes: []string{RepairService},
			check: services(queue.ServiceCount{Service: FallbackService, Count: 1})},
		{name: "unknown service: the fallback with its persons", in: with(func(a *Appointment) { a.Services = []queue.ServiceCount{{Service: "zulassung", Count: 2}} }),
			fixes: []string{RepairService}, check: services(queue.ServiceCount{Service: FallbackService, Count: 2})},
		{name: "an unknown service beside a known one", in: with(func(a *Appointment) {
			a.Services = append(a.Services, queue.ServiceCount{Service: "zulassung", Count: 1})
		}), fixes: []string{RepairService}, check: services(queue.ServiceCount{Service: "anmeldung", Count: 1}, queue.ServiceCount{Service: FallbackService, Count: 1})},
		{name: "service id with invisible characters", in: with(func(a *Appointment) { a.Services[0].Service = "\u200banmeldung\u200e " }),
			check: services(queue.ServiceCount{Service: "anmeldung", Count: 1})},
		{name: "negative count", in: with(func(a *Appointment) { a.Services[0].Count = -1 }), fixes: []string{RepairPersons},
			check: services(queue.ServiceCount{Service: "anmeldung", Count: 1})},
		{name: "absurd count", in: with(func(a *Appointment) { a.Services[0].Count = 500 }), fixes: []string{RepairPersons},
			check: services(queue.ServiceCount{Service: "anmeldung", Count: maxPersons})},
		{name: "too many services", in: with(func(a *Appointment) {
			for range 11 {
				a.Services = append(a.Services, queue.ServiceCount{Service: "pass", Count: 1})
			}
		}), fixes: []string{RepairServices}, check: func(t *testing.T, a queue.Appointment) {
			if len(a.Services) != maxServices || a.Services[0].Service != "anmeldung" || a.Duration != 15*time.Minute {
				t.Errorf("Services = %v, Duration %v", a.Services, a.Duration)
			}
		}},
		{name: "no start", in: with(func(a *Appointment) { a.Start = time.Time{} }), refused: RefusedStart},
		{name: "start on another day", in: with(func(a *Appointment) { a.Start = at(10, 0).AddDate(0, 0, 1) }), refused: RefusedStart},
		{name: "start the evening before in UTC terms", in: with(func(a *Appointment) { a.Start = time.Date(2026, 11, 20, 23, 30, 0, 0, time.UTC) })},
		{name: "start in the year 3000", in: with(func(a *Appointment) { a.Start = time.Date(3000, 1, 1, 10, 0, 0, 0, berlin) }), refused: RefusedStart},
		{name: "negative duration", in: with(func(a *Appointment) { a.Duration = -time.Minute }), fixes: []string{RepairDuration}, check: func(t *testing.T, a queue.Appointment) {
			if a.Duration != 15*time.Minute {
				t.Errorf("Duration = %v, want the service's 15m", a.Duration)
			}
		}},
		{name: "week-long duration", in: with(func(a *Appointment) { a.Duration = 7 * 24 * time.Hour }), fixes: []string{RepairDuration}},
		{name: "empty id", in: with(func(a *Appointment) { a.ID = "" }), refused: RefusedID},
		{name: "over-long id", in: with(func(a *Appointment) { a.ID = strings.Repeat("x", 129) }), refused: RefusedID},
		{name: "id with a space", in: with(func(a *Appointment) { a.ID = "A 1" }), refused: RefusedID},
		{name: "id with a right-to-left override is cleaned, so its code checks in", in: with(func(a *Appointment) { a.ID = "S-6\u202e" }), fixes: []string{RepairIDCleaned},
			check: func(t *testing.T, a queue.Appointment) {
				if a.ID != "S-6" {
					t.Errorf("ID = %q", a.ID)
				}
				if id, _, err := queue.ParseCode(queue.FormatCode("S-6\u202e", "k"), queue.DefaultCodeFormats()); err != nil || id != a.ID {
					t.Errorf("the booking's code reads as %q, %v; want %q", id, err, a.ID)
				}
			}},
		{name: "id with zero-width characters is cleaned", in: with(func(a *Appointment) { a.ID = "\u200bA1\ufeff" }), fixes: []string{RepairIDCleaned}},
		{name: "id of format characters only", in: with(func(a *Appointment) { a.ID = "\u202e" }), refused: RefusedID},
		{name: "zalgo name keeps its letters", in: with(func(a *Appointment) { a.Name = "Z" + strings.Repeat("\u0301", 300) + "algo Müller" }), fixes: []string{RepairNameCleaned},
			check: func(t *testing.T, a queue.Appointment) {
				if !strings.Contains(plaintext.Fold(a.Name), plaintext.Fold("Zalgo Müller")) {
					t.Errorf("Name = %q: the desk cannot find Zalgo Müller", a.Name)
				}
			}},
		{name: "emoji family in a name keeps its joiners", in: with(func(a *Appointment) { a.Name = "Familie 👨\u200d👩\u200d👧" }),
			check: func(t *testing.T, a queue.Appointment) {
				if a.Name != "Familie 👨\u200d👩\u200d👧" {
					t.Errorf("Name = %q", a.Name)
				}
			}},
		{name: "over-long secret: birth date and desk still work", in: with(func(a *Appointment) { a.Secret = strings.Repeat("s", 257) }), fixes: []string{RepairSecret},
			check: func(t *testing.T, a queue.Appointment) {
				if a.Secret != "" || a.BirthHash == "" {
					t.Errorf("Secret = %q, BirthHash = %q", a.Secret, a.BirthHash)
				}
			}},
		{name: "secret with a control character", in: with(func(a *Appointment) { a.Secret = "ab\x00cd" }), fixes: []string{RepairSecret}},
		{name: "empty secret: birth date only", in: with(func(a *Appointment) { a.Secret = "" })},
		{name: "over-long name is shortened", in: with(func(a *Appointment) { a.Name = strings.Repeat("ü", 101) }), fixes: []string{RepairNameShortened},
			check: func(t *testing.T, a queue.Appointment) {
				if a.Name != strings.Repeat("ü", 100) {
					t.Errorf("Name = %q", a.Name)
				}
			}},
		{name: "over-long name is cut before a combining mark", in: with(func(a *Appointment) { a.Name = strings.Repeat("x", 199) + "q\u0301" }), fixes: []string{RepairNameShortened},
			check: func(t *testing.T, a queue.Appointment) {
				if a.Name != strings.Repeat("x", 199) {
					t.Errorf("Name = %q", a.Name)
				}
			}},
		{name: "name not UTF-8", in: with(func(a *Appointment) { a.Name = "M\xfcller" }), fixes: []string{RepairNameCleaned},
			check: func(t *testing.T, a queue.Appointment) {
				if a.Name != "Mller" {
					t.Errorf("Name = %q", a.Name)
				}
			}},
		{name: "name with a right-to-left override", in: with(func(a *Appointment) { a.Name = "Erika \u202eMustermann\u202c" }), fixes: []string{RepairNameCleaned},
			check: func(t *testing.T, a queue.Appointment) {
				if a.Name != "Erika Mustermann" {
					t.Errorf("Name = %q", a.Name)
				}
			}},
		{name: "name decomposed is composed, not counted", in: with(func(a *Appointment) { a.Name = "Mu\u0308ller" }),
			check: func(t *testing.T, a queue.Appointment) {
				if a.Name != "Müller" {
					t.Errorf("Name = %q, want NFC", a.Name)
				}
			}},
		{name: "everything bad at once but id and start", in: with(func(a *Appointment) {
			a.Name, a.Secret, a.BirthDate, a.Duration, a.Services = strings.Repeat("\u2066ü", 150), "a b", "gestern", -1, nil
		}), fixes: []string{RepairService, RepairNameCleaned, RepairNameShortened, RepairSecret, RepairDuration, RepairBirthDate}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, fixes := convert(office, day, []Appointment{tt.in}, testHash)
			var gotFixes []string
			gotRefused := ""
			for _, f := range fixes {
				if f.refused {
					gotRefused = f.kind
				} else {
					gotFixes = append(gotFixes, f.kind)
				}
			}
			if gotRefused != tt.refused || (tt.refused == "") != (len(out) == 1) {
				t.Fatalf("kept %d, refused %q; want refused %q", len(out), gotRefused, tt.refused)
			}
			if !slices.Equal(gotFixes, tt.fixes) {
				t.Errorf("repairs = %v, want %v", gotFixes, tt.fixes)
			}
			for _, a := range out {
				if strings.Contains(a.BirthHash, "-") && !strings.HasPrefix(a.BirthHash, "h(") {
					t.Errorf("plain birth date kept: %q", a.BirthHash)
				}
				if tt.check != nil {
					tt.check(t, a)
				}
			}
		})
	}
}

func TestConvertDuplicateIDs(t *testing.T) {
	office := &testOffices()[0]
	a := Appointment{ID: "A1", Start: at(9, 0), Services: []queue.ServiceCount{{Service: "pass", Count: 1}}}
	b := a
	b.Start = at(11, 0)
	out, rejected := convert(office, "2026-11-21", []Appointment{a, b}, testHash)
	if len(out) != 1 || !out[0].Start.Equal(a.Start) || len(rejected) != 1 || rejected[0].kind != RefusedDuplicate {
		t.Fatalf("out = %+v, rejected = %v; want the first kept and the second rejected", out, rejected)
	}
}

// fakeBackend answers Appointments from days (office/day → list) or with err.
type fakeBackend struct {
	mu    sync.Mutex
	days  map[string][]Appointment
	err   error
	calls []string // office/day per call
}

func (b *fakeBackend) Appointments(ctx context.Context, office, day string) ([]Appointment, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls = append(b.calls, office+"/"+day)
	if b.err != nil {
		return nil, b.err
	}
	return b.days[office+"/"+day], nil
}

func (b *fakeBackend) Report(ctx context.Context, r Report) error { return nil }

func (b *fakeBackend) setErr(err error) {
	b.mu.Lock()
	b.err = err
	b.mu.Unlock()
}

func (b *fakeBackend) callCount() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.calls)
}

type applied struct {
	office, day string
	list        []queue.Appointment
}

type fakeApplier struct {
	mu    sync.Mutex
	calls []applied
	err   error
}

func (f *fakeApplier) ApplyAppointments(ctx context.Context, office, day string, list []queue.Appointment) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, applied{office, day, list})
	if f.err != nil {
		return 0, f.err
	}
	return len(list), nil
}

func (f *fakeApplier) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

func TestSyncOffice(t *testing.T) {
	valid := Appointment{ID: "A1", Start: at(10, 0), Services: []queue.ServiceCount{{Service: "anmeldung", Count: 1}}, Secret: "abc", BirthDate: "1980-01-02", Name: "Ayşe Yılmaz"}
	invalid := Appointment{ID: "A 2", Start: at(10, 0), Name: "Olena Kovalenko", BirthDate: "1990-05-06", Secret: "geheim"}
	repairable := Appointment{ID: "A3", Start: at(10, 0), Name: strings.Repeat("Ö", 120), BirthDate: "1990-05-06", Secret: "geheim"}
	tests := []struct {
		name       string
		office     string
		list       []Appointment
		backendErr error
		applyErr   error
		hash       func(string) string
		wantApply  int // length of the applied list, -1 for no Apply call
		wantErr    bool
		wantCode   queue.Code
		wantStatus SyncStatus
	}{
		{name: "a day", office: "mitte", list: []Appointment{valid, invalid}, hash: testHash, wantApply: 1,
			wantStatus: SyncStatus{Changed: 1, Appointments: 1, Dropped: 1, Refused: map[string]int{RefusedID: 1}}},
		{name: "a repaired booking is kept and counted", office: "mitte", list: []Appointment{valid, repairable}, hash: testHash, wantApply: 2,
			wantStatus: SyncStatus{Changed: 2, Appointments: 2, Repaired: 1, Repairs: map[string]int{RepairService: 1, RepairNameShortened: 1}}},
		{name: "an empty day is legal", office: "mitte", list: nil, hash: testHash, wantApply: 0},
		{name: "backend outage does not cancel the day", office: "mitte", backendErr: errors.New("connection refused"), hash: testHash,
			wantApply: -1, wantErr: true},
		{name: "applier fails", office: "mitte", list: []Appointment{valid}, applyErr: errors.New("disk full"), hash: testHash,
			wantApply: 1, wantErr: true},
		{name: "unknown office", office: "sued", hash: testHash, wantApply: -1, wantErr: true, wantCode: queue.NotFound},
		{name: "no hash configured", office: "mitte", list: []Appointment{valid}, wantApply: -1, wantErr: true},
	}
	now := at(9, 30)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			backend := &fakeBackend{days: map[string][]Appointment{"mitte/2026-11-21": tt.list}, err: tt.backendErr}
			apply := &fakeApplier{err: tt.applyErr}
			s := &Syncer{Backend: backend, Offices: WithFallbackService(testOffices()), Apply: apply, Hash: tt.hash,
				Now: func() time.Time { return now }, Log: slog.New(slog.DiscardHandler)}
			err := s.SyncOffice(context.Background(), tt.office)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if tt.wantCode != "" && queue.ErrorCode(err) != tt.wantCode {
				t.Errorf("code = %s, want %s", queue.ErrorCode(err), tt.wantCode)
			}
			if tt.wantApply < 0 {
				if apply.callCount() != 0 {
					t.Fatalf("Apply called %d times, want never", apply.callCount())
				}
			} else {
				if apply.callCount() != 1 {
					t.Fatalf("Apply called %d times, want once", apply.callCount())
				}
				c := apply.calls[0]
				if c.office != "mitte" || c.day != "2026-11-21" || len(c.list) != tt.wantApply {
					t.Errorf("applied %s %s with %d appointments, want mitte 2026-11-21 with %d", c.office, c.day, len(c.list), tt.wantApply)
				}
			}
			st := s.Status(tt.office)
			if tt.wantCode == queue.NotFound {
				return
			}
			if !st.LastAttempt.Equal(now) {
				t.Errorf("LastAttempt = %v, want %v", st.LastAttempt, now)
			}
			if tt.wantErr {
				if st.LastError == "" || !st.LastSuccess.IsZero() {
					t.Errorf("status after failure = %+v, want an error and no success", st)
				}
				return
			}
			want := tt.wantStatus
			want.LastAttempt, want.LastSuccess = now, now
			if !reflect.DeepEqual(st, want) {
				t.Errorf("status = %+v, want %+v", st, want)
			}
		})
	}
}

func TestSyncOfficeRecovers(t *testing.T) {
	backend := &fakeBackend{err: errors.New("timeout")}
	apply := &fakeApplier{}
	now := at(9, 0)
	s := &Syncer{Backend: backend, Offices: testOffices(), Apply: apply, Hash: testHash,
		Now: func() time.Time { return now }, Log: slog.New(slog.DiscardHandler)}
	if err := s.SyncOffice(context.Background(), "nord"); err == nil {
		t.Fatal("want an error while the backend is down")
	}
	failedAt := now
	now = now.Add(time.Minute)
	backend.setErr(nil)
	if err := s.SyncOffice(context.Background(), "nord"); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
	st := s.Status("nord")
	if st.LastError != "" || !st.LastSuccess.Equal(now) || !st.LastAttempt.Equal(now) || failedAt.Equal(now) {
		t.Errorf("status = %+v, want a clean success at %v", st, now)
	}
}

func TestSyncUsesOfficeLocalDay(t *testing.T) {
	backend := &fakeBackend{}
	apply := &fakeApplier{}
	// 23:30 UTC is already the next day in Berlin.
	now := time.Date(2026, 11, 21, 23, 30, 0, 0, time.UTC)
	s := &Syncer{Backend: backend, Offices: testOffices(), Apply: apply, Hash: testHash,
		Now: func() time.Time { return now }, Log: slog.New(slog.DiscardHandler)}
	if err := s.SyncOffice(context.Background(), "mitte"); err != nil {
		t.Fatal(err)
	}
	if backend.calls[0] != "mitte/2026-11-22" {
		t.Errorf("asked for %s, want mitte/2026-11-22", backend.calls[0])
	}
}

// TestSyncLogsNoPersonalData syncs appointments that are rejected for every
// reason and checks that neither names, birth dates nor secrets are logged.
func TestSyncLogsNoPersonalData(t *testing.T) {
	personal := []string{"Jürgen Müller", "1961-07-08", "TopSecretValue123", "Ömer Şahin", "1975-03-04", "AnotherSecret456"}
	list := []Appointment{
		{ID: "A1", Start: at(10, 0), Name: personal[0] + "\u202e" + strings.Repeat("x", 300), BirthDate: personal[1], Secret: personal[2] + " "}, // no service, bad name and secret
		{ID: "A2", Start: at(10, 0), Name: personal[3], BirthDate: "04.03.1975", Secret: personal[5],
			Services: []queue.ServiceCount{{Service: "pass", Count: 1}}}, // unreadable birth date
		{ID: "A3", Start: at(10, 0).AddDate(0, 0, 2), Name: personal[3], BirthDate: personal[4], Secret: personal[5],
			Services: []queue.ServiceCount{{Service: "pass", Count: 1}}}, // wrong day
	}
	var buf bytes.Buffer
	backend := &fakeBackend{days: map[string][]Appointment{"mitte/2026-11-21": list}}
	s := &Syncer{Backend: backend, Offices: WithFallbackService(testOffices()), Apply: &fakeApplier{}, Hash: testHash,
		Now: func() time.Time { return at(9, 0) }, Log: slog.New(slog.NewTextHandler(&buf, nil))}
	if err := s.SyncOffice(context.Background(), "mitte"); err != nil {
		t.Fatal(err)
	}
	logged := buf.String()
	for _, id := range []string{"A1", "A2", "A3"} {
		if !strings.Contains(logged, id) {
			t.Errorf("log does not name appointment %s:\n%s", id, logged)
		}
	}
	for _, p := range personal {
		if strings.Contains(logged, p) {
			t.Errorf("log contains personal data %q:\n%s", p, logged)
		}
	}
	// The same day again logs the same rejections only once.
	before := strings.Count(logged, "appointment re")
	if before < 5 {
		t.Errorf("%d repairs and refusals logged, want 5:\n%s", before, logged)
	}
	if err := s.SyncOffice(context.Background(), "mitte"); err != nil {
		t.Fatal(err)
	}
	if after := strings.Count(buf.String(), "appointment re"); after != before {
		t.Errorf("rejections logged %d times after the second sync, want %d", after, before)
	}
}

// fakeTimers hands every After call to the test, which fires it.
type fakeTimers struct{ calls chan fakeTimer }

type fakeTimer struct {
	d  time.Duration
	ch chan time.Time
}

func newFakeTimers() *fakeTimers { return &fakeTimers{calls: make(chan fakeTimer, 100)} }

func (f *fakeTimers) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	f.calls <- fakeTimer{d, ch}
	return ch
}

// next waits for the next After call.
func (f *fakeTimers) next(t *testing.T) fakeTimer {
	t.Helper()
	select {
	case c := <-f.calls:
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("no timer started within 10s")
		return fakeTimer{}
	}
}

// TestSyncerPoll: a hub that synced every office before serving polls
// from one interval on, and does not fetch the whole day again at once;
// a failing backend is retried in the next round.
func TestSyncerPoll(t *testing.T) {
	backend := &fakeBackend{err: errors.New("503 Service Unavailable")}
	apply := &fakeApplier{}
	timers := newFakeTimers()
	s := &Syncer{Backend: backend, Offices: testOffices(), Apply: apply, Hash: testHash,
		Interval: 2 * time.Minute, After: timers.After,
		Now: func() time.Time { return at(9, 0) }, Log: slog.New(slog.DiscardHandler)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Poll(ctx) }()

	tm := timers.next(t)
	if tm.d != 2*time.Minute {
		t.Errorf("waits %v first, want the interval 2m", tm.d)
	}
	if n := backend.callCount(); n != 0 {
		t.Fatalf("%d backend calls before the first interval ended, want 0", n)
	}

	// The first round: both offices tried, the outage applies nothing.
	tm.ch <- time.Time{}
	tm = timers.next(t)
	if tm.d != 2*time.Minute {
		t.Errorf("waits %v between rounds, want the interval 2m", tm.d)
	}
	if backend.callCount() != 2 || apply.callCount() != 0 {
		t.Fatalf("after a failing round: %d backend calls, %d applies; want 2, 0", backend.callCount(), apply.callCount())
	}
	if s.Status("mitte").LastError == "" {
		t.Error("the failure is not in the status")
	}

	// The backend is back: the next round applies both offices.
	backend.setErr(nil)
	tm.ch <- time.Time{}
	timers.next(t)
	if backend.callCount() != 4 || apply.callCount() != 2 {
		t.Fatalf("after a good round: %d backend calls, %d applies; want 4, 2", backend.callCount(), apply.callCount())
	}
	if st := s.Status("nord"); st.LastError != "" || st.LastSuccess.IsZero() {
		t.Errorf("status = %+v, want a success", st)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Poll = %v, want nil when the context ends", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Poll did not stop within 10s of cancel")
	}
}

// orderedBackend answers the first fetch slowly with an old list and the
// second at once with a newer one.
type orderedBackend struct {
	mu    sync.Mutex
	calls int
	old   []Appointment
	newer []Appointment
	gate  chan struct{}
}

func (b *orderedBackend) Appointments(ctx context.Context, office, day string) ([]Appointment, error) {
	b.mu.Lock()
	b.calls++
	n := b.calls
	b.mu.Unlock()
	if n == 1 {
		<-b.gate
		return b.old, nil
	}
	return b.newer, nil
}

func (b *orderedBackend) Report(context.Context, Report) error { return nil }

type lastApplied struct {
	mu   sync.Mutex
	list []queue.Appointment
}

func (a *lastApplied) ApplyAppointments(_ context.Context, _, _ string, list []queue.Appointment) (int, error) {
	a.mu.Lock()
	a.list = list
	a.mu.Unlock()
	return len(list), nil
}

func TestOverlappingSyncsApplyInOrder(t *testing.T) {
	office := queue.Office{ID: "o", Location: time.UTC, Policy: queue.DefaultPolicy(),
		Services: []queue.Service{{ID: "s", Name: "S", Prefix: "A", Duration: 5 * time.Minute}},
		Counters: []queue.Counter{{ID: "c", Name: "C", Services: []string{"s"}}}}
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	a := Appointment{ID: "a1", Start: now.Add(time.Hour), Duration: 5 * time.Minute, Services: []queue.ServiceCount{{Service: "s", Count: 1}}, Secret: "x"}
	cancelled := a
	cancelled.Cancelled = true
	b := &orderedBackend{old: []Appointment{a}, newer: []Appointment{cancelled}, gate: make(chan struct{})}
	applied := &lastApplied{}
	s := &Syncer{Backend: b, Offices: []queue.Office{office}, Apply: applied, Hash: func(string) string { return "h" },
		Now: func() time.Time { return now }, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	first := make(chan error)
	go func() { first <- s.SyncOffice(context.Background(), "o") }() // the poll, slow
	for {
		b.mu.Lock()
		n := b.calls
		b.mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	second := make(chan error)
	go func() { second <- s.SyncOffice(context.Background(), "o") }() // the webhook's sync
	// Without serialisation the second sync fetches and applies the newer
	// list now; give it the chance to overtake before the first goes on.
	for deadline := time.Now().Add(300 * time.Millisecond); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		applied.mu.Lock()
		overtook := applied.list != nil
		applied.mu.Unlock()
		if overtook {
			break
		}
	}
	close(b.gate)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := <-second; err != nil {
		t.Fatal(err)
	}
	applied.mu.Lock()
	defer applied.mu.Unlock()
	if len(applied.list) != 1 || !applied.list[0].Cancelled {
		t.Fatalf("the older list was applied last: %+v", applied.list)
	}
}
