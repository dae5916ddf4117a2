package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"lotse/hub/api"
)

// TestOversizedBodyIsTooLarge: a body beyond the 64 KiB every JSON request
// may have is answered 413 too_large, as the error table says, not as
// JSON that does not parse, whether the client announced its length or
// not.
func TestOversizedBodyIsTooLarge(t *testing.T) {
	h := newTestHub(t)
	body := `{"service":"` + strings.Repeat("x", 100<<10) + `"}`
	for _, announced := range []bool{true, false} {
		req, err := http.NewRequest("POST", h.URL+"/api/v1/offices/"+h.Offices[0].ID+"/tickets", bytes.NewReader([]byte(body)))
		if err != nil {
			t.Fatal(err)
		}
		if !announced {
			req.ContentLength = -1 // chunked
		}
		req.Header.Set("Authorization", "Bearer demo")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e api.ErrorBody
		json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || e.Error.Code != api.CodeTooLarge {
			t.Errorf("length announced %v: %d %+v, want 413 %s", announced, resp.StatusCode, e.Error, api.CodeTooLarge)
		}
	}
}
