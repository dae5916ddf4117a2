package server

import (
	"context"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestEveryAnswerCarriesBrowserProtections asks every route of the hub,
// pages and API, answered and refused, for its security headers.
func TestEveryAnswerCarriesBrowserProtections(t *testing.T) {
	h := newTestHub(t)
	office := h.Offices[0].ID
	api := "/api/v1/offices/" + office
	routes := []struct{ method, path string }{
		{"GET", "/"},
		{"GET", "/api/v1/offices"},
		{"POST", api + "/checkins"},
		{"POST", api + "/tickets"},
		{"GET", api + "/queue"},
		{"GET", api + "/stream"},
		{"GET", api + "/events?since=0"},
		{"POST", api + "/counters/schalter-1/next"},
		{"GET", api + "/counters/schalter-1/queue"},
		{"GET", api + "/tickets/nope"},
		{"GET", api + "/appointments?q=a"},
		{"POST", "/api/v1/session"},
		{"DELETE", "/api/v1/session"},
		{"GET", "/api/v1/session"},
		{"GET", "/healthz"},
		{"GET", "/metrics"},
		{"POST", "/api/v1/webhooks/booking/" + office},
		{"GET", "/demo"},
		{"GET", "/demo/demo.css"},
		{"GET", "/demo/qr/" + office + "/nope"},
		{"GET", "/display"},
		{"GET", "/display/display.js"},
		{"GET", "/counter"},
		{"GET", "/counter/"},
		{"GET", "/counter/desk.html"},
		{"GET", "/assets/sounds/gong.wav"},
		{"GET", "/api/v1/nothing"},
		{"GET", "/nothing"},
	}
	want := map[string]string{
		"X-Frame-Options":        "DENY",
		"Referrer-Policy":        "no-referrer",
		"X-Content-Type-Options": "nosniff",
	}
	for _, rt := range routes {
		for _, auth := range []string{"", "demo"} {
			t.Run(rt.method+" "+rt.path+" token="+auth, func(t *testing.T) {
				req, err := http.NewRequest(rt.method, h.URL+rt.path, strings.NewReader("{}"))
				if err != nil {
					t.Fatal(err)
				}
				if auth != "" {
					req.Header.Set("Authorization", "Bearer "+auth)
				}
				client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				for k, v := range want {
					if got := resp.Header.Get(k); got != v {
						t.Errorf("%d: %s = %q, want %q", resp.StatusCode, k, got, v)
					}
				}
				csp := resp.Header.Get("Content-Security-Policy")
				for _, part := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
					if !strings.Contains(csp, part) {
						t.Errorf("%d: Content-Security-Policy %q lacks %q", resp.StatusCode, csp, part)
					}
				}
				if strings.Contains(csp, "unsafe") {
					t.Errorf("Content-Security-Policy %q allows unsafe code", csp)
				}
			})
		}
	}
}

// inlineCode finds what a Content-Security-Policy without 'unsafe-inline'
// blocks: inline scripts and styles, handler attributes, style attributes
// (in markup or built as markup in scripts) and javascript: URLs.
var inlineCode = []*regexp.Regexp{
	regexp.MustCompile(`(?i)<script(\s[^>]*)?>\s*[^<\s]`), // a script with a body
	regexp.MustCompile(`(?i)<style`),
	regexp.MustCompile(`(?i)\son[a-z]+\s*=\s*["']`),
	regexp.MustCompile(`(?i)\sstyle\s*=\s*\\?["']`),
	regexp.MustCompile(`(?i)javascript:`),
	regexp.MustCompile(`setAttribute\(\s*["']style`),
}

// TestEmbeddedPagesHaveNoInlineCode: the pages keep working under the
// policy because everything they run and style comes from files.
func TestEmbeddedPagesHaveNoInlineCode(t *testing.T) {
	// A JSON data block is not code: the policy does not run it, and the
	// status page hands its texts and first status to its script so.
	data := regexp.MustCompile(`(?is)<script type="application/json" id="[a-z]+">.*?</script>`)
	check := func(name, text string) {
		text = data.ReplaceAllString(text, "")
		for _, re := range inlineCode {
			if m := re.FindString(text); m != "" {
				t.Errorf("%s: inline code %q", name, m)
			}
		}
		for _, tag := range regexp.MustCompile(`(?i)<script[^>]*>`).FindAllString(text, -1) {
			if !strings.Contains(tag, "src=") {
				t.Errorf("%s: inline script %q", name, tag)
			}
		}
	}
	err := fs.WalkDir(web, "web", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".html") || strings.HasSuffix(path, ".js")) {
			return err
		}
		data, err := fs.ReadFile(web, path)
		if err != nil {
			return err
		}
		check(path, string(data))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	h := newTestHub(t)
	resp, err := http.Get(h.URL + "/demo")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	check("/demo", string(page))
}

// TestStreamRefusesOtherOrigins: a page on the same host but another
// port (or any other site) must not read the stream with the clerk's
// cookie; the hub's own pages and clients without an Origin may.
func TestStreamRefusesOtherOrigins(t *testing.T) {
	h := newTestHub(t)
	u, _ := url.Parse(h.URL)
	host := u.Hostname()
	port, _ := strconv.Atoi(u.Port())
	otherPort := host + ":" + strconv.Itoa(port+1)
	stream := "ws://" + u.Host + "/api/v1/offices/" + h.Offices[0].ID + "/stream?token=demo"
	tests := []struct {
		origin string
		ok     bool
	}{
		{"", true},                     // display, kiosk, tools
		{"http://" + u.Host, true},     // the hub's own pages
		{"https://" + u.Host, true},    // … behind a TLS proxy
		{"http://" + otherPort, false}, // same host, another port
		{"http://" + host, false},      // same host, default port
		{"http://evil.example", false},
		{"null", false}, // sandboxed frames, file: pages
		{"http://" + u.Host + ".evil.example", false},
	}
	for _, tc := range tests {
		t.Run("origin "+tc.origin, func(t *testing.T) {
			header := http.Header{}
			if tc.origin != "" {
				header.Set("Origin", tc.origin)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, resp, err := websocket.DefaultDialer.DialContext(ctx, stream, header)
			if tc.ok {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				defer c.Close()
				if _, _, err := c.ReadMessage(); err != nil {
					t.Fatalf("no snapshot: %v", err)
				}
				return
			}
			if err == nil {
				c.Close()
				t.Fatal("a page of another origin opened the stream")
			}
			if resp == nil || resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("refusal: %v %v, want 401", resp, err)
			}
		})
	}
}
