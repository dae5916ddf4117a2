// Package zms is the adapter for ZMS, the open-source appointment system
// of Berlin and Munich (github.com/it-at-m/eappointment). It pulls a
// scope's ("Standort") processes of the day from zmsapi and reports
// arrivals and finished services back through ZMS's own status calls.
//
// Mapping (zmsentities/schema/process.json):
//
//	id                       → appointment id (the "process" of change links)
//	authKey                  → check-in secret (the "authKey" of change links)
//	appointments[0].date     → start (unix seconds)
//	appointments[0].slotCount × availability.slotTimeInMinutes → duration
//	requests[].id            → services, through the office's mapping
//	clients[0].familyName    → name; the number of clients → persons
//	status "deleted"         → cancelled
//
// ZMS keeps no birth dates: ZMS offices check in by QR code (the change
// link of the confirmation mail, "…?process=<id>&authKey=<key>") or at the
// desk.
package zms

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"lotse/hub/booking"
	"lotse/hub/booking/rest"
	"lotse/hub/queue"
)

// Client is a booking.Backend for one ZMS scope. It is safe for concurrent
// use.
type Client struct {
	// BaseURL is zmsapi's root, e.g. "https://zms.example.de/terminvereinbarung/api/2".
	BaseURL string
	// AuthKey is the X-Authkey of the ZMS workstation login the hub uses.
	AuthKey string
	// Scope is the ZMS scope id of the office.
	Scope int
	// Services maps ZMS request ids to the office's service ids; "*"
	// catches every unlisted one.
	Services map[string]string
	// Timeout bounds every call; default 15s.
	Timeout time.Duration
	HTTP    *http.Client // default http.DefaultClient
	// Location is the office's time zone, which decides on which day a
	// process is dated; default Europe/Berlin, where every ZMS runs.
	Location *time.Location

	mu        sync.Mutex
	processes map[string]json.RawMessage // the last fetched day, by id: reports echo them
}

var _ booking.Backend = (*Client)(nil)

// maxDayBytes bounds a day's answer; ZMS processes are verbose.
const maxDayBytes = 128 << 20

// envelope is zmsapi's answer: {"meta":{...},"data":...}.
type envelope struct {
	Meta struct {
		Error   bool   `json:"error"`
		Message string `json:"message"`
	} `json:"meta"`
	Data json.RawMessage `json:"data"`
}

// process is the part of zmsentities' process the hub uses.
type process struct {
	ID           flexString `json:"id"`
	AuthKey      *string    `json:"authKey"`
	Status       string     `json:"status"`
	LastChange   flexInt    `json:"lastChange"`
	Appointments []struct {
		Date         flexInt `json:"date"`
		SlotCount    flexInt `json:"slotCount"`
		Availability *struct {
			SlotTimeInMinutes flexInt `json:"slotTimeInMinutes"`
		} `json:"availability"`
	} `json:"appointments"`
	Requests []struct {
		ID   flexString `json:"id"`
		Name string     `json:"name"`
	} `json:"requests"`
	Clients []struct {
		FamilyName *string `json:"familyName"`
	} `json:"clients"`
	Queue *struct {
		WithAppointment flexInt `json:"withAppointment"`
	} `json:"queue"`
}

// Appointments fetches GET /scope/{scope}/process/{day}/. Any failure,
// including an answer that is no process list, is an error.
func (c *Client) Appointments(ctx context.Context, office, day string) ([]booking.Appointment, error) {
	if _, err := time.Parse(queue.DayFormat, day); err != nil {
		return nil, fmt.Errorf("zms: day %q: %w", day, err)
	}
	var env envelope
	if err := c.call(ctx, http.MethodGet, fmt.Sprintf("/scope/%d/process/%s/", c.Scope, day), nil, &env); err != nil {
		return nil, fmt.Errorf("zms: processes of scope %d on %s: %w", c.Scope, day, err)
	}
	raws, err := processList(env.Data)
	if err != nil {
		return nil, fmt.Errorf("zms: processes of scope %d on %s: %w", c.Scope, day, err)
	}
	// A day list can hold the same process more than once (a moved
	// appointment, PHP's list of both slots). The choice must not depend
	// on the order of the answer: see prefer.
	var order []string
	chosen := make(map[string]entry, len(raws))
	for _, raw := range raws {
		var p process
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, fmt.Errorf("zms: processes of scope %d on %s: malformed process: %w", c.Scope, day, err)
		}
		a, ok := c.convert(p)
		if !ok {
			continue
		}
		e := entry{a: a, raw: raw, lastChange: int64(p.LastChange), onDay: a.Start.In(c.location()).Format(queue.DayFormat) == day}
		old, seen := chosen[a.ID]
		if !seen {
			order = append(order, a.ID)
		}
		if !seen || e.prefer(old) {
			chosen[a.ID] = e
		}
	}
	list := make([]booking.Appointment, 0, len(order))
	byID := make(map[string]json.RawMessage, len(order))
	for _, id := range order {
		list = append(list, chosen[id].a)
		byID[id] = chosen[id].raw
	}
	c.mu.Lock()
	c.processes = byID
	c.mu.Unlock()
	return list, nil
}

// entry is one process of a day list, converted.
type entry struct {
	a          booking.Appointment
	raw        json.RawMessage
	lastChange int64
	onDay      bool // dated on the requested day
}

// prefer reports whether e wins over other, an entry with the same id:
// the one dated on the requested day, else the newest (last changed, then
// latest start); byte order of the JSON settles the rest, so that the
// same answer in any order gives the same choice.
func (e entry) prefer(other entry) bool {
	switch {
	case e.onDay != other.onDay:
		return e.onDay
	case e.lastChange != other.lastChange:
		return e.lastChange > other.lastChange
	case !e.a.Start.Equal(other.a.Start):
		return e.a.Start.After(other.a.Start)
	}
	return bytes.Compare(e.raw, other.raw) > 0
}

func (c *Client) location() *time.Location {
	if c.Location != nil {
		return c.Location
	}
	return defaultZone
}

// defaultZone is Europe/Berlin. Without time zone data on the system it
// is a fixed CET: right for every office hour, off by one hour only
// around midnight in summer.
var defaultZone = func() *time.Location {
	if loc, err := time.LoadLocation("Europe/Berlin"); err == nil {
		return loc
	}
	return time.FixedZone("CET", 3600)
}()

// processList accepts data as a JSON array or, as PHP sometimes encodes a
// list with gaps, as an object of processes. Anything else is an error:
// never an empty day.
func processList(data json.RawMessage) ([]json.RawMessage, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || bytes.Equal(data, []byte("null")) {
		return nil, fmt.Errorf("answer without data")
	}
	var list []json.RawMessage
	if data[0] == '[' {
		if err := json.Unmarshal(data, &list); err != nil {
			return nil, fmt.Errorf("malformed data: %w", err)
		}
		return list, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return nil, fmt.Errorf("data is no process list: %w", err)
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	// Numeric keys in numeric order: the list as PHP had it.
	slices.SortFunc(keys, func(a, b string) int { return cmp.Or(cmp.Compare(len(a), len(b)), strings.Compare(a, b)) })
	for _, k := range keys {
		list = append(list, obj[k])
	}
	return list, nil
}

// statuses of processes that are bookings someone may come for.
var booked = map[string]bool{
	"confirmed": true, "queued": true, "called": true, "processing": true,
	"pending": true, "finished": true, "missed": true, "parked": true,
}

// convert maps a process; ok is false for processes that are no booking
// (free or reserved slots, blocked ids, walk-ins without appointment).
func (c *Client) convert(p process) (booking.Appointment, bool) {
	cancelled := p.Status == "deleted"
	if !booked[p.Status] && !cancelled {
		return booking.Appointment{}, false
	}
	if len(p.Appointments) == 0 || p.Appointments[0].Date <= 0 {
		if cancelled || p.Queue == nil || p.Queue.WithAppointment == 0 {
			// A walk-in of ZMS's own queue: no booking.
			return booking.Appointment{}, false
		}
		// A booking without a date: handed on so that the Syncer's
		// refusal is counted and shown, not silently lost here.
		return booking.Appointment{ID: string(p.ID)}, true
	}
	ap := p.Appointments[0]
	a := booking.Appointment{ID: string(p.ID), Start: time.Unix(int64(ap.Date), 0), Cancelled: cancelled}
	if p.AuthKey != nil {
		a.Secret = *p.AuthKey
	}
	if ap.Availability != nil && ap.SlotCount > 0 && ap.Availability.SlotTimeInMinutes > 0 {
		a.Duration = time.Duration(int(ap.SlotCount)*int(ap.Availability.SlotTimeInMinutes)) * time.Minute
	}
	if len(p.Clients) > 0 && p.Clients[0].FamilyName != nil {
		a.Name = *p.Clients[0].FamilyName
	}
	persons := max(len(p.Clients), 1)
	counts := map[string]int{}
	var order []string
	for _, r := range p.Requests {
		svc, ok := c.service(booking.CleanText(string(r.ID)))
		if !ok {
			continue
		}
		if counts[svc] == 0 {
			order = append(order, svc)
		}
		counts[svc]++
	}
	switch {
	case len(order) == 0 && len(p.Requests) > 0:
		// Nothing maps: hand on the first id; the Syncer maps it to the
		// office's fallback service and counts the repair.
		id := booking.CleanText(string(p.Requests[0].ID))
		order, counts = []string{id}, map[string]int{id: 1}
	case len(p.Requests) == 0:
		// A booking without a request: the office's catch-all, if it
		// has one; otherwise the Syncer's fallback service.
		if ours, ok := c.Services["*"]; ok {
			order, counts = []string{ours}, map[string]int{ours: 1}
		}
	}
	for _, svc := range order {
		a.Services = append(a.Services, queue.ServiceCount{Service: svc, Count: max(counts[svc], persons)})
	}
	return a, true
}

// service maps a ZMS request id; ok is false for an id the mapping leaves
// out while mapping others.
func (c *Client) service(theirs string) (string, bool) {
	if len(c.Services) == 0 {
		return theirs, true
	}
	if ours, ok := c.Services[theirs]; ok {
		return ours, true
	}
	if ours, ok := c.Services["*"]; ok {
		return ours, true
	}
	return "", false
}

// Report tells ZMS what happened:
//
//   - arrived → POST /process/status/queued/ with queue.arrivalTime: the
//     process enters ZMS's waiting queue as arrived, as when the front
//     desk registers an appointment customer;
//   - served → POST /process/status/finished/ with status "finished":
//     ZMS archives the process for its statistics;
//   - called, noshow and cancelled are not sent: calls happen in Lotse,
//     ZMS marks appointments nobody arrived for itself at the end of the
//     day, and a cancellation at the desk must not delete the booking
//     (and mail the citizen) behind the clerk's back.
//
// Both carry what zmsapi validates (see validate): scope.id and the
// current arrival time. A process the client has not seen in the day's
// list is fetched with GET /process/{id}/ first, for its authKey.
func (c *Client) Report(ctx context.Context, r booking.Report) error {
	var path, status string
	switch r.Kind {
	case queue.ReportArrived:
		path = "/process/status/queued/"
	case queue.ReportServed:
		path, status = "/process/status/finished/", "finished"
	default:
		return nil
	}
	raw, err := c.processJSON(ctx, r.Appointment)
	if err != nil {
		return fmt.Errorf("zms: report %d (%s): %w", r.ID, r.Kind, err)
	}
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		return booking.Permanent(fmt.Errorf("zms: report %d: stored process unreadable: %w", r.ID, err))
	}
	if status != "" {
		body["status"] = status
	}
	c.validate(body, r)
	var env envelope
	if err := c.call(ctx, http.MethodPost, path, body, &env); err != nil {
		err = fmt.Errorf("zms: report %d (%s): %w", r.ID, r.Kind, err)
		var se *rest.StatusError
		if errors.As(err, &se) && rest.Permanent(se.Code) {
			return booking.Permanent(err)
		}
		return err
	}
	return nil
}

// validate makes body pass zmsapi's own validation of a process: it must
// name its scope (scope.id) and carry the current arrival time. The
// process was fetched before the person arrived, so its queue.arrivalTime
// is 0 or stale: the arrival the hub knows replaces it (the report's time
// for an arrival, the ticket's arrival for a later report). Only when the
// hub knows none (a report written before it recorded arrivals) does the
// process keep a non-zero time of its own, or else get the report's time.
func (c *Client) validate(body map[string]any, r booking.Report) {
	arrival := r.Arrived
	if r.Kind == queue.ReportArrived {
		arrival = r.At
	}
	q, _ := body["queue"].(map[string]any)
	if q == nil {
		q = map[string]any{}
	}
	switch {
	case !arrival.IsZero():
		q["arrivalTime"] = arrival.Unix()
	case positive(q["arrivalTime"]):
	default:
		q["arrivalTime"] = r.At.Unix()
	}
	body["queue"] = q
	scope, _ := body["scope"].(map[string]any)
	if scope == nil {
		scope = map[string]any{}
	}
	if !positive(scope["id"]) {
		scope["id"] = c.Scope
	}
	body["scope"] = scope
}

// positive reports whether a JSON value is a number (or numeric string)
// above zero.
func positive(v any) bool {
	switch n := v.(type) {
	case float64:
		return n > 0
	case string:
		f, err := strconv.ParseFloat(n, 64)
		return err == nil && f > 0
	}
	return false
}

// processJSON returns the process as last fetched, or asks ZMS for it.
func (c *Client) processJSON(ctx context.Context, id string) (json.RawMessage, error) {
	c.mu.Lock()
	raw, ok := c.processes[id]
	c.mu.Unlock()
	if ok {
		return raw, nil
	}
	if _, err := strconv.ParseUint(id, 10, 64); err != nil {
		return nil, booking.Permanent(fmt.Errorf("%q is no ZMS process id", id))
	}
	var env envelope
	if err := c.call(ctx, http.MethodGet, "/process/"+id+"/", nil, &env); err != nil {
		var se *rest.StatusError
		if errors.As(err, &se) && rest.Permanent(se.Code) {
			return nil, booking.Permanent(err)
		}
		return nil, err
	}
	data := bytes.TrimSpace(env.Data)
	if len(data) == 0 || data[0] != '{' {
		return nil, fmt.Errorf("process %s: answer without a process", id)
	}
	return data, nil
}

// call does one zmsapi request with the X-Authkey and decodes the envelope.
func (c *Client) call(ctx context.Context, method, path string, body any, out *envelope) error {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = rest.DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.BaseURL, "/")+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("X-Authkey", c.AuthKey)
	req.Header.Set("User-Agent", "lotse-hub")
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer func() {
		_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
		resp.Body.Close()
	}()
	if resp.StatusCode != http.StatusOK {
		return rest.ReadStatusError(resp)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxDayBytes)).Decode(out); err != nil {
		return fmt.Errorf("malformed answer: %w", err)
	}
	if out.Meta.Error {
		return fmt.Errorf("zmsapi reports an error: %s", truncate(booking.CleanText(out.Meta.Message), 200))
	}
	return nil
}

// flexString is a JSON string or number, as ZMS sends ids either way.
type flexString string

// UnmarshalJSON accepts "123", 123 and null.
func (s *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*s = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = flexString(v)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("id: %w", err)
	}
	*s = flexString(n.String())
	return nil
}

// flexInt is a JSON number or numeric string (unix timestamps, counts).
type flexInt int64

// UnmarshalJSON accepts 1447869171, "1447869171", "" and null.
func (n *flexInt) UnmarshalJSON(b []byte) error {
	var s flexString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	if s == "" {
		*n = 0
		return nil
	}
	v, err := strconv.ParseFloat(string(s), 64)
	if err != nil {
		return fmt.Errorf("number %q: %w", truncate(string(s), 20), err)
	}
	*n = flexInt(v)
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
