package instance_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"lotse/hub/api"
)

func TestSessionCookieNeedsCSRFToken(t *testing.T) {
	h := startHub(t, "", nil)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	post := func(path, body string, header map[string]string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, h.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	if r := post("/api/v1/session", `{"user":"demo","password":"wrong","office":"`+mitte+`","counter":"schalter-1"}`, nil); r.StatusCode != 401 {
		t.Fatalf("wrong password: %d", r.StatusCode)
	}
	r := post("/api/v1/session", `{"user":"demo","password":"demo","office":"`+mitte+`","counter":"schalter-1"}`, nil)
	if r.StatusCode != 200 {
		t.Fatalf("login: %d", r.StatusCode)
	}
	var sess api.Session
	if err := json.NewDecoder(r.Body).Decode(&sess); err != nil || sess.CSRF == "" {
		t.Fatalf("session = %+v, %v", sess, err)
	}
	for _, ck := range r.Cookies() {
		if ck.Name == "lotse_session" && (!ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode) {
			t.Fatalf("session cookie must be HttpOnly and SameSite=Strict: %+v", ck)
		}
	}
	action := "/api/v1/offices/" + mitte + "/counters/schalter-1/pause"
	tests := []struct {
		name   string
		header map[string]string
		want   int
	}{
		{"no CSRF token", nil, 401},
		{"wrong CSRF token", map[string]string{"X-CSRF-Token": "nope"}, 401},
		{"cross-site", map[string]string{"X-CSRF-Token": sess.CSRF, "Origin": "http://evil.example"}, 401},
		{"right token", map[string]string{"X-CSRF-Token": sess.CSRF}, 200},
	}
	other := "/api/v1/offices/" + mitte + "/counters/schalter-2/pause"
	if r := post(other, "", map[string]string{"X-CSRF-Token": sess.CSRF}); r.StatusCode != 401 {
		t.Fatalf("a session of schalter-1 acting at schalter-2: %d, want 401", r.StatusCode)
	}
	for _, tt := range tests {
		if r := post(action, "", tt.header); r.StatusCode != tt.want {
			var b bytes.Buffer
			b.ReadFrom(r.Body)
			t.Fatalf("%s: %d %s, want %d", tt.name, r.StatusCode, b.String(), tt.want)
		}
	}
	req, _ := http.NewRequest(http.MethodDelete, h.URL+"/api/v1/session", nil)
	if resp, err := c.Do(req); err != nil || resp.StatusCode != 204 {
		t.Fatalf("logout: %v %v", resp, err)
	}
	if r := post(action, "", map[string]string{"X-CSRF-Token": sess.CSRF}); r.StatusCode != 401 {
		t.Fatalf("after logout: %d", r.StatusCode)
	}
}
