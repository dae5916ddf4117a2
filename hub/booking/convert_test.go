package booking

import (
	"fmt"
	"testing"
	"time"
	"unicode/utf8"

	"lotse/hub/queue"
)

// FuzzConvert feeds the sync's validation whatever a broken or hostile
// backend might send: it must never panic, and what it accepts must be
// what the queue relies on.
func FuzzConvert(f *testing.F) {
	f.Add("M-20261121-001", "s3cr3t", "Jürgen Müller", "1980-01-02", "anmeldung", 1, int64(1795251600), int64(15*time.Minute))
	f.Add("", "", "", "", "", 0, int64(0), int64(0))
	f.Add("A 1", "x\x00y", "M\xfcller", "02.01.1980", "zulassung", -3, int64(-1), int64(-1))
	f.Add("B-1", "abc", "Ayşe Yılmaz", "2030-12-31", "pass", 99, int64(1795300000), int64(100*time.Hour))
	office := &WithFallbackService(testOffices())[0]
	const day = "2026-11-21"
	f.Fuzz(func(t *testing.T, id, secret, name, birth, service string, count int, start, dur int64) {
		in := Appointment{
			ID: id, Secret: secret, Name: name, BirthDate: birth,
			Start:    time.Unix(start, 0),
			Duration: time.Duration(dur),
			Services: []queue.ServiceCount{{Service: service, Count: count}},
		}
		out, fixes := convert(office, day, []Appointment{in}, testHash)
		refused := 0
		for _, f := range fixes {
			if !utf8.ValidString(f.id) || len(f.id) > 200 || f.kind == "" {
				t.Errorf("fix %+v is not fit for a log", f)
			}
			if f.refused {
				refused++
			}
		}
		if len(out)+refused != 1 {
			t.Fatalf("kept %d, refused %d: want one or the other", len(out), refused)
		}
		if refused == 1 && clean(id) && id != "" && len(id) <= maxIDLength && office.Day(in.Start) == day && !in.Start.IsZero() {
			t.Errorf("refused a booking with a usable id and start: %+v", fixes)
		}
		for _, a := range out {
			if a.Office != office.ID || office.Day(a.Start) != day || a.Duration < 0 || a.Duration > maxDuration ||
				len(a.Name) > maxNameLength || !utf8.ValidString(a.Name) || len(a.Secret) > maxSecretLength || !clean(a.Secret) ||
				len(a.Services) == 0 || len(a.Services) > maxServices {
				t.Errorf("accepted %+v", a)
			}
			if a.BirthHash != "" && a.BirthHash != testHash(birth) {
				t.Errorf("BirthHash = %q, want the hash of the birth date", a.BirthHash)
			}
			for _, sc := range a.Services {
				if _, ok := office.Service(sc.Service); !ok || sc.Count < 1 || sc.Count > maxPersons {
					t.Errorf("accepted service %+v", sc)
				}
			}
		}
	})
}

// BenchmarkConvert measures the sync's share of the performance budget
// (README, "make bench"):
// 50,000 appointments imported in at most 1 s.
func BenchmarkConvert(b *testing.B) {
	office := &testOffices()[0]
	list := make([]Appointment, 50_000)
	for i := range list {
		list[i] = Appointment{
			ID: fmt.Sprintf("M-20261121-%05d", i), Start: at(8, 0).Add(time.Duration(i) * time.Second),
			Duration: 15 * time.Minute, Services: []queue.ServiceCount{{Service: "anmeldung", Count: 1}},
			Secret: "0123456789abcdefABCDEF", BirthDate: "1980-01-02", Name: "Olena Kovalenko",
		}
	}
	for b.Loop() {
		out, fixes := convert(office, "2026-11-21", list, testHash)
		if len(out) != len(list) || len(fixes) != 0 {
			b.Fatalf("accepted %d, fixes %d", len(out), len(fixes))
		}
	}
}
