package server

import (
	"net/http"
	"testing"

	"lotse/hub/api"
	"lotse/hub/queue"
)

// TestErrorCodesAreTheAPIs: every code the hub answers with, the domain's
// and the HTTP layer's own, is spelled as hub/api declares it for the
// clients and has its status.
func TestErrorCodesAreTheAPIs(t *testing.T) {
	codes := []struct {
		code   queue.Code
		api    string
		status int
	}{
		{queue.NotFound, api.CodeNotFound, http.StatusNotFound},
		{queue.Conflict, api.CodeConflict, http.StatusConflict},
		{queue.Invalid, api.CodeInvalid, http.StatusUnprocessableEntity},
		{queue.TooEarly, api.CodeTooEarly, http.StatusUnprocessableEntity},
		{queue.TooLate, api.CodeTooLate, http.StatusUnprocessableEntity},
		{queue.Unavailable, api.CodeUnavailable, http.StatusServiceUnavailable},
		{queue.Internal, api.CodeInternal, http.StatusInternalServerError},
		{queue.CurrentNotStarted, api.CodeCurrentNotStarted, http.StatusConflict},
		{queue.AlreadyServed, api.CodeAlreadyServed, http.StatusConflict},
		{queue.SeeDesk, api.CodeSeeDesk, http.StatusConflict},
		{queue.WalkInsFull, api.CodeWalkInsFull, http.StatusConflict},
		{codeNoPrinter, api.CodeNoPrinter, http.StatusConflict},
		{codeUnauthorized, api.CodeUnauthorized, http.StatusUnauthorized},
		{codeRateLimited, api.CodeRateLimited, http.StatusTooManyRequests},
		{codeWrongOffice, api.CodeWrongOffice, http.StatusUnprocessableEntity},
		{codeForbidden, api.CodeForbidden, http.StatusForbidden},
		{codeCounterInUse, api.CodeCounterInUse, http.StatusConflict},
		{codeTakenOver, api.CodeSessionTakenOver, http.StatusUnauthorized},
		{codeEnded, api.CodeSessionEnded, http.StatusUnauthorized},
		{codeBadRequest, api.CodeBadRequest, http.StatusBadRequest},
		{codeTooLarge, api.CodeTooLarge, http.StatusRequestEntityTooLarge},
		{codeDirectoryDown, api.CodeDirectoryUnavailable, http.StatusServiceUnavailable},
	}
	for _, c := range codes {
		if string(c.code) != c.api {
			t.Errorf("code %q, the API says %q", c.code, c.api)
		}
		if got := statusOf[c.code]; got != c.status {
			t.Errorf("%s answers %d, want %d", c.code, got, c.status)
		}
	}
	if len(statusOf) != len(codes) {
		t.Errorf("statusOf maps %d codes; list the new ones here", len(statusOf))
	}
}
