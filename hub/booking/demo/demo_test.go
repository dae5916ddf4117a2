package demo

import (
	"context"
	"errors"
	"log/slog"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"lotse/hub/booking"
	"lotse/hub/queue"
)

// days covers an ordinary day, both DST switches (23 and 25 hours) and a
// leap day.
var days = []string{"2026-11-21", "2026-03-29", "2026-10-25", "2028-02-29", "2027-01-01"}

func day(t *testing.T, b *Backend, office, d string) []booking.Appointment {
	t.Helper()
	list, err := b.Appointments(context.Background(), office, d)
	if err != nil {
		t.Fatalf("Appointments(%s, %s): %v", office, d, err)
	}
	return list
}

func TestOffices(t *testing.T) {
	offices := Offices()
	if len(offices) != 2 {
		t.Fatalf("%d offices, want 2", len(offices))
	}
	for _, o := range offices {
		t.Run(o.ID, func(t *testing.T) {
			if err := o.Validate(); err != nil {
				t.Fatal(err)
			}
			if o.Name == "" || o.Location == nil || o.Location.String() != "Europe/Berlin" {
				t.Errorf("name %q, location %v; want a name and Europe/Berlin", o.Name, o.Location)
			}
			if o.Policy != queue.DefaultPolicy() {
				t.Errorf("policy = %+v, want the default", o.Policy)
			}
			if n := len(o.Counters); n < 6 || n > 10 {
				t.Errorf("%d counters, want 6 to 10", n)
			}
			prefixes := map[string]bool{}
			for _, s := range o.Services {
				if s.Duration <= 0 || s.Name == "" || prefixes[s.Prefix] {
					t.Errorf("service %+v: want a name, a duration and its own prefix", s)
				}
				prefixes[s.Prefix] = true
				served := 0
				for _, c := range o.Counters {
					if c.Serves(s.ID) {
						served++
					}
				}
				if served < 2 {
					t.Errorf("service %s is served by %d counters, want at least 2", s.ID, served)
				}
			}
			for _, c := range o.Counters {
				if !strings.HasPrefix(c.Name, "Schalter ") || len(c.Services) == 0 {
					t.Errorf("counter %+v: want a Schalter with services", c)
				}
			}
		})
	}
	// Callers may change what they get without changing the next call.
	offices[0].Services[0].Name = "changed"
	if Offices()[0].Services[0].Name == "changed" {
		t.Error("Offices shares its slices between calls")
	}
}

func TestDayIsDeterministic(t *testing.T) {
	for _, office := range []string{Mitte, Nord} {
		for _, d := range days {
			first := day(t, New(nil), office, d)
			second := day(t, New(nil), office, d)
			if !reflect.DeepEqual(first, second) {
				t.Errorf("%s %s: two calls give different days", office, d)
			}
		}
	}
	a := day(t, New(nil), Mitte, "2026-11-21")
	b := day(t, New(nil), Mitte, "2026-11-22")
	c := day(t, New(nil), Nord, "2026-11-21")
	if a[0].Name == b[0].Name && a[1].Name == b[1].Name && a[2].Name == b[2].Name {
		t.Error("two days of an office look the same")
	}
	if a[0].Name == c[0].Name && a[1].Name == c[1].Name && a[2].Name == c[2].Name {
		t.Error("two offices' days look the same")
	}
}

// TestCheckInWindowAtAnyHour: at any time of day some appointments can
// check in and some are due, so that the demo works whenever it is tried.
func TestCheckInWindowAtAnyHour(t *testing.T) {
	b := New(nil)
	for _, o := range Offices() {
		p := o.Policy
		for _, d := range days {
			list := day(t, b, o.ID, d)
			midnight, _ := time.ParseInLocation(queue.DayFormat, d, o.Location)
			// The times the design names, then every five minutes of the
			// day (in absolute time: DST days have 23 or 25 hours).
			var times []time.Time
			for _, hm := range [][2]int{{0, 10}, {7, 55}, {12, 0}, {23, 50}} {
				times = append(times, time.Date(midnight.Year(), midnight.Month(), midnight.Day(), hm[0], hm[1], 0, 0, o.Location))
			}
			for now := midnight; o.Day(now) == d; now = now.Add(5 * time.Minute) {
				times = append(times, now)
			}
			for _, now := range times {
				open, due := 0, 0
				for _, a := range list {
					if a.Cancelled || now.Before(a.Start.Add(-p.CheckInBefore)) || now.After(a.Start.Add(p.CheckInAfter)) {
						continue
					}
					open++
					if !a.Start.After(now.Add(p.DueAhead)) {
						due++
					}
				}
				if open < 2 || due < 1 {
					t.Errorf("%s %s: %d appointments in the check-in window, %d due; want at least 2 and 1",
						o.ID, now.Format("2006-01-02 15:04 MST"), open, due)
				}
			}
		}
	}
}

func TestDayContent(t *testing.T) {
	idFormat := regexp.MustCompile(`^[MN]-\d{8}-\d{3}$`)
	secretFormat := regexp.MustCompile(`^[A-Za-z0-9_-]{16,}$`)
	b := New(nil)
	ids := map[string]bool{}
	for _, o := range Offices() {
		for _, d := range days {
			list := day(t, b, o.ID, d)
			if n := len(list); n < 150 || n > 300 {
				t.Errorf("%s %s: %d appointments, want 150 to 300", o.ID, d, n)
			}
			ref, _ := time.Parse(queue.DayFormat, d)
			var forTwo, twoServices, nonASCII, cancelled int
			births := map[string][]booking.Appointment{}
			for _, a := range list {
				if ids[a.ID] || !idFormat.MatchString(a.ID) || !strings.Contains(a.ID, strings.ReplaceAll(d, "-", "")) {
					t.Errorf("id %q: duplicate or not like M-20261121-042", a.ID)
				}
				ids[a.ID] = true
				if o.Day(a.Start) != d {
					t.Errorf("%s starts %v, not on %s", a.ID, a.Start, d)
				}
				if !secretFormat.MatchString(a.Secret) {
					t.Errorf("%s: secret %q is not 16+ URL-safe characters", a.ID, a.Secret)
				}
				id, secret, err := queue.ParseCode(queue.FormatCode(a.ID, a.Secret), queue.DefaultCodeFormats())
				if err != nil || id != a.ID || secret != a.Secret {
					t.Errorf("%s: ParseCode(FormatCode) = %q, %q, %v", a.ID, id, secret, err)
				}
				birth, err := time.Parse(queue.DayFormat, a.BirthDate)
				if err != nil {
					t.Errorf("%s: birth date %q: %v", a.ID, a.BirthDate, err)
				} else if age := ageOn(birth, ref); age < 18 || age > 90 {
					t.Errorf("%s: %d years old, want an adult of 18 to 90", a.ID, age)
				}
				if a.Name == "" || !utf8.ValidString(a.Name) || !strings.Contains(a.Name, " ") {
					t.Errorf("%s: name %q", a.ID, a.Name)
				}
				for _, r := range a.Name {
					if r > 127 {
						nonASCII++
						break
					}
				}
				var want time.Duration
				for _, sc := range a.Services {
					s, ok := o.Service(sc.Service)
					if !ok || sc.Count < 1 {
						t.Errorf("%s: service %+v", a.ID, sc)
					}
					want += s.Duration * time.Duration(sc.Count)
					if sc.Count == 2 {
						forTwo++
					}
				}
				if len(a.Services) == 0 || a.Duration != want {
					t.Errorf("%s: %d services lasting %v, want at least one lasting %v", a.ID, len(a.Services), a.Duration, want)
				}
				if len(a.Services) == 2 {
					twoServices++
				}
				if a.Cancelled {
					cancelled++
				}
				births[a.BirthDate] = append(births[a.BirthDate], a)
			}
			// A parent who booked twice: same name and birth date, both
			// in the check-in window at once.
			parents := 0
			for _, same := range births {
				if len(same) == 2 && same[0].Name == same[1].Name && same[1].Start.Sub(same[0].Start) <= 30*time.Minute {
					parents++
				}
			}
			if forTwo < 3 || twoServices < 3 || parents < 4 || nonASCII < 20 {
				t.Errorf("%s %s: %d for two persons, %d with two services, %d parents who booked twice, %d names with umlauts; want more",
					o.ID, d, forTwo, twoServices, parents, nonASCII)
			}
			if cancelled > len(list)/10 {
				t.Errorf("%s %s: %d cancelled, want a few", o.ID, d, cancelled)
			}
		}
	}
}

// ageOn returns the age in full years on day.
func ageOn(birth, day time.Time) int {
	age := day.Year() - birth.Year()
	if day.YearDay() < birth.YearDay() {
		age--
	}
	return age
}

func TestAppointmentsErrors(t *testing.T) {
	b := New(nil)
	tests := []struct {
		name, office, day string
		code              queue.Code
	}{
		{"unknown office", "buergerbuero-sued", "2026-11-21", queue.NotFound},
		{"bad day", Mitte, "21.11.2026", queue.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.Appointments(context.Background(), tt.office, tt.day)
			if queue.ErrorCode(err) != tt.code {
				t.Errorf("err = %v, want code %s", err, tt.code)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := b.Appointments(ctx, Mitte, "2026-11-21"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: err = %v", err)
	}
}

func TestToday(t *testing.T) {
	// 23:30 UTC is half past midnight of the next day in Berlin.
	now := time.Date(2026, 11, 21, 23, 30, 0, 0, time.UTC)
	b := New(func() time.Time { return now })
	d, list, err := b.Today(context.Background(), Nord)
	if err != nil || d != "2026-11-22" || len(list) == 0 || !strings.HasPrefix(list[0].ID, "N-20261122-") {
		t.Fatalf("Today = %s, %d appointments, %v; want 2026-11-22 with Nord's day", d, len(list), err)
	}
}

func TestReport(t *testing.T) {
	b := New(nil)
	at := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	reports := []booking.Report{
		{ID: 1, Office: Mitte, Appointment: "M-20261121-001", Kind: queue.ReportArrived, At: at, Ticket: "A001"},
		{ID: 2, Office: Mitte, Appointment: "M-20261121-001", Kind: queue.ReportCalled, At: at, Ticket: "A001", Counter: "schalter-1"},
		{ID: 1, Office: Mitte, Appointment: "M-20261121-001", Kind: queue.ReportArrived, At: at, Ticket: "A001"}, // retried
		{ID: 3, Office: Nord, Appointment: "N-20261121-007", Kind: queue.ReportNoShow, At: at},
		{ID: 2, Office: Mitte, Appointment: "M-20261121-001", Kind: queue.ReportCalled, At: at, Ticket: "A001", Counter: "schalter-1"},
	}
	for _, r := range reports {
		if err := b.Report(context.Background(), r); err != nil {
			t.Fatalf("Report(%d): %v", r.ID, err)
		}
	}
	got := b.Reports()
	if len(got) != 3 || got[0].ID != 1 || got[1].ID != 2 || got[2].ID != 3 {
		t.Errorf("Reports = %+v, want 1, 2, 3 once each in order", got)
	}
	got[0].Ticket = "changed"
	if b.Reports()[0].Ticket != "A001" {
		t.Error("Reports shares its slice")
	}
	err := b.Report(context.Background(), booking.Report{ID: 4, Office: "elsewhere"})
	if !errors.Is(err, booking.ErrPermanent) || queue.ErrorCode(err) != queue.NotFound {
		t.Errorf("report for an unknown office: err = %v, want a permanent not_found", err)
	}
}

// TestDemoDayThroughTheQueue runs a demo day through the real Syncer and
// queue: nothing is left out, a QR code and a birth date check in, and a
// parent who booked twice gets the choice.
func TestDemoDayThroughTheQueue(t *testing.T) {
	office := Offices()[0]
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, office.Location)
	b := New(func() time.Time { return now })
	q := queue.New(office, "2026-11-21")
	apply := applierFunc(func(ctx context.Context, _, _ string, list []queue.Appointment) (int, error) {
		return len(q.Sync(list)), nil
	})
	s := &booking.Syncer{Backend: b, Offices: Offices(), Apply: apply, Hash: func(d string) string { return "#" + d },
		Now: func() time.Time { return now }, Log: slog.New(slog.DiscardHandler)}
	if err := s.SyncOffice(context.Background(), office.ID); err != nil {
		t.Fatal(err)
	}
	_, list, _ := b.Today(context.Background(), office.ID)
	if st := s.Status(office.ID); st.Dropped != 0 || st.Appointments != len(list) || st.Changed != len(list) {
		t.Fatalf("sync status = %+v, want all %d appointments taken", st, len(list))
	}

	// The first appointment due now checks in by QR code.
	var due booking.Appointment
	for _, a := range list {
		if !a.Cancelled && !a.Start.After(now) && !now.After(a.Start.Add(office.Policy.CheckInAfter)) {
			due = a
			break
		}
	}
	id, secret, err := queue.ParseCode(queue.FormatCode(due.ID, due.Secret), queue.DefaultCodeFormats())
	if err != nil {
		t.Fatal(err)
	}
	ticket, _, err := q.CheckInCode(now, id, secret)
	if err != nil || ticket.Appointment != due.ID {
		t.Fatalf("QR check-in of %s at 12:00: %+v, %v", due.ID, ticket, err)
	}

	// A parent who booked twice gets the choice when both are open.
	for i, a := range list {
		for _, c := range list[i+1:] {
			if c.BirthDate == a.BirthDate && c.Name == a.Name && !a.Cancelled && !c.Cancelled {
				at := c.Start.Add(-office.Policy.CheckInBefore)
				_, _, err := q.CheckInBirthDate(at, "#"+a.BirthDate, "")
				var qe *queue.Error
				if !errors.As(err, &qe) || qe.Code != queue.Conflict || len(qe.Choices) < 2 {
					t.Errorf("parent %s/%s at %s: err = %v, want a choice", a.ID, c.ID, at.Format("15:04"), err)
				}
				return
			}
		}
	}
	t.Error("no parent who booked twice")
}

type applierFunc func(ctx context.Context, office, day string, list []queue.Appointment) (int, error)

func (f applierFunc) ApplyAppointments(ctx context.Context, office, day string, list []queue.Appointment) (int, error) {
	return f(ctx, office, day, list)
}
