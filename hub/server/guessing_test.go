package server

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"lotse/hub/api"
	"lotse/hub/booking"
	"lotse/hub/queue"
)

// wrongCode is a well-formed code of an appointment that does not exist.
func wrongCode(i int) string { return fmt.Sprintf("LOTSE:X-%d:%016d", i, i) }

// TestWrongCodesAreLimited covers guessing QR codes (issue 11.1): per
// device, per office, per appointment id, and that right codes cost
// nothing.
func TestWrongCodesAreLimited(t *testing.T) {
	limits := DefaultLimits()
	code := func(a booking.Appointment) string { return "LOTSE:" + a.ID + ":" + a.Secret }

	t.Run("per device", func(t *testing.T) {
		h := newAccessHub(t, nil, accessDevices("kiosk-", 2, RoleKiosk), Limits{})
		for i := range limits.CodePerDevice.Burst {
			if a := h.do("POST", checkinPath(accessMitte), bearer("kiosk-0"), api.CheckInRequest{Code: wrongCode(i)}); a.Status != http.StatusNotFound {
				t.Fatalf("wrong code %d: %d %s, want 404", i, a.Status, a.Body)
			}
		}
		wait := wantLimited(t, h.do("POST", checkinPath(accessMitte), bearer("kiosk-0"), api.CheckInRequest{Code: wrongCode(99)}), "wrong code over the burst")
		if a := h.do("POST", checkinPath(accessMitte), bearer("kiosk-1"), api.CheckInRequest{Code: wrongCode(100)}); a.Status != http.StatusNotFound {
			t.Fatalf("another kiosk: %d, want its own budget", a.Status)
		}
		h.Clock.Advance(wait)
		if a := h.do("POST", checkinPath(accessMitte), bearer("kiosk-0"), api.CheckInRequest{Code: wrongCode(101)}); a.Status != http.StatusNotFound {
			t.Fatalf("after waiting Retry-After: %d, want one more try", a.Status)
		}
	})

	t.Run("per office", func(t *testing.T) {
		h := newAccessHub(t, nil, accessDevices("kiosk-", 10, RoleKiosk), Limits{})
		passed := 0
		for i := range 100 {
			if h.do("POST", checkinPath(accessMitte), bearer("kiosk-"+strconv.Itoa(i%10)), api.CheckInRequest{Code: wrongCode(i)}).Status == http.StatusNotFound {
				passed++
			}
		}
		if passed != limits.CodePerOffice.Burst {
			t.Fatalf("ten kiosks of one office got %d wrong codes through, want the office's %d", passed, limits.CodePerOffice.Burst)
		}
		if a := h.do("POST", checkinPath(accessNord), bearer("kiosk-9"), api.CheckInRequest{Code: wrongCode(1000)}); a.Status != http.StatusNotFound {
			t.Fatalf("another office: %d %s, want its own budget", a.Status, a.Body)
		}
	})

	t.Run("per appointment, desk still checks in", func(t *testing.T) {
		h := newAccessHub(t, []Clerk{{User: "desk", PasswordHash: accessHash(), Roles: []string{RoleDesk}}}, accessDevices("kiosk-", 10, RoleKiosk), Limits{})
		var target booking.Appointment
		for _, a := range h.day(accessMitte) {
			if !a.Cancelled && !a.Start.Before(h.Clock.Now()) && a.Start.Before(h.Clock.Now().Add(20*time.Minute)) {
				target = a
				break
			}
		}
		if target.ID == "" {
			t.Fatal("no appointment inside the check-in window")
		}
		for i := range limits.CodePerAppointment.Burst {
			wrong := "LOTSE:" + target.ID + ":" + fmt.Sprintf("%016d", i)
			if a := h.do("POST", checkinPath(accessMitte), bearer("kiosk-"+strconv.Itoa(i)), api.CheckInRequest{Code: wrong}); a.Status != http.StatusNotFound {
				t.Fatalf("wrong secret %d: %d %s", i, a.Status, a.Body)
			}
		}
		a := h.do("POST", checkinPath(accessMitte), bearer("kiosk-9"), api.CheckInRequest{Code: code(target)})
		wait := wantLimited(t, a, "the right secret after wrong ones")
		if wait < time.Minute {
			t.Fatalf("code locked for %v only, want minutes", wait)
		}
		if a := h.do("POST", checkinPath(accessMitte), basic("desk", "demo"), api.CheckInRequest{Appointment: target.ID}); a.Status != http.StatusCreated {
			t.Fatalf("desk check-in of a locked code: %d %s", a.Status, a.Body)
		}
	})

	t.Run("per appointment, at every office", func(t *testing.T) {
		// The lock belongs to the appointment, not to the route: through
		// another office's kiosk route the code is neither guessable
		// afresh nor confirmed by "wrong office".
		h := newAccessHub(t, nil, accessDevices("kiosk-", 10, RoleKiosk), Limits{})
		var target booking.Appointment
		for _, a := range h.day(accessNord) {
			if !a.Cancelled && !a.Start.Before(h.Clock.Now()) && a.Start.Before(h.Clock.Now().Add(20*time.Minute)) {
				target = a
				break
			}
		}
		if target.ID == "" {
			t.Fatal("no appointment inside the check-in window")
		}
		// The wrong secrets are spread over both offices: together they
		// spend one budget.
		for i := range limits.CodePerAppointment.Burst {
			at := []string{accessNord, accessMitte}[i%2]
			wrong := "LOTSE:" + target.ID + ":" + fmt.Sprintf("%016d", i)
			if a := h.do("POST", checkinPath(at), bearer("kiosk-"+strconv.Itoa(i)), api.CheckInRequest{Code: wrong}); a.Status != http.StatusNotFound {
				t.Fatalf("wrong secret %d at %s: %d %s", i, at, a.Status, a.Body)
			}
		}
		tests := []struct {
			name, office, secret string
		}{
			{"another wrong secret at its office", accessNord, fmt.Sprintf("%016d", 98)},
			{"another wrong secret at another office", accessMitte, fmt.Sprintf("%016d", 99)},
			{"the right secret at its office", accessNord, target.Secret},
			{"the right secret at another office", accessMitte, target.Secret},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				a := h.do("POST", checkinPath(tc.office), bearer("kiosk-9"), api.CheckInRequest{Code: "LOTSE:" + target.ID + ":" + tc.secret})
				wantLimited(t, a, "the locked code")
			})
		}
	})

	t.Run("per appointment, in parallel", func(t *testing.T) {
		h := newAccessHub(t, nil, accessDevices("kiosk-", 10, RoleKiosk), Limits{})
		id := h.day(accessMitte)[0].ID
		passed := h.parallel(100, limits.CodePerAppointment.Burst, func(i int) answer {
			wrong := "LOTSE:" + id + ":" + fmt.Sprintf("%016d", i)
			return h.do("POST", checkinPath(accessMitte), bearer("kiosk-"+strconv.Itoa(i%10)), api.CheckInRequest{Code: wrong})
		})
		if passed > limits.CodePerAppointment.Burst {
			t.Fatalf("%d of 100 parallel wrong secrets for one appointment were tried, want at most %d", passed, limits.CodePerAppointment.Burst)
		}
	})

	t.Run("right codes cost nothing", func(t *testing.T) {
		h := newAccessHub(t, nil, accessDevices("kiosk-", 1, RoleKiosk), Limits{})
		n := 0
		for _, ap := range h.day(accessMitte) {
			if ap.Cancelled || ap.Start.Before(h.Clock.Now().Add(-10*time.Minute)) || ap.Start.After(h.Clock.Now().Add(25*time.Minute)) {
				continue
			}
			for range 3 { // a repeated scan answers the same ticket
				if a := h.do("POST", checkinPath(accessMitte), bearer("kiosk-0"), api.CheckInRequest{Code: code(ap)}); a.Status != http.StatusCreated {
					t.Fatalf("right code %d: %d %s", n, a.Status, a.Body)
				}
				n++
			}
		}
		if n <= limits.CodePerDevice.Burst+limits.CodePerOffice.Burst {
			t.Fatalf("only %d right scans tried; the test needs more than the bursts", n)
		}
	})

	t.Run("guesses per hour", func(t *testing.T) {
		h := newAccessHub(t, nil, accessDevices("kiosk-", 1, RoleKiosk), Limits{})
		want := limits.CodePerDevice.PerHour()
		got := h.perHour(2*want, func(i int) answer {
			return h.do("POST", checkinPath(accessMitte), bearer("kiosk-0"), api.CheckInRequest{Code: wrongCode(i)})
		})
		if got < want-1 || got > want+1 {
			t.Fatalf("a kiosk guessed %d codes in an hour, the documented figure is %d", got, want)
		}
		t.Logf("wrong QR codes per hour and kiosk: %d", got)
	})
}

// TestBirthDateGuessing covers guessing birth dates (issue 11.2): the
// limit holds under 200 parallel guesses, is keyed to the device and not
// its address, counts every answer that tells a birth date exists, and
// tells the kiosk how long to wait.
func TestBirthDateGuessing(t *testing.T) {
	limits := DefaultLimits()
	burst := limits.BirthPerDevice.Burst
	wrongDate := func(i int) string {
		return time.Date(1901, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i).Format(queue.DayFormat)
	}

	t.Run("200 parallel guesses", func(t *testing.T) {
		h := newAccessHub(t, nil, accessDevices("kiosk-", 1, RoleKiosk), Limits{})
		passed := h.parallel(200, burst, func(i int) answer {
			return h.do("POST", checkinPath(accessMitte), bearer("kiosk-0"), api.CheckInRequest{BirthDate: wrongDate(i)})
		})
		if passed > burst {
			t.Fatalf("%d of 200 parallel wrong birth dates got an answer, want at most %d", passed, burst)
		}
	})

	t.Run("keyed to the device, not the address", func(t *testing.T) {
		h := newAccessHub(t, nil, accessDevices("kiosk-", 1, RoleKiosk), Limits{})
		keys := map[string]bool{}
		for _, addr := range []string{"192.0.2.1:1000", "192.0.2.2:2000", "[2001:db8::1]:3000"} {
			r := httptest.NewRequest("POST", checkinPath(accessMitte), nil)
			r.RemoteAddr = addr
			r.Header.Set("Authorization", "Bearer kiosk-0")
			p, err := h.Server.identify(r, accessMitte)
			if err != nil {
				t.Fatal(err)
			}
			keys[p.key] = true
		}
		if len(keys) != 1 {
			t.Fatalf("one kiosk from three addresses has the limit keys %v, want one", keys)
		}
	})

	t.Run("answers that confirm a birth date count", func(t *testing.T) {
		h := newAccessHub(t, nil, append(accessDevices("probe-", 200, RoleKiosk), accessDevices("fresh-", 5, RoleKiosk)...), Limits{})
		// Find a birth date for every answer by asking once per probe
		// device, each with a full budget.
		// A parent's two bookings (same birth date, within 30 minutes)
		// answer conflict only while both can be checked in: the probes
		// run at that time of the demo day.
		// The pair nearest the middle of the day, so that bookings too
		// early and too late remain.
		births := map[string]int{}
		day := h.day(accessMitte)
		mid := day[0].Start.Add(day[len(day)-1].Start.Sub(day[0].Start) / 2)
		var pair time.Time
		for _, ap := range day {
			if births[ap.BirthDate]++; births[ap.BirthDate] == 2 && !ap.Cancelled &&
				(pair.IsZero() || ap.Start.Sub(mid).Abs() < pair.Sub(mid).Abs()) {
				pair = ap.Start
			}
		}
		h.Clock.Set(pair.Add(-20 * time.Minute)) // both of a pair at most 30 min apart are open then
		clear(births)
		found := map[string]api.CheckInRequest{}
		probe := 0
		ask := func(office string, req api.CheckInRequest) {
			if probe >= 200 {
				return
			}
			a := h.do("POST", checkinPath(office), bearer("probe-"+strconv.Itoa(probe)), req)
			probe++
			if a.Status != http.StatusCreated && found[a.Error.Code].BirthDate == "" {
				found[a.Error.Code] = req
			}
		}
		for _, ap := range h.day(accessMitte) {
			early, late := ap.Start.After(h.Clock.Now().Add(time.Hour)), ap.Start.Before(h.Clock.Now().Add(-time.Hour))
			if !ap.Cancelled && (early && found[api.CodeTooEarly].BirthDate == "" || late && found[api.CodeTooLate].BirthDate == "") {
				ask(accessMitte, api.CheckInRequest{BirthDate: ap.BirthDate})
			}
		}
		for _, ap := range h.day(accessNord) {
			if found[api.CodeWrongOffice].BirthDate == "" {
				ask(accessMitte, api.CheckInRequest{BirthDate: ap.BirthDate})
			}
		}
		for _, ap := range h.day(accessMitte) {
			births[ap.BirthDate]++
			if births[ap.BirthDate] == 2 && found[api.CodeConflict].BirthDate == "" {
				ask(accessMitte, api.CheckInRequest{BirthDate: ap.BirthDate})
			}
		}
		tests := []string{api.CodeNotFound, api.CodeConflict, api.CodeTooEarly, api.CodeTooLate, api.CodeWrongOffice}
		for i, kind := range tests {
			t.Run(kind, func(t *testing.T) {
				req := found[kind]
				if kind == api.CodeNotFound {
					req = api.CheckInRequest{BirthDate: wrongDate(7)}
				}
				if req.BirthDate == "" {
					t.Fatalf("the demo day has no birth date that answers %s (found %v)", kind, found)
				}
				dev := "fresh-" + strconv.Itoa(i)
				for n := range burst {
					if a := h.do("POST", checkinPath(accessMitte), bearer(dev), req); a.Error.Code != kind {
						t.Fatalf("try %d: %d %s, want %s", n, a.Status, a.Body, kind)
					}
				}
				wantLimited(t, h.do("POST", checkinPath(accessMitte), bearer(dev), req), kind+" after the burst")
			})
		}
	})

	t.Run("one confused citizen does not block the next for long", func(t *testing.T) {
		h := newAccessHub(t, nil, accessDevices("kiosk-", 1, RoleKiosk), Limits{})
		for i := range burst + 3 {
			h.do("POST", checkinPath(accessMitte), bearer("kiosk-0"), api.CheckInRequest{BirthDate: wrongDate(i)})
		}
		wait := wantLimited(t, h.do("POST", checkinPath(accessMitte), bearer("kiosk-0"), api.CheckInRequest{BirthDate: wrongDate(50)}), "after the burst")
		if wait > limits.BirthPerDevice.Every {
			t.Fatalf("the next person waits %v, want at most %v", wait, limits.BirthPerDevice.Every)
		}
		h.Clock.Advance(wait)
		var right booking.Appointment
		births := map[string]int{}
		for _, ap := range h.day(accessMitte) {
			births[ap.BirthDate]++
		}
		for _, ap := range h.day(accessMitte) {
			if !ap.Cancelled && births[ap.BirthDate] == 1 && !ap.Start.Before(h.Clock.Now()) && ap.Start.Before(h.Clock.Now().Add(20*time.Minute)) {
				right = ap
				break
			}
		}
		if a := h.do("POST", checkinPath(accessMitte), bearer("kiosk-0"), api.CheckInRequest{BirthDate: right.BirthDate}); a.Status != http.StatusCreated {
			t.Fatalf("the next citizen after waiting %v: %d %s", wait, a.Status, a.Body)
		}
		// The right one gave its token back: the next person tries at once.
		if a := h.do("POST", checkinPath(accessMitte), bearer("kiosk-0"), api.CheckInRequest{BirthDate: right.BirthDate}); a.Status != http.StatusCreated {
			t.Fatalf("a repeated right birth date: %d %s", a.Status, a.Body)
		}
	})

	t.Run("guesses per hour", func(t *testing.T) {
		h := newAccessHub(t, nil, accessDevices("kiosk-", 1, RoleKiosk), Limits{})
		want := limits.BirthPerDevice.PerHour()
		got := h.perHour(2*want, func(i int) answer {
			return h.do("POST", checkinPath(accessMitte), bearer("kiosk-0"), api.CheckInRequest{BirthDate: wrongDate(i)})
		})
		if got < want-1 || got > want+1 {
			t.Fatalf("a kiosk guessed %d birth dates in an hour, the documented figure is %d", got, want)
		}
		t.Logf("wrong birth dates per hour and kiosk: %d", got)
	})
}
