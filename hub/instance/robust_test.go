package instance_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lotse/hub/api"
	"lotse/hub/booking"
	"lotse/hub/booking/demo"
	"lotse/hub/booking/faulty"
	"lotse/hub/booking/reference"
	"lotse/hub/booking/rest"
	"lotse/hub/clocktest"
	"lotse/hub/instance"
	"lotse/hub/server"
)

// messyDay is a day of Mitte as booking backends really send it: every
// booking has one bad field, none may be lost.
func messyDay() reference.File {
	loc, _ := time.LoadLocation("Europe/Berlin")
	start := time.Date(2026, 3, 10, 9, 50, 0, 0, loc)
	fz := []rest.Service{{ID: "FZ"}}
	return reference.File{Offices: map[string][]rest.Appointment{mitte: {
		{ID: "M-long", Secret: "s-long", Start: start, Services: fz, Name: "Müller-" + strings.Repeat("Hildegard-", 40)},
		{ID: "M-none", Secret: "s-none", Start: start, Name: "Erika Ohneanliegen"},
		{ID: "M-unknown", Secret: "s-unknown", Start: start, Services: []rest.Service{{ID: "XY-999", Count: 2}}, Name: "Otto Unbekannt"},
		{ID: "M-nfd", Secret: "s-nfd", Start: start, Services: fz, Name: "Jürgen Mu\u0308ller"},
		{ID: "M-bidi", Secret: "s-bidi", Start: start, Services: fz, Name: "\u202eRenate Weber\u202c"},
		{ID: "M-persons", Secret: "s-persons", Start: start, Services: []rest.Service{{ID: "FZ", Count: 500}}, Name: "Familie Groß"},
		{ID: "M-secret", Secret: "s e c r e t", Start: start, BirthDate: "1970-01-02", Services: fz, Name: "Karl Geheim"},
		{ID: "M-minutes", Secret: "s-minutes", Start: start, Minutes: -5, Services: fz, Name: "Eva Minus"},
		{ID: "M bad id", Secret: "s-badid", Start: start, Services: fz, Name: "Nie Ankommen"},
	}}}
}

// TestNoBookingIsDroppedForOneBadField: a booking with an over-long name,
// no or an unknown service, a decomposed or bidi-laden name, absurd
// persons, an unprintable secret or a negative duration is kept: the
// person checks in (by QR code, or by birth date where the secret had to
// go), the clerk sees "Anliegen unbekannt" where the service is unknown,
// the desk finds the name however it is composed, and every repair (and
// the one refusal: an id with blanks) is counted in /healthz and /metrics.
func TestNoBookingIsDroppedForOneBadField(t *testing.T) {
	ref := reference.New(reference.Options{Token: "ref-token"})
	ref.SetFile(messyDay())
	srv := httptest.NewServer(ref)
	defer srv.Close()
	h := startRESTHub(t, srv.URL, nil, nil)

	for _, code := range []string{"LOTSE:M-long:s-long", "LOTSE:M-none:s-none", "LOTSE:M-unknown:s-unknown",
		"LOTSE:M-nfd:s-nfd", "LOTSE:M-bidi:s-bidi", "LOTSE:M-persons:s-persons", "LOTSE:M-minutes:s-minutes"} {
		if _, err := h.device.CheckIn(ctx(t), mitte, api.CheckInRequest{Code: code}); err != nil {
			t.Errorf("check-in %s: %v", code, err)
		}
	}
	if _, err := h.device.CheckIn(ctx(t), mitte, api.CheckInRequest{BirthDate: "1970-01-02"}); err != nil {
		t.Errorf("check-in by birth date of the booking whose secret was cleared: %v", err)
	}

	found := func(q string) []api.Appointment {
		t.Helper()
		list, err := h.clerk.FindAppointments(ctx(t), mitte, q)
		if err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
		return list
	}
	for _, q := range []string{"Müller", "Mu\u0308ller", "müller", "MÜLLER", "MU\u0308LLER", " Mül\u200bler "} {
		if list := found(q); len(list) != 2 { // Jürgen Müller and the long name
			t.Errorf("search %q found %d, want 2", q, len(list))
		}
	}
	if list := found("Jürgen Mu\u0308ller"); len(list) != 1 || list[0].Name != "Jürgen Müller" {
		t.Errorf("search for the decomposed full name = %+v, want Jürgen Müller composed", list)
	}
	byID := map[string]api.Appointment{}
	for _, a := range found("") {
		byID[a.ID] = a
	}
	if len(byID) != 8 {
		t.Errorf("the desk sees %d appointments, want 8 (only the one without a usable id refused)", len(byID))
	}
	if a := byID["M-bidi"]; a.Name != "Renate Weber" {
		t.Errorf("bidi name = %q, want the overrides removed", a.Name)
	}
	if a := byID["M-long"]; len(a.Name) > 200 || !strings.HasPrefix(a.Name, "Müller-Hildegard-") {
		t.Errorf("long name = %q (%d bytes), want it shortened to 200 bytes", a.Name, len(a.Name))
	}
	for _, id := range []string{"M-none", "M-unknown"} {
		a := byID[id]
		if len(a.Services) != 1 || a.Services[0].Service != booking.FallbackService || a.Services[0].Name != "Anliegen unbekannt" {
			t.Errorf("%s services = %+v, want the fallback service \"Anliegen unbekannt\"", id, a.Services)
		}
	}
	if a := byID["M-unknown"]; a.Persons != 2 {
		t.Errorf("unknown service for two: %d persons", a.Persons)
	}

	// Every counter can call the fallback service's tickets.
	for range 8 {
		res, err := h.clerk.Act(ctx(t), mitte, "schalter-1", api.ActionNext, api.ActionRequest{})
		if err != nil || res.Ticket == nil {
			t.Fatalf("next: %+v, %v; every checked-in ticket must be callable", res, err)
		}
		if _, err := h.clerk.Act(ctx(t), mitte, "schalter-1", api.ActionFinish, api.ActionRequest{}); err != nil {
			t.Fatal(err)
		}
	}

	// The fallback is for bookings only: no walk-in button for it.
	offices, err := h.device.Offices(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range offices[0].Services {
		if s.ID == booking.FallbackService {
			t.Error("the fallback service is offered for walk-ins")
		}
	}

	health, err := h.device.Health(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	oh := health.Offices[0]
	wantRepairs := map[string]int{booking.RepairNameShortened: 1, booking.RepairNameCleaned: 1, booking.RepairService: 2,
		booking.RepairPersons: 1, booking.RepairSecret: 1, booking.RepairDuration: 1}
	if fmt.Sprint(oh.Repairs) != fmt.Sprint(wantRepairs) || oh.Repaired != 7 || fmt.Sprint(oh.Refused) != fmt.Sprint(map[string]int{booking.RefusedID: 1}) {
		t.Errorf("healthz repairs = %v (%d bookings), refused %v; want %v (7 bookings) and one refused id", oh.Repairs, oh.Repaired, oh.Refused, wantRepairs)
	}
	metrics := get(t, h.URL+"/metrics")
	for _, want := range []string{
		`lotse_booking_repairs{office="` + mitte + `",kind="service_fallback"} 2`,
		`lotse_booking_repairs{office="` + mitte + `",kind="name_shortened"} 1`,
		`lotse_booking_repairs{office="` + mitte + `",kind="services_trimmed"} 0`,
		`lotse_booking_repaired{office="` + mitte + `"} 7`,
		`lotse_booking_refused{office="` + mitte + `",reason="id"} 1`,
	} {
		if !strings.Contains(metrics, want+"\n") {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// twoOfficeHub runs Mitte and Nord, each on its own Lotse booking
// protocol server; Mitte's sits behind a fault injector.
type twoOfficeHub struct {
	*instance.Hub
	clock         *clocktest.Clock
	device, clerk *api.Client
	refs          map[string]*reference.Server
	fault         *faulty.Handler
}

func startTwoOfficeHub(t *testing.T) *twoOfficeHub {
	t.Helper()
	loc, _ := time.LoadLocation("Europe/Berlin")
	c := clocktest.New(time.Date(2026, 3, 10, 10, 0, 0, 0, loc))
	th := &twoOfficeHub{clock: c, refs: map[string]*reference.Server{}}
	mux := booking.Mux{}
	offices := demo.Offices()[:2]
	for _, o := range offices {
		ref := reference.New(reference.Options{Token: "ref-token"})
		day := restDay(15)
		day.Offices = map[string][]rest.Appointment{o.ID: day.Offices[mitte]}
		ref.SetFile(day)
		var handler = httptest.NewServer(ref)
		if o.ID == mitte {
			th.fault = &faulty.Handler{Next: ref}
			handler.Close()
			handler = httptest.NewServer(th.fault)
		}
		t.Cleanup(handler.Close)
		th.refs[o.ID] = ref
		mux[o.ID] = &rest.Client{BaseURL: handler.URL, Token: "ref-token", Timeout: 2 * time.Second, Services: map[string]string{"FZ": demo.Fuehrungszeugnis}}
	}
	h, err := instance.Start(context.Background(), instance.Options{
		Addr: "127.0.0.1:0", DBPath: filepath.Join(t.TempDir(), "lotse.db"), Offices: offices, Backend: mux,
		Clerks:  []server.Clerk{{User: "demo", PasswordHash: demoHash}},
		Devices: []server.Device{{Name: "kiosk", Token: "demo"}},
		Now:     c.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), PingEvery: 200 * time.Millisecond,
		TickEvery: time.Hour, SyncEvery: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Stop)
	th.Hub, th.device, th.clerk = h, api.NewClient(h.URL, "demo"), &api.Client{Base: h.URL, User: "demo", Password: "demo"}
	return th
}

// TestOneOfficeOutageStaysItsOwn: Mitte's booking backend is down; Nord's
// reports still arrive at once, and /healthz and /metrics show the depth
// and the age of the oldest report per office.
func TestOneOfficeOutageStaysItsOwn(t *testing.T) {
	h := startTwoOfficeHub(t)
	nord := demo.Offices()[1].ID
	h.fault.Set(faulty.Unavailable)
	for _, office := range []string{mitte, nord} {
		if _, err := h.device.CheckIn(ctx(t), office, api.CheckInRequest{Code: "LOTSE:R-000:sec-000"}); err != nil {
			t.Fatalf("check-in at %s: %v", office, err)
		}
	}
	eventually(t, "mitte's outbox to notice the outage", func() bool { return !h.Outbox.OfficeStatus(mitte).FailingSince.IsZero() })
	h.clock.Advance(3 * time.Minute)
	for i := 10; i < 13; i++ { // due within the check-in window after 3 minutes
		if _, err := h.device.CheckIn(ctx(t), nord, api.CheckInRequest{Code: fmt.Sprintf("LOTSE:R-%03d:sec-%03d", i, i)}); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "nord's reports while mitte's backend is down", func() bool { return len(h.refs[nord].Reports().Reports) == 4 })

	// The backend has them; the outbox forgets them a moment later.
	byID := map[string]api.OfficeHealth{}
	eventually(t, "nord's outbox empty in /healthz", func() bool {
		health, err := h.device.Health(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range health.Offices {
			byID[o.ID] = o
		}
		return byID[nord].OutboxDepth == 0
	})
	if m := byID[mitte]; m.OutboxDepth != 1 || m.OutboxOldest == nil || m.OutboxAgeSeconds != 180 {
		t.Errorf("mitte = %+v, want 1 report waiting for 180 s", m)
	}
	if n := byID[nord]; n.OutboxDepth != 0 || n.OutboxOldest != nil || n.OutboxAgeSeconds != 0 {
		t.Errorf("nord = %+v, want an empty outbox", n)
	}
	metrics := get(t, h.URL+"/metrics")
	for _, want := range []string{
		`lotse_outbox_depth{office="` + mitte + `"} 1`, `lotse_outbox_depth{office="` + nord + `"} 0`,
		`lotse_outbox_oldest_age_seconds{office="` + mitte + `"} 180`, `lotse_outbox_oldest_age_seconds{office="` + nord + `"} 0`,
	} {
		if !strings.Contains(metrics, want+"\n") {
			t.Errorf("metrics lack %s", want)
		}
	}

	h.fault.Set(faulty.Pass)
	h.Outbox.NotifyOffice(mitte)
	eventually(t, "mitte's report after recovery", func() bool { return len(h.refs[mitte].Reports().Reports) == 1 })
}

// TestRefusedReportsAreKeptAndRetried: a report the backend refuses for
// good (a 4xx) is kept as a dead letter with
// the backend's answer, shown in /healthz and /metrics, and delivered
// when a clerk retries after the fix.
func TestRefusedReportsAreKeptAndRetried(t *testing.T) {
	ref := reference.New(reference.Options{Token: "ref-token"})
	ref.SetFile(restDay(3))
	fault := &faulty.Handler{Next: ref}
	srv := httptest.NewServer(fault)
	defer srv.Close()
	h := startRESTHub(t, srv.URL, nil, nil)

	fault.Set(faulty.Refuse)
	h.checkIn(t, 0)
	var oh api.OfficeHealth
	eventually(t, "the dead letter in /healthz", func() bool {
		health, err := h.device.Health(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		oh = health.Offices[0]
		return oh.DeadLetters == 1
	})
	if oh.WarningCode != "dead_letters" || oh.OutboxDepth != 0 || health(t, h).Status != "degraded" {
		t.Errorf("healthz = %+v, want the dead letter", oh)
	}
	dead, err := h.clerk.Outbox(ctx(t), mitte)
	if err != nil || len(dead.DeadLetters) != 1 || dead.DeadLetters[0].Appointment != "R-000" || dead.DeadLetters[0].Kind != "arrived" ||
		!strings.Contains(dead.DeadLetters[0].Answer, "HTTP 422 Unprocessable Entity: invalid: appointment not in this scope") {
		t.Errorf("dead letters = %+v, %v; want R-000's arrival with the backend's answer", dead, err)
	}
	if metrics := get(t, h.URL+"/metrics"); !strings.Contains(metrics, `lotse_outbox_dead_letters{office="`+mitte+`"} 1`+"\n") {
		t.Error("metrics lack the dead letter")
	}
	// The refused report blocks nothing behind it.
	fault.Set(faulty.Pass)
	h.checkIn(t, 1)
	eventually(t, "R-001's report behind the refused one", func() bool { return len(ref.Reports().Reports) == 1 })

	if _, err := h.device.RetryOutbox(ctx(t), mitte); api.ErrorCode(err) != api.CodeUnauthorized {
		t.Errorf("a kiosk retried dead letters: %v", err)
	}
	res, err := h.clerk.RetryOutbox(ctx(t), mitte) // after the fix
	if err != nil || res.Retried != 1 {
		t.Fatalf("retry = %+v, %v", res, err)
	}
	eventually(t, "the retried report", func() bool { return len(ref.Reports().Reports) == 2 })
	health, err := h.device.Health(ctx(t))
	if err != nil || health.Offices[0].DeadLetters != 0 || health.Status != "ok" {
		t.Errorf("healthz after the retry = %+v, %v", health, err)
	}
}

func health(t *testing.T, h *restHub) api.Health {
	t.Helper()
	hh, err := h.device.Health(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	return hh
}
