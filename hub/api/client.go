package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// Client talks to a hub. Device clients (kiosk, display) set Token; clerk
// clients set User and Password (HTTP Basic). Every call honours its
// context; set a deadline on it, the client adds none of its own.
type Client struct {
	// Base is the hub, e.g. "http://localhost:8080", or a comma-separated
	// list of hubs, the primary first and then its standbys: the client
	// moves on to the next when one cannot be reached (failover.go).
	Base     string
	Token    string // device token: Authorization: Bearer
	User     string // clerk account: HTTP Basic
	Password string
	HTTP     *http.Client // nil means a client with sane transport limits

	current atomic.Int32 // the index in Base's list of the hub in use
}

// NewClient returns a client for the hub at base with a device token.
func NewClient(base, token string) *Client {
	return &Client{Base: base, Token: token}
}

var defaultHTTP = &http.Client{Transport: &http.Transport{
	Proxy:               http.ProxyFromEnvironment,
	DialContext:         dialer.DialContext,
	MaxIdleConnsPerHost: 64,
	IdleConnTimeout:     90 * time.Second,
}}

// Error is an error answer of the hub. Status is the HTTP status.
type Error struct {
	Status int
	ErrorDetail
}

func (e *Error) Error() string {
	return fmt.Sprintf("hub: %d %s: %s", e.Status, e.Code, e.Message)
}

// ErrorCode returns the API error code of err, "unavailable" when the hub
// could not be reached or answered garbage, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeUnavailable
}

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return defaultHTTP
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var payload []byte
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode %s %s: %w", method, path, err)
		}
		payload = b
	}
	return c.failover(ctx, func(base string) error { return c.doAt(ctx, base, method, path, payload, out) })
}

// doAt makes one request to the hub at base.
func (c *Client) doAt(ctx context.Context, base, method, path string, payload []byte, out any) error {
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	c.authorize(req)
	resp, err := c.http().Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		var eb ErrorBody
		if json.Unmarshal(data, &eb) != nil || eb.Error.Code == "" {
			return &Error{Status: resp.StatusCode, ErrorDetail: ErrorDetail{Code: CodeUnavailable, Message: http.StatusText(resp.StatusCode)}}
		}
		return &Error{Status: resp.StatusCode, ErrorDetail: eb.Error}
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
		}
	}
	return nil
}

func (c *Client) authorize(req *http.Request) {
	switch {
	case c.User != "":
		req.SetBasicAuth(c.User, c.Password)
	case c.Token != "":
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
}

func officePath(office string) string { return "/api/v1/offices/" + url.PathEscape(office) }

// Offices lists the offices.
func (c *Client) Offices(ctx context.Context) ([]Office, error) {
	var out []Office
	return out, c.do(ctx, http.MethodGet, "/api/v1/offices", nil, &out)
}

// CheckIn checks in by code or birth date and returns the ticket.
func (c *Client) CheckIn(ctx context.Context, office string, req CheckInRequest) (Ticket, error) {
	var t Ticket
	return t, c.do(ctx, http.MethodPost, officePath(office)+"/checkins", req, &t)
}

// WalkIn draws a walk-in ticket.
func (c *Client) WalkIn(ctx context.Context, office string, req WalkInRequest) (Ticket, error) {
	var t Ticket
	return t, c.do(ctx, http.MethodPost, officePath(office)+"/tickets", req, &t)
}

// Act performs a counter action (clerk auth).
func (c *Client) Act(ctx context.Context, office, counter, action string, req ActionRequest) (ActionResult, error) {
	var r ActionResult
	path := officePath(office) + "/counters/" + url.PathEscape(counter) + "/" + url.PathEscape(action)
	return r, c.do(ctx, http.MethodPost, path, req, &r)
}

// Queue returns the office's current state.
func (c *Client) Queue(ctx context.Context, office string) (Snapshot, error) {
	var s Snapshot
	return s, c.do(ctx, http.MethodGet, officePath(office)+"/queue", nil, &s)
}

// Events returns the events after since (at most 1,000), oldest first.
func (c *Client) Events(ctx context.Context, office string, since int64) ([]Event, error) {
	var out []Event
	return out, c.do(ctx, http.MethodGet, officePath(office)+"/events?since="+strconv.FormatInt(since, 10), nil, &out)
}

// FindAppointments searches the office's appointments of the day by part
// of the name (clerk auth), as the information desk does.
func (c *Client) FindAppointments(ctx context.Context, office, name string) ([]Appointment, error) {
	var out []Appointment
	return out, c.do(ctx, http.MethodGet, officePath(office)+"/appointments?q="+url.QueryEscape(name), nil, &out)
}

// Outbox lists the office's dead letters with the backend's answers
// (clerk auth).
func (c *Client) Outbox(ctx context.Context, office string) (Outbox, error) {
	var o Outbox
	return o, c.do(ctx, http.MethodGet, officePath(office)+"/outbox", nil, &o)
}

// RetryOutbox puts the office's dead letters (reports the booking backend
// refused for good) back into its outbox (clerk auth).
func (c *Client) RetryOutbox(ctx context.Context, office string) (OutboxRetry, error) {
	var r OutboxRetry
	return r, c.do(ctx, http.MethodPost, officePath(office)+"/outbox/retry", nil, &r)
}

// Health returns the hub's health.
func (c *Client) Health(ctx context.Context) (Health, error) {
	var h Health
	return h, c.do(ctx, http.MethodGet, "/healthz", nil, &h)
}

// Message is one message of the stream: a snapshot, an event, a ping or
// (clerks and supervisors only) an emergency call. Exactly one of the
// pointers is set.
type Message struct {
	Snapshot  *Snapshot
	Event     *Event
	Ping      *Ping
	Emergency *Emergency
	Raw       []byte
}

// Seq is the seq the message brings the client to (0 for a ping).
func (m Message) Seq() int64 {
	switch {
	case m.Snapshot != nil:
		return m.Snapshot.Seq
	case m.Event != nil:
		return m.Event.Seq
	}
	return 0
}

// DecodeMessage parses one stream message.
func DecodeMessage(data []byte) (Message, error) {
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return Message{}, fmt.Errorf("stream message: %w", err)
	}
	m := Message{Raw: data}
	var err error
	switch head.Type {
	case TypeSnapshot:
		m.Snapshot = new(Snapshot)
		err = json.Unmarshal(data, m.Snapshot)
	case TypePing:
		m.Ping = new(Ping)
		err = json.Unmarshal(data, m.Ping)
	case TypeEmergency:
		m.Emergency = new(Emergency)
		err = json.Unmarshal(data, m.Emergency)
	default:
		m.Event = new(Event)
		err = json.Unmarshal(data, m.Event)
	}
	if err != nil {
		return Message{}, fmt.Errorf("stream message %q: %w", head.Type, err)
	}
	return m, nil
}

// Stream is an open stream connection. It is not safe for concurrent reads.
type Stream struct {
	conn *websocket.Conn
	// ReadTimeout bounds each Next; the hub sends an event or a ping at
	// least every few seconds, so a longer silence means the connection
	// is dead. Zero means 30 s.
	ReadTimeout time.Duration
}

// StreamURL returns the WebSocket URL of an office's stream.
func (c *Client) StreamURL(office string, since int64) string {
	return streamURL(c.base(), office, since)
}

func streamURL(base, office string, since int64) string {
	u := base + officePath(office) + "/stream"
	u = strings.Replace(u, "http://", "ws://", 1)
	u = strings.Replace(u, "https://", "wss://", 1)
	if since > 0 {
		u += "?since=" + strconv.FormatInt(since, 10)
	}
	return u
}

// Stream opens the office's stream. With since > 0 the hub sends the events
// after since (or a snapshot if they are gone); otherwise a snapshot first.
func (c *Client) Stream(ctx context.Context, office string, since int64) (*Stream, error) {
	h := http.Header{}
	req, _ := http.NewRequest(http.MethodGet, c.base(), nil)
	c.authorize(req)
	if a := req.Header.Get("Authorization"); a != "" {
		h.Set("Authorization", a)
	}
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second, Proxy: http.ProxyFromEnvironment, NetDialContext: dialer.DialContext}
	var conn *websocket.Conn
	var resp *http.Response
	err := c.failover(ctx, func(base string) error {
		var err error
		conn, resp, err = d.DialContext(ctx, streamURL(base, office, since), h)
		return err
	})
	if err != nil {
		if resp != nil {
			defer resp.Body.Close()
			var eb ErrorBody
			if json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&eb) == nil && eb.Error.Code != "" {
				return nil, &Error{Status: resp.StatusCode, ErrorDetail: eb.Error}
			}
		}
		return nil, fmt.Errorf("open stream of %s: %w", office, err)
	}
	return &Stream{conn: conn}, nil
}

// Next reads the next message. A read deadline guards against a silent
// hub.
func (s *Stream) Next() (Message, error) {
	timeout := s.ReadTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	_ = s.conn.SetReadDeadline(time.Now().Add(timeout))
	_, data, err := s.conn.ReadMessage()
	if err != nil {
		return Message{}, fmt.Errorf("read stream: %w", err)
	}
	return DecodeMessage(data)
}

// Close closes the connection.
func (s *Stream) Close() error { return s.conn.Close() }
