package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"lotse/hub/api"
	"lotse/hub/queue"
)

// Error codes that only the HTTP layer produces (the domain never returns
// them): who may call, how often, and which office an appointment is at.
const (
	codeUnauthorized queue.Code = "unauthorized" // 401: no or wrong credentials
	codeRateLimited  queue.Code = "rate_limited" // 429: too many tries; Retry-After says when
	codeWrongOffice  queue.Code = "wrong_office" // 422: the appointment is at another office of this hub
)

var statusOf = map[queue.Code]int{
	queue.NotFound:      http.StatusNotFound,
	queue.Conflict:      http.StatusConflict,
	queue.Invalid:       http.StatusUnprocessableEntity,
	codeUnauthorized:    http.StatusUnauthorized,
	queue.TooEarly:      http.StatusUnprocessableEntity,
	queue.TooLate:       http.StatusUnprocessableEntity,
	queue.AlreadyServed: http.StatusConflict,
	queue.SeeDesk:       http.StatusConflict,
	queue.WalkInsFull:   http.StatusConflict,
	codeNoPrinter:       http.StatusConflict,
	codeWrongOffice:     http.StatusUnprocessableEntity,
	codeRateLimited:     http.StatusTooManyRequests,
	queue.Unavailable:   http.StatusServiceUnavailable,
	queue.Internal:      http.StatusInternalServerError,
	// Access control (auth.go).
	codeForbidden:    http.StatusForbidden,
	codeCounterInUse: http.StatusConflict,
	codeTakenOver:    http.StatusUnauthorized,
	codeEnded:        http.StatusUnauthorized,

	queue.CurrentNotStarted: http.StatusConflict,
	codeTooLarge:            http.StatusRequestEntityTooLarge,

	codeDirectoryDown: http.StatusServiceUnavailable, // external.go
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers with {"error":{...}}. Internal errors are logged and
// answered without their details.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := queue.ErrorCode(err)
	var qe *queue.Error
	detail := api.ErrorDetail{Code: string(code), Message: err.Error()}
	if errors.As(err, &qe) {
		detail.Message = qe.Message
		if !qe.ComeBackAt.IsZero() {
			t := qe.ComeBackAt
			detail.ComeBackAt = &t
		}
		if qe.Office != "" {
			if o, ok := s.offices[qe.Office]; ok {
				detail.Office = &api.OfficeRef{ID: o.office.ID, Name: o.office.Name}
			}
		}
		if len(qe.Choices) > 0 {
			if o, ok := s.offices[r.PathValue("office")]; ok {
				detail.Choices = o.convert.choices(qe.Choices)
			}
		}
	}
	status := statusOf[code]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if status >= 500 {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		if code == queue.Internal {
			detail.Message = "internal error"
		}
	}
	if code == codeRateLimited {
		if ra := retryAfter(err); ra > 0 {
			detail.RetryAfter = int(ra.Seconds() + 0.999)
			w.Header().Set("Retry-After", strconv.Itoa(detail.RetryAfter))
		}
	}
	writeJSON(w, status, api.ErrorBody{Error: detail})
}

// rateLimitError is a rate_limited error that knows when to retry.
type rateLimitError struct {
	err  *queue.Error
	wait time.Duration
}

func (e rateLimitError) Error() string { return e.err.Error() }
func (e rateLimitError) Unwrap() error { return e.err }

func retryAfter(err error) time.Duration {
	var rl rateLimitError
	if errors.As(err, &rl) {
		return rl.wait
	}
	return 0
}

// decode reads a JSON body of at most 64 KiB.
func decode(r *http.Request, v any) error {
	if r.Body == nil || r.ContentLength == 0 {
		return nil
	}
	const limit = 64 << 10
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, limit))
	err := dec.Decode(v)
	var tooLarge *http.MaxBytesError
	switch {
	case err == nil, errors.Is(err, io.EOF):
		return nil
	case r.ContentLength > limit, errors.As(err, &tooLarge):
		return &queue.Error{Code: codeTooLarge, Message: fmt.Sprintf("the request body is larger than %d KiB", limit>>10), Err: err}
	default:
		return &queue.Error{Code: queue.Invalid, Message: "the request body is not valid JSON", Err: err}
	}
}
