package rest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"lotse/hub/booking"
	"lotse/hub/queue"
)

// Client is a booking.Backend that speaks the Lotse booking protocol to one
// booking system. It is safe for concurrent use.
type Client struct {
	// BaseURL is the protocol's root, e.g. "https://termine.example.de/lotse/v1".
	BaseURL string
	// Token is sent as "Authorization: Bearer <token>" when not empty.
	Token string
	// RemoteOffice is the booking system's id of the office; "" means the
	// hub's office id.
	RemoteOffice string
	// Services maps the booking system's service ids to the office's;
	// ids it does not list pass unchanged (and the Syncer leaves out an
	// appointment with a service the office does not know). The key "*"
	// maps every unlisted id.
	Services map[string]string
	// Timeout bounds every call; default 15s.
	Timeout time.Duration
	// HTTP is the client to use; default http.DefaultClient (the Timeout
	// above applies either way).
	HTTP *http.Client

	mu    sync.Mutex
	cache map[string]cachedDay // by office and day
}

type cachedDay struct {
	etag string
	list []booking.Appointment
}

var _ booking.Backend = (*Client)(nil)

// DefaultTimeout bounds a call when Client.Timeout is zero.
const DefaultTimeout = 15 * time.Second

// maxDayBytes bounds a day's answer: 50,000 appointments fit easily.
const maxDayBytes = 64 << 20

// Appointments fetches the office's day. An answer of 304 Not Modified
// returns the list of the last 200 for the same day. Any failure (network,
// timeout, status, malformed JSON, a missing list) is an error: never an
// empty day.
func (c *Client) Appointments(ctx context.Context, office, day string) ([]booking.Appointment, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	u := c.officeURL(office, "appointments") + "?day=" + url.QueryEscape(day)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("rest: appointments: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	key := office + "\x00" + day
	c.mu.Lock()
	cached, haveCache := c.cache[key]
	c.mu.Unlock()
	if haveCache && cached.etag != "" {
		req.Header.Set("If-None-Match", cached.etag)
	}
	resp, err := c.do(req)
	if err != nil {
		return nil, fmt.Errorf("rest: appointments of %s on %s: %w", office, day, err)
	}
	defer drain(resp)
	switch {
	case resp.StatusCode == http.StatusNotModified && haveCache:
		return clone(cached.list), nil
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("rest: appointments of %s on %s: %w", office, day, statusError(resp))
	}
	d, err := decodeDay(io.LimitReader(resp.Body, maxDayBytes))
	if err != nil {
		return nil, fmt.Errorf("rest: appointments of %s on %s: malformed answer: %w", office, day, err)
	}
	if d.Appointments == nil {
		return nil, fmt.Errorf("rest: appointments of %s on %s: answer without an appointments list", office, day)
	}
	if d.Day != "" && d.Day != day {
		return nil, fmt.Errorf("rest: appointments of %s: asked for %s, got %s", office, day, truncate(d.Day, 20))
	}
	list := make([]booking.Appointment, 0, len(*d.Appointments))
	for _, a := range *d.Appointments {
		list = append(list, c.convert(a.wire()))
	}
	c.mu.Lock()
	if c.cache == nil {
		c.cache = map[string]cachedDay{}
	}
	// Only today's and maybe tomorrow's days are ever asked for; forget
	// the others so that the cache stays small over months.
	for k := range c.cache {
		if !strings.HasPrefix(k, office+"\x00") || k == key {
			continue
		}
		delete(c.cache, k)
	}
	c.cache[key] = cachedDay{etag: resp.Header.Get("ETag"), list: list}
	c.mu.Unlock()
	return clone(list), nil
}

// decodeDay reads the answer to the fetch of a day. A big day is tens of
// megabytes; encoding/json/v2's decoder (the module that becomes it)
// reads it in a third of the time of encoding/json, with the options
// that keep encoding/json's reading: names in any case, a name twice
// (the last wins), invalid UTF-8 replaced. Only the first JSON value is
// read, as with json.Decoder.
func decodeDay(r io.Reader) (dayAnswer, error) {
	var d dayAnswer
	dec := jsontext.NewDecoder(r, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	err := jsonv2.UnmarshalDecode(dec, &d, jsonv2.MatchCaseInsensitiveNames(true))
	return d, err
}

// dayAnswer is Day as the client decodes it. Its services have no
// UnmarshalJSON: Service's runs a nested json.Unmarshal per booked
// service, a quarter of the decode of a big day.
type dayAnswer struct {
	Day          string               `json:"day"`
	Appointments *[]appointmentAnswer `json:"appointments"`
}

// appointmentAnswer is Appointment as the client decodes it.
type appointmentAnswer struct {
	ID        string          `json:"id"`
	Start     time.Time       `json:"start"`
	Minutes   int             `json:"minutes"`
	Services  []serviceAnswer `json:"services"`
	Secret    string          `json:"secret"`
	BirthDate string          `json:"birthDate"`
	Name      string          `json:"name"`
	Cancelled bool            `json:"cancelled"`
}

// serviceAnswer is Service as the client decodes it: Count is nil when
// the answer has none.
type serviceAnswer struct {
	ID    string `json:"id"`
	Count *int   `json:"count"`
}

// wire is the Appointment the answer carries, read as Service's
// UnmarshalJSON reads it: an omitted count is 1.
func (a appointmentAnswer) wire() Appointment {
	out := Appointment{ID: a.ID, Start: a.Start, Minutes: a.Minutes, Secret: a.Secret, BirthDate: a.BirthDate, Name: a.Name,
		Cancelled: a.Cancelled}
	if a.Services != nil {
		out.Services = make([]Service, len(a.Services))
		for i, s := range a.Services {
			out.Services[i] = Service{ID: s.ID, Count: 1}
			if s.Count != nil {
				out.Services[i].Count = *s.Count
			}
		}
	}
	return out
}

// convert maps a wire appointment to the booking's, services through the
// configured mapping. Validation is the Syncer's job.
func (c *Client) convert(a Appointment) booking.Appointment {
	out := booking.Appointment{
		ID: a.ID, Start: a.Start, Duration: time.Duration(a.Minutes) * time.Minute,
		Secret: a.Secret, BirthDate: a.BirthDate, Name: a.Name, Cancelled: a.Cancelled,
	}
	for _, s := range a.Services {
		out.Services = append(out.Services, queue.ServiceCount{Service: c.service(booking.CleanText(s.ID)), Count: s.Count})
	}
	if len(a.Services) == 0 {
		// A booking without a service: the office's catch-all, if it has
		// one; otherwise the Syncer's fallback service.
		if ours, ok := c.Services["*"]; ok {
			out.Services = []queue.ServiceCount{{Service: ours, Count: 1}}
		}
	}
	return out
}

func (c *Client) service(theirs string) string {
	if ours, ok := c.Services[theirs]; ok {
		return ours
	}
	if ours, ok := c.Services["*"]; ok {
		return ours
	}
	return theirs
}

// Report posts one status report. The Idempotency-Key is stable across
// retries of the same report. 200 or 201 with a receipt ({"status":
// "recorded"} or "duplicate") means the backend has it; 401, 408, 429,
// 5xx and anything else are retried; any other 4xx is a permanent
// rejection.
func (c *Client) Report(ctx context.Context, r booking.Report) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	body, err := json.Marshal(Report{ID: IdempotencyKey(r), Appointment: r.Appointment, Kind: string(r.Kind), At: r.At.UTC(),
		Ticket: r.Ticket, Counter: r.Counter})
	if err != nil {
		return fmt.Errorf("rest: report %d: %w", r.ID, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.officeURL(r.Office, "reports"), bytes.NewReader(body))
	if err != nil {
		return booking.Permanent(fmt.Errorf("rest: report %d: %w", r.ID, err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(IdempotencyHeader, IdempotencyKey(r))
	resp, err := c.do(req)
	if err != nil {
		return fmt.Errorf("rest: report %d: %w", r.ID, err)
	}
	defer drain(resp)
	if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusCreated {
		// A proxy's or portal's page with status 200 is no receipt:
		// only the backend's own answer says it has the report.
		var ack Ack
		if err := json.NewDecoder(io.LimitReader(resp.Body, 4<<10)).Decode(&ack); err != nil || (ack.Status != AckRecorded && ack.Status != AckDuplicate) {
			return fmt.Errorf("rest: report %d: HTTP %d without a receipt", r.ID, resp.StatusCode)
		}
		return nil
	}
	err = fmt.Errorf("rest: report %d: %w", r.ID, statusError(resp))
	if Permanent(resp.StatusCode) {
		return booking.Permanent(err)
	}
	return err
}

// Permanent reports whether a report answered with status can never
// succeed: a 4xx other than 408 Request Timeout, 429 Too Many Requests and
// 401 Unauthorized. A 401 says the hub's credential is wrong or expired,
// not that the report is: dropping every report until someone fixes the
// token would lose a day's worth, so those are retried.
func Permanent(status int) bool {
	switch status {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusUnauthorized:
		return false
	}
	return status >= 400 && status < 500
}

// IdempotencyKey is the key of a report: the outbox id, which never
// changes across retries, and a digest of what the report says, so that a
// hub whose database was set up anew (ids restart at 1) cannot collide
// with its former reports.
func IdempotencyKey(r booking.Report) string {
	h := sha256.New()
	var at [8]byte
	binary.BigEndian.PutUint64(at[:], uint64(r.At.UnixNano()))
	for _, s := range []string{r.Office, r.Appointment, string(r.Kind)} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	h.Write(at[:])
	return fmt.Sprintf("%d-%s", r.ID, hex.EncodeToString(h.Sum(nil)[:8]))
}

func (c *Client) do(req *http.Request) (*http.Response, error) {
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	req.Header.Set("User-Agent", "lotse-hub")
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	return hc.Do(req)
}

func (c *Client) officeURL(office, what string) string {
	if c.RemoteOffice != "" {
		office = c.RemoteOffice
	}
	return strings.TrimRight(c.BaseURL, "/") + "/offices/" + url.PathEscape(office) + "/" + what
}

func (c *Client) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

// statusError describes an unexpected status. Of the body it keeps only
// the message of a JSON error answer, bounded and cleaned, for the dead
// letters: a booking system's HTML error page may carry personal data and
// is never read.
func statusError(resp *http.Response) error {
	return ReadStatusError(resp)
}

// maxMessage bounds the backend's message kept in a StatusError.
const maxMessage = 200

// ReadStatusError reads an unexpected answer: its status and, from a JSON
// body, the backend's error message: {"error":{"code":…,"message":…}},
// {"error":"…"}, {"message":…} or zmsapi's {"meta":{"message":…,
// "exception":…}}.
func ReadStatusError(resp *http.Response) *StatusError {
	e := &StatusError{Code: resp.StatusCode}
	if !strings.Contains(resp.Header.Get("Content-Type"), "json") {
		return e
	}
	var body struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Meta    struct {
			Message   string `json:"message"`
			Exception string `json:"exception"`
		} `json:"meta"`
	}
	if json.NewDecoder(io.LimitReader(resp.Body, 16<<10)).Decode(&body) != nil {
		return e
	}
	var nested struct{ Code, Message string }
	var flat string
	switch {
	case json.Unmarshal(body.Error, &nested) == nil && (nested.Message != "" || nested.Code != ""):
		e.Message = strings.TrimPrefix(nested.Code+": "+nested.Message, ": ")
	case json.Unmarshal(body.Error, &flat) == nil && flat != "":
		e.Message = flat
	case body.Message != "":
		e.Message = body.Message
	case body.Meta.Message != "" || body.Meta.Exception != "":
		e.Message = strings.TrimSuffix(body.Meta.Exception+": "+body.Meta.Message, ": ")
		e.Message = strings.TrimPrefix(e.Message, ": ")
	}
	e.Message = truncate(booking.CleanText(e.Message), maxMessage)
	return e
}

// StatusError is an unexpected HTTP status from the booking system, with
// the message of its JSON error answer, if any.
type StatusError struct {
	Code    int
	Message string
}

func (e *StatusError) Error() string {
	if e.Message != "" {
		return fmt.Sprintf("HTTP %d %s: %s", e.Code, http.StatusText(e.Code), e.Message)
	}
	return fmt.Sprintf("HTTP %d %s", e.Code, http.StatusText(e.Code))
}

// drain reads a little of what is left so that the connection can be
// reused, and closes the body.
func drain(resp *http.Response) {
	_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
	resp.Body.Close()
}

func clone(list []booking.Appointment) []booking.Appointment {
	out := make([]booking.Appointment, len(list))
	for i, a := range list {
		a.Services = append([]queue.ServiceCount(nil), a.Services...)
		out[i] = a
	}
	return out
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
