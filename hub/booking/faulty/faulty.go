// Package faulty is a fault-injecting booking backend for tests: an
// http.Handler in front of a real protocol server (usually the reference
// server) that fails the way booking systems fail in practice: down,
// 500s, hanging, slow, malformed or truncated JSON, an HTML error page
// with status 200, answers that get lost after the work was done, and a
// refusal for good (4xx).
package faulty

import (
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Mode is how the handler answers.
type Mode int

// The modes.
const (
	Pass        Mode = iota // hand the request to Next
	Unavailable             // 503 Service Unavailable
	ServerError             // 500 Internal Server Error
	Hang                    // never answer (until the client gives up)
	Slow                    // wait Delay, then Pass
	Malformed               // 200 with truncated JSON
	NullList                // 200 with {"appointments":null}
	HTMLPage                // 200 with an HTML error page of a proxy
	LoseAnswer              // Pass, but answer 502 instead of Next's answer
	Reset                   // close the connection without an answer
	Refuse                  // 422 with a JSON error: the request is refused for good
)

// maxHang bounds how long Hang holds a request.
const maxHang = 30 * time.Second

// Handler injects faults in front of Next.
type Handler struct {
	Next  http.Handler
	Delay time.Duration // for Slow
	// Decide, when set, picks the mode per request (e.g. by a fake clock);
	// otherwise the mode of Set applies.
	Decide func(r *http.Request) Mode

	mode     atomic.Int64
	mu       sync.Mutex
	requests map[Mode]int
}

// Set changes the mode for the following requests.
func (h *Handler) Set(m Mode) { h.mode.Store(int64(m)) }

// Count returns how many requests were answered in mode m.
func (h *Handler) Count(m Mode) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.requests[m]
}

// ServeHTTP answers according to the mode.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m := Mode(h.mode.Load())
	if h.Decide != nil {
		m = h.Decide(r)
	}
	h.mu.Lock()
	if h.requests == nil {
		h.requests = map[Mode]int{}
	}
	h.requests[m]++
	h.mu.Unlock()
	switch m {
	case Pass:
		h.Next.ServeHTTP(w, r)
	case Unavailable:
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
	case ServerError:
		http.Error(w, "Fatal error: Uncaught PDOException", http.StatusInternalServerError)
	case Hang:
		// Read the body first: the server notices a client that gave up
		// only once the body is consumed. The cap keeps a test whose
		// client never gives up from hanging forever.
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-time.After(maxHang):
		}
	case Slow:
		select {
		case <-time.After(h.Delay):
			h.Next.ServeHTTP(w, r)
		case <-r.Context().Done():
		}
	case Malformed:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"office":"x","appointments":[{"id":"A-1","start":"2026-`))
	case NullList:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"office":"x","appointments":null}`))
	case HTMLPage:
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html><body><h1>Wartungsarbeiten</h1></body></html>"))
	case Refuse:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		_, _ = w.Write([]byte(`{"error":{"code":"invalid","message":"appointment not in this scope"}}`))
	case LoseAnswer:
		h.Next.ServeHTTP(discard{header: http.Header{}}, r)
		http.Error(w, "bad gateway", http.StatusBadGateway)
	case Reset:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		http.Error(w, "reset", http.StatusBadGateway)
	}
}

// discard is a ResponseWriter that forgets the answer.
type discard struct{ header http.Header }

func (d discard) Header() http.Header         { return d.header }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}
