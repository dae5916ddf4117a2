package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestSecureCookieAndHSTSBehindTLSProxy (issue 11.9): the session cookie
// is Secure and Strict-Transport-Security is sent whenever browsers reach
// the hub over HTTPS, whether the hub speaks TLS itself or a configured
// TLS proxy does; on plain HTTP without the setting, neither (a browser
// would drop a Secure cookie there and the counter could not log in).
func TestSecureCookieAndHSTSBehindTLSProxy(t *testing.T) {
	tests := []struct {
		name        string
		behindProxy bool
		hubTLS      bool
		secure      bool
	}{
		{"plain HTTP", false, false, false},
		{"behind a TLS proxy", true, false, true},
		{"hub speaks TLS", false, true, true},
		{"hub speaks TLS behind a TLS proxy", true, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newTestHub(t, func(c *Config) { c.BehindTLSProxy = tt.behindProxy })
			base, client := h.URL, http.DefaultClient
			if tt.hubTLS {
				ts := httptest.NewTLSServer(h.Server)
				t.Cleanup(ts.Close)
				base, client = ts.URL, ts.Client()
			}
			body, err := json.Marshal(login(h.Offices[0].ID, "", "demo", "demo", false))
			if err != nil {
				t.Fatal(err)
			}
			answers := map[string]*http.Response{}
			for _, rq := range []struct{ method, path string }{{"POST", "/api/v1/session"}, {"DELETE", "/api/v1/session"}, {"GET", "/healthz"}, {"GET", "/counter/"}} {
				req, err := http.NewRequest(rq.method, base+rq.path, bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				answers[rq.method+" "+rq.path] = resp
				hsts := resp.Header.Get("Strict-Transport-Security")
				if tt.secure && hsts != "max-age=31536000" || !tt.secure && hsts != "" {
					t.Errorf("%s %s: %d, Strict-Transport-Security %q, secure %v", rq.method, rq.path, resp.StatusCode, hsts, tt.secure)
				}
			}
			for _, name := range []string{"POST /api/v1/session", "DELETE /api/v1/session"} {
				resp := answers[name]
				cookies := resp.Cookies()
				if len(cookies) != 1 {
					t.Fatalf("%s: %d, cookies %v", name, resp.StatusCode, cookies)
				}
				if c := cookies[0]; c.Secure != tt.secure || !c.HttpOnly || c.Name != sessionCookie {
					t.Errorf("%s: cookie %q Secure %v HttpOnly %v, want Secure %v", name, c.Name, c.Secure, c.HttpOnly, tt.secure)
				}
			}
			if resp := answers["POST /api/v1/session"]; resp.StatusCode != http.StatusOK {
				t.Errorf("login: %d", resp.StatusCode)
			}
		})
	}
}
