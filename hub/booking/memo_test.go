package booking

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"lotse/hub/queue"
)

// memoDay is a small day with a booking of every kind the memo has to
// keep apart: plain ones, repaired ones, refused ones and duplicates.
func memoDay() []Appointment {
	plain := func(id string, hour int) Appointment {
		return Appointment{ID: id, Start: at(hour, 0), Duration: 15 * time.Minute,
			Services: []queue.ServiceCount{{Service: "anmeldung", Count: 1}}, Secret: "s-" + id, BirthDate: "1980-01-02", Name: "Name " + id}
	}
	list := []Appointment{plain("A1", 8), plain("A2", 9), plain("A3", 10)}
	zw := plain("B\u200b1", 11) // cleaned to B1
	bad := plain("C1", 12)
	bad.BirthDate, bad.Services, bad.Name = "1980-02-30", []queue.ServiceCount{{Service: "unbekannt", Count: 0}}, "Zoë\u202e"
	late := plain("D1", 12)
	late.Start = at(12, 0).AddDate(0, 0, 1)
	dup := plain("A2", 13) // a second A2: refused
	b1 := plain("B1", 14)  // clashes with the cleaned B\u200b1: refused
	return append(list, zw, bad, late, dup, b1, Appointment{ID: ""})
}

// TestMemoConvertsLikeConvert: a re-sync that takes unchanged bookings
// from the memo hands the queue exactly what a fresh convert would, with
// the same repairs and refusals, whatever changed in between.
func TestMemoConvertsLikeConvert(t *testing.T) {
	office := &WithFallbackService(testOffices())[0]
	const day = "2026-11-21"
	edit := func(f func([]Appointment) []Appointment) func() []Appointment {
		return func() []Appointment { return f(memoDay()) }
	}
	tests := []struct {
		name string
		next func() []Appointment
		day  string
	}{
		{"unchanged", memoDay, day},
		{"name", edit(func(l []Appointment) []Appointment { l[0].Name = "Jürgen"; return l }), day},
		{"name needing repair", edit(func(l []Appointment) []Appointment { l[0].Name = "A\x00B"; return l }), day},
		{"secret", edit(func(l []Appointment) []Appointment { l[1].Secret = "neu"; return l }), day},
		{"start", edit(func(l []Appointment) []Appointment { l[0].Start = l[0].Start.Add(time.Minute); return l }), day},
		{"start moved to another day", edit(func(l []Appointment) []Appointment { l[0].Start = l[0].Start.AddDate(0, 0, 1); return l }), day},
		{"start in another zone, same instant", edit(func(l []Appointment) []Appointment { l[0].Start = l[0].Start.UTC(); return l }), day},
		{"duration", edit(func(l []Appointment) []Appointment { l[2].Duration = 0; return l }), day},
		{"service", edit(func(l []Appointment) []Appointment { l[0].Services[0].Service = "pass"; return l }), day},
		{"persons", edit(func(l []Appointment) []Appointment { l[0].Services[0].Count = 3; return l }), day},
		{"birth date", edit(func(l []Appointment) []Appointment { l[0].BirthDate = "1980-01-03"; return l }), day},
		{"birth date repaired now", edit(func(l []Appointment) []Appointment { l[4].BirthDate = "1980-02-28"; return l }), day},
		{"cancelled", edit(func(l []Appointment) []Appointment { l[2].Cancelled = true; return l }), day},
		{"booking gone", edit(func(l []Appointment) []Appointment { return l[1:] }), day},
		{"duplicate first", edit(func(l []Appointment) []Appointment { return append([]Appointment{l[6]}, l...) }), day},
		{"cleaned id twice", edit(func(l []Appointment) []Appointment { return append(l, l[3]) }), day},
		{"plain id before its cleaned twin", edit(func(l []Appointment) []Appointment { return append([]Appointment{l[7]}, l...) }), day},
		{"changed duplicate after the original", edit(func(l []Appointment) []Appointment {
			c := l[0]
			c.Name = "Zweitbuchung"
			return append(l, c)
		}), day},
		{"cleaned id now plain", edit(func(l []Appointment) []Appointment { l[3].ID = "B1"; return l }), day},
		{"reversed", edit(func(l []Appointment) []Appointment {
			for i, j := 0, len(l)-1; i < j; i, j = i+1, j-1 {
				l[i], l[j] = l[j], l[i]
			}
			return l
		}), day},
		{"empty", func() []Appointment { return []Appointment{} }, day},
		{"next day", memoDay, "2026-11-22"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m memo
			m.convert(office, day, memoDay(), testHash)
			got, want := must(convert(office, day, memoDay(), testHash)), must(referenceConvert(office, day, memoDay()))
			if !reflect.DeepEqual(plainAppointments(got), plainAppointments(want)) {
				t.Fatalf("convert without a memo\n got  %+v\n want %+v", got, want)
			}
			// Twice: the changed list, and the same list again, now from
			// the memo; then the first list back.
			for i, list := range [][]Appointment{tt.next(), tt.next(), memoDay()} {
				d := tt.day
				if i == 2 {
					d = day
				}
				got, gotFixes := m.convert(office, d, list, testHash)
				want, wantFixes := referenceConvert(office, d, list)
				if !reflect.DeepEqual(plainAppointments(got), plainAppointments(want)) {
					t.Errorf("pass %d: appointments\n got  %+v\n want %+v", i, got, want)
				}
				if !reflect.DeepEqual(plainFixes(gotFixes), plainFixes(wantFixes)) {
					t.Errorf("pass %d: fixes\n got  %+v\n want %+v", i, gotFixes, wantFixes)
				}
			}
		})
	}
}

// referenceConvert converts each booking on its own, with nothing to
// remember and nothing to compare with, and refuses a booking whose
// cleaned id was accepted before: what convert must give for the list.
func referenceConvert(office *queue.Office, day string, list []Appointment) ([]queue.Appointment, []fix) {
	out := []queue.Appointment{}
	var fixes []fix
	seen := map[string]bool{}
	for _, a := range list {
		one, f := convert(office, day, []Appointment{a}, testHash)
		if len(one) == 1 && seen[one[0].ID] {
			fixes = append(fixes, fix{id: logID(one[0].ID), kind: RefusedDuplicate, refused: true})
			continue
		}
		if len(one) == 1 {
			seen[one[0].ID] = true
			out = append(out, one[0])
		}
		fixes = append(fixes, f...)
	}
	return out, fixes
}

// plainAppointments makes appointments comparable: the same instant is
// the same start.
func plainAppointments(list []queue.Appointment) []queue.Appointment {
	out := make([]queue.Appointment, len(list))
	for i, a := range list {
		a.Start = a.Start.UTC()
		out[i] = a
	}
	return out
}

// must keeps the appointments of a convert.
func must(list []queue.Appointment, _ []fix) []queue.Appointment { return list }

// plainFixes drops whether the memo repeated a fix.
func plainFixes(list []fix) []fix {
	out := make([]fix, len(list))
	for i, f := range list {
		f.again = false
		out[i] = f
	}
	return out
}

// listBackend answers with a list it can be given.
type listBackend struct {
	mu   sync.Mutex
	list []Appointment
}

func (b *listBackend) set(list []Appointment) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.list = list
}

func (b *listBackend) Appointments(ctx context.Context, office, day string) ([]Appointment, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]Appointment, len(b.list))
	for i, a := range b.list {
		a.Services = append([]queue.ServiceCount(nil), a.Services...)
		out[i] = a
	}
	return out, nil
}

func (b *listBackend) Report(ctx context.Context, r Report) error { return nil }

// lastList keeps the list it was handed.
type lastList struct{ list []queue.Appointment }

func (l *lastList) ApplyAppointments(ctx context.Context, office, day string, list []queue.Appointment) (int, error) {
	l.list = list
	return len(list), nil
}

// TestResyncHashesOnlyChangedBirthDates: the keyed hash of a birth date
// is the dearest step of the sync; a re-sync runs it only for bookings
// that changed, and the changed one still gets its new hash.
func TestResyncHashesOnlyChangedBirthDates(t *testing.T) {
	hashes := 0
	backend := &listBackend{}
	apply := &lastList{}
	s := &Syncer{Backend: backend, Offices: testOffices(), Apply: apply, Now: func() time.Time { return at(9, 0) }, Log: slog.New(slog.DiscardHandler),
		Hash: func(d string) string { hashes++; return testHash(d) }}
	day := memoDay()
	steps := []struct {
		name   string
		list   []Appointment
		hashes int
	}{
		{"import", day, 4}, // A1, A2, A3, B\u200b1; C1's date is no date
		{"unchanged", day, 0},
		{"one birth date changed", func() []Appointment { l := memoDay(); l[1].BirthDate = "1970-05-06"; return l }(), 1},
		{"unchanged again", func() []Appointment { l := memoDay(); l[1].BirthDate = "1970-05-06"; return l }(), 0},
	}
	for _, st := range steps {
		backend.set(st.list)
		hashes = 0
		if err := s.SyncOffice(context.Background(), "mitte"); err != nil {
			t.Fatal(err)
		}
		if hashes != st.hashes {
			t.Errorf("%s: %d birth dates hashed, want %d", st.name, hashes, st.hashes)
		}
		want, _ := convert(&s.Offices[0], "2026-11-21", st.list, testHash)
		if !reflect.DeepEqual(apply.list, want) {
			t.Errorf("%s: applied\n %+v\nwant\n %+v", st.name, apply.list, want)
		}
	}
}

// TestSyncLogsAFloodOfRepairsInBrief: a backend that breaks a field of
// every booking gets a bounded number of log lines per sync, the rest
// summed up in one, and the same day again logs nothing new.
func TestSyncLogsAFloodOfRepairsInBrief(t *testing.T) {
	list := make([]Appointment, 100)
	for i := range list {
		list[i] = Appointment{ID: fmt.Sprintf("F%03d", i), Start: at(10, 0), BirthDate: "31.12.1980",
			Services: []queue.ServiceCount{{Service: "pass", Count: 1}}}
	}
	var buf bytes.Buffer
	backend := &listBackend{list: list}
	s := &Syncer{Backend: backend, Offices: testOffices(), Apply: &lastList{}, Hash: testHash,
		Now: func() time.Time { return at(9, 0) }, Log: slog.New(slog.NewTextHandler(&buf, nil))}
	for round := range 2 {
		buf.Reset()
		if err := s.SyncOffice(context.Background(), "mitte"); err != nil {
			t.Fatal(err)
		}
		lines, summary := strings.Count(buf.String(), "appointment repaired"), strings.Count(buf.String(), "more=80")
		if want := []int{maxFixLines, 0}[round]; lines != want || summary != 1-round {
			t.Errorf("sync %d: %d repairs logged one by one and %d summaries, want %d and %d:\n%s", round, lines, summary, want, 1-round, buf.String())
		}
		if st := s.Status("mitte"); st.Repairs[RepairBirthDate] != 100 {
			t.Errorf("sync %d: %d birth dates counted as repaired, want 100", round, st.Repairs[RepairBirthDate])
		}
	}
}
