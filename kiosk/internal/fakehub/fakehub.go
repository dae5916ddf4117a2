// Package fakehub is a stand-in for the hub in the kiosk's tests: an HTTP
// server that speaks the hub's API (docs/api.md, hub/api) with a fixed set of
// codes and birth dates, one for every answer the kiosk must handle.
package fakehub

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"lotse/hub/api"
)

// Token is the device token the fake hub accepts.
const Token = "test-token"

// Codes the fake hub knows; each leads to one kind of answer.
const (
	CodeGood        = "LOTSE:appt-1:s3cr3t" // ticket A001 for 10:30
	CodeMultiPerson = "LOTSE:appt-2:s3cr3t" // ticket A002, two persons, two services
	CodeUnknown     = "LOTSE:appt-9:wrong"  // not found
	CodeTooEarly    = "LOTSE:appt-3:s3cr3t" // too early, come back at 11:15
	CodeTooLate     = "LOTSE:appt-4:s3cr3t" // too late
	CodeWrongOffice = "LOTSE:appt-5:s3cr3t" // wrong office: Bürgerbüro Nord
	CodeRateLimited = "LOTSE:appt-6:s3cr3t" // rate limited
	CodeHubError    = "LOTSE:appt-7:s3cr3t" // 500 internal
	// CodeAlreadyServed is an appointment whose ticket was served today.
	CodeAlreadyServed = "LOTSE:appt-12:s3cr3t"
	// CodeSeeDesk is an appointment whose ticket was missed, in an office
	// that sends such people to the information desk.
	CodeSeeDesk = "LOTSE:appt-13:s3cr3t"
	// Anything else is not a check-in code at all (invalid).
)

// StatusBase is where the fake hub's tickets have their status pages, as
// the hub's [hub] public_url would give it.
const StatusBase = "https://termine.example.de"

// StatusURL is the status page of the ticket with number: a fixed token of
// the hub's length (22 characters of base64url) per number.
func StatusURL(number string) string {
	token := (number + "-statusTokenForTests_xyz")[:22]
	return StatusBase + "/t/" + token
}

// Birth dates the fake hub knows (YYYY-MM-DD).
const (
	BirthSingle    = "1950-03-15" // one appointment: ticket A003
	BirthMultiple  = "1980-07-01" // two appointments: 409 with choices
	BirthNoCounter = "1960-06-06" // one appointment, no counter staffed: ticket A006, waitMinutes -1
	// Any other date is not found.
)

// Appointment IDs of the choices for BirthMultiple.
const (
	ChoiceEarly = "appt-10" // 09:45, Reisepass
	ChoiceLate  = "appt-11" // 11:00, Anmeldung einer Wohnung
)

// Day is the day of all appointments: 21 November 2025, Europe/Berlin.
var Day = time.Date(2025, 11, 21, 0, 0, 0, 0, Berlin)

// Berlin is the offices' time zone.
var Berlin = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	return loc
}()

func at(h, m int) time.Time {
	return Day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
}

func minutes(n int) *int { return &n }

// Server is a fake hub. Its fields may be changed between requests.
type Server struct {
	*httptest.Server

	mu       sync.Mutex
	office   api.Office
	down     bool
	requests []string
}

// New starts a fake hub; Close it when done.
func New() *Server {
	h := &Server{office: DefaultOffice()}
	h.Server = httptest.NewServer(http.HandlerFunc(h.serve))
	return h
}

// DefaultOffice is the office the fake hub lists first.
func DefaultOffice() api.Office {
	return api.Office{
		ID: "mitte", Name: "Bürgerbüro Mitte", Timezone: "Europe/Berlin",
		WalkIns: true, BirthDateCheckIn: true,
		Services: []api.Service{
			{ID: "anmeldung", Name: "Anmeldung einer Wohnung", Prefix: "A", Minutes: 15, Names: map[string]string{
				"en": "Registering an address", "tr": "İkamet adresi kaydı",
				"uk": "Реєстрація місця проживання", "ru": "Регистрация по месту жительства"}},
			{ID: "pass", Name: "Reisepass", Prefix: "P", Minutes: 10, Names: map[string]string{"en": "Passport"}},
			{ID: "fuehrung", Name: "Führungszeugnis", Prefix: "F", Minutes: 5},
			{ID: "abholung", Name: "Abholung von Dokumenten", Prefix: "D", Minutes: 5},
		},
		Counters: []api.Counter{{ID: "1", Name: "Schalter 1", Services: []string{"anmeldung", "pass"}}},
	}
}

// SetOffice changes the office the hub lists.
func (h *Server) SetOffice(o api.Office) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.office = o
}

// SetDown makes the hub drop every connection (true) or answer again.
func (h *Server) SetDown(down bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.down = down
}

// Requests returns "METHOD path body" of every API request so far.
func (h *Server) Requests() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.requests...)
}

func (h *Server) serve(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	down, office := h.down, h.office
	h.mu.Unlock()
	if down {
		// Like a hub that is gone: the connection breaks without an answer.
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+Token {
		writeError(w, http.StatusUnauthorized, api.ErrorDetail{Code: api.CodeUnauthorized, Message: "device token required"})
		return
	}
	var body map[string]any
	if r.Method == http.MethodPost {
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			writeError(w, http.StatusBadRequest, api.ErrorDetail{Code: api.CodeInvalid, Message: "bad JSON"})
			return
		}
	}
	b, _ := json.Marshal(body)
	h.mu.Lock()
	h.requests = append(h.requests, fmt.Sprintf("%s %s %s", r.Method, r.URL.Path, b))
	h.mu.Unlock()

	prefix := "/api/v1/offices/" + office.ID
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/api/v1/offices":
		other := api.Office{ID: "nord", Name: "Bürgerbüro Nord", Timezone: "Europe/Berlin"}
		writeJSON(w, http.StatusOK, []api.Office{office, other})
	case r.Method == http.MethodPost && r.URL.Path == prefix+"/checkins":
		var req api.CheckInRequest
		_ = json.Unmarshal(b, &req)
		status, answer := checkIn(req)
		writeJSON(w, status, answer)
	case r.Method == http.MethodPost && r.URL.Path == prefix+"/tickets":
		var req api.WalkInRequest
		_ = json.Unmarshal(b, &req)
		for _, s := range office.Services {
			if s.ID == req.Service {
				writeJSON(w, http.StatusCreated, api.Ticket{
					ID: "t-walk", Number: s.Prefix + "101", State: api.StateWaiting, Persons: 1,
					Services: []api.ServiceCount{{Service: s.ID, Name: s.Name, Count: 1}},
					Arrived:  at(10, 5), WaitMinutes: minutes(25), StatusURL: StatusURL(s.Prefix + "101"),
				})
				return
			}
		}
		writeError(w, http.StatusUnprocessableEntity, api.ErrorDetail{Code: api.CodeInvalid, Message: "no such service"})
	case strings.HasPrefix(r.URL.Path, "/api/v1/offices/"):
		writeError(w, http.StatusNotFound, api.ErrorDetail{Code: api.CodeNotFound, Message: "no such office"})
	default:
		writeError(w, http.StatusNotFound, api.ErrorDetail{Code: api.CodeNotFound, Message: "not found"})
	}
}

func ticket(id, number string, start time.Time, wait int, services ...api.ServiceCount) api.Ticket {
	persons := 0
	for _, s := range services {
		persons += s.Count
	}
	return api.Ticket{
		ID: "t-" + id, Number: number, State: api.StateWaiting, Services: services, Persons: persons,
		Appointment: id, AppointmentStart: &start, Arrived: at(10, 5), WaitMinutes: minutes(wait),
		StatusURL: StatusURL(number),
	}
}

var (
	anmeldung = api.ServiceCount{Service: "anmeldung", Name: "Anmeldung einer Wohnung", Count: 1}
	pass      = api.ServiceCount{Service: "pass", Name: "Reisepass", Count: 1}
)

// checkIn answers a check-in: the HTTP status and the body.
func checkIn(req api.CheckInRequest) (int, any) {
	problem := func(status int, d api.ErrorDetail) (int, any) { return status, api.ErrorBody{Error: d} }
	if req.BirthDate != "" {
		switch {
		case req.BirthDate == BirthSingle:
			return http.StatusCreated, ticket("appt-8", "A003", at(10, 15), 0, anmeldung)
		case req.BirthDate == BirthNoCounter:
			return http.StatusCreated, ticket("appt-9", "A006", at(10, 20), -1, anmeldung)
		case req.BirthDate == BirthMultiple && req.Appointment == ChoiceEarly:
			return http.StatusCreated, ticket(ChoiceEarly, "P004", at(9, 45), 1, pass)
		case req.BirthDate == BirthMultiple && req.Appointment == ChoiceLate:
			return http.StatusCreated, ticket(ChoiceLate, "A005", at(11, 0), 20, anmeldung)
		case req.BirthDate == BirthMultiple:
			return problem(http.StatusConflict, api.ErrorDetail{Code: api.CodeConflict, Message: "several appointments",
				Choices: []api.Choice{
					{Appointment: ChoiceEarly, Start: at(9, 45), Services: []api.ServiceCount{pass}},
					{Appointment: ChoiceLate, Start: at(11, 0), Services: []api.ServiceCount{anmeldung}},
				}})
		}
		return problem(http.StatusNotFound, api.ErrorDetail{Code: api.CodeNotFound, Message: "no appointment"})
	}
	switch req.Code {
	case CodeGood:
		return http.StatusCreated, ticket("appt-1", "A001", at(10, 30), 12, anmeldung)
	case CodeMultiPerson:
		two := anmeldung
		two.Count = 2
		return http.StatusCreated, ticket("appt-2", "A002", at(10, 40), 35, two, pass)
	case CodeTooEarly:
		back := at(11, 15).UTC()
		return problem(http.StatusUnprocessableEntity, api.ErrorDetail{Code: api.CodeTooEarly, Message: "too early", ComeBackAt: &back})
	case CodeTooLate:
		return problem(http.StatusUnprocessableEntity, api.ErrorDetail{Code: api.CodeTooLate, Message: "too late"})
	case CodeWrongOffice:
		return problem(http.StatusUnprocessableEntity, api.ErrorDetail{Code: api.CodeWrongOffice, Message: "wrong office",
			Office: &api.OfficeRef{ID: "nord", Name: "Bürgerbüro Nord"}})
	case CodeRateLimited:
		return problem(http.StatusTooManyRequests, api.ErrorDetail{Code: api.CodeRateLimited, Message: "slow down", RetryAfter: 30})
	case CodeAlreadyServed:
		return problem(http.StatusConflict, api.ErrorDetail{Code: api.CodeAlreadyServed, Message: "already served"})
	case CodeSeeDesk:
		return problem(http.StatusConflict, api.ErrorDetail{Code: api.CodeSeeDesk, Message: "missed: see the desk"})
	case CodeHubError:
		return problem(http.StatusInternalServerError, api.ErrorDetail{Code: api.CodeInternal, Message: "boom"})
	}
	if strings.HasPrefix(req.Code, "LOTSE:") {
		return problem(http.StatusNotFound, api.ErrorDetail{Code: api.CodeNotFound, Message: "no appointment"})
	}
	return problem(http.StatusBadRequest, api.ErrorDetail{Code: api.CodeInvalid, Message: "not a check-in code"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, d api.ErrorDetail) {
	writeJSON(w, status, api.ErrorBody{Error: d})
}
