package server

import (
	"encoding/json"
	"image"
	"image/color"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"lotse/hardware/qr"
	"lotse/hub/api"
)

// TestDeskStatusQR covers the QR code of a ticket's status link on the
// desk's ticket (issue 14.1): a status link is drawn as an SVG that scans
// back to the link; anything else is refused, so the endpoint draws no
// other text; and only desk accounts may ask.
func TestDeskStatusQR(t *testing.T) {
	clerks := []Clerk{
		{User: "desk", PasswordHash: accessHash(), Roles: []string{RoleDesk}},
		{User: "clerk1", PasswordHash: accessHash(), Roles: []string{RoleClerk}, Counters: []string{"schalter-1"}},
	}
	devices := []Device{{Name: "kiosk", Token: "kiosk", Role: RoleKiosk}}
	h := newAccessHub(t, clerks, devices, Limits{})
	base := "/api/v1/offices/" + accessMitte
	a := h.do("POST", base+"/tickets", bearer("kiosk"), api.WalkInRequest{Service: "meldebescheinigung"})
	var tk api.Ticket
	if a.Status != http.StatusCreated || json.Unmarshal(a.Body, &tk) != nil || tk.StatusURL == "" {
		t.Fatalf("walk-in: %d %s, want a ticket with its statusUrl", a.Status, a.Body)
	}
	token := tk.StatusURL[strings.LastIndex(tk.StatusURL, "/")+1:]
	desk := basic("desk", "demo")
	for _, tt := range []struct {
		name string
		link string
		as   who
		want int
	}{
		{"the ticket's own link", tk.StatusURL, desk, http.StatusOK},
		{"behind a public URL with a path", "https://termine.example.de/buergerbuero/t/" + token, desk, http.StatusOK},
		{"no link", "", desk, http.StatusBadRequest},
		{"any text", "Hallo Welt", desk, http.StatusBadRequest},
		{"another page of the hub", "http://hub.local/counter/desk.html", desk, http.StatusBadRequest},
		{"a token too short", "http://hub.local/t/" + token[:21], desk, http.StatusBadRequest},
		{"a token too long", "http://hub.local/t/" + token + "A", desk, http.StatusBadRequest},
		{"a token with a foreign character", "http://hub.local/t/" + token[:21] + "+", desk, http.StatusBadRequest},
		{"a path after the token", "http://hub.local/t/" + token + "/events", desk, http.StatusBadRequest},
		{"a query", "http://hub.local/t/" + token + "?x=1", desk, http.StatusBadRequest},
		{"a fragment", "http://hub.local/t/" + token + "#x", desk, http.StatusBadRequest},
		{"another scheme", "javascript://hub.local/t/" + token, desk, http.StatusBadRequest},
		{"no host", "/t/" + token, desk, http.StatusBadRequest},
		{"a user in the link", "http://evil@hub.local/t/" + token, desk, http.StatusBadRequest},
		{"not ASCII", "http://hüb.local/t/" + token, desk, http.StatusBadRequest},
		{"too long", "http://hub.local/" + strings.Repeat("a/", 300) + "t/" + token, desk, http.StatusBadRequest},
		{"a clerk without the desk role", tk.StatusURL, basic("clerk1", "demo"), http.StatusForbidden},
		{"a kiosk", tk.StatusURL, bearer("kiosk"), http.StatusUnauthorized},
		{"no login", tk.StatusURL, nil, http.StatusUnauthorized},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := h.do("GET", base+"/status-qr.svg?url="+url.QueryEscape(tt.link), tt.as, nil)
			if a.Status != tt.want {
				t.Fatalf("%d %s, want %d", a.Status, a.Body, tt.want)
			}
			if tt.want != http.StatusOK {
				return
			}
			if ct := a.Header.Get("Content-Type"); ct != "image/svg+xml" {
				t.Errorf("Content-Type %q, want image/svg+xml", ct)
			}
			if cc := a.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q: the link holds the ticket's token, no cache may keep it", cc)
			}
			got, err := qr.Decode(rasterSVG(t, a.Body))
			if err != nil {
				t.Fatalf("decode the QR code: %v\n%s", err, a.Body)
			}
			if got != tt.link {
				t.Errorf("the QR code reads %q, want %q", got, tt.link)
			}
		})
	}
}

var (
	svgViewBox = regexp.MustCompile(`viewBox="0 0 (\d+) (\d+)"`)
	svgRun     = regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`)
)

// rasterSVG draws the QR code's SVG, as qrSVG writes it, at 4 pixels a
// module, as a scanner would see it printed.
func rasterSVG(t *testing.T, svg []byte) image.Image {
	t.Helper()
	vb := svgViewBox.FindSubmatch(svg)
	if vb == nil {
		t.Fatalf("no view box in %s", svg)
	}
	side, _ := strconv.Atoi(string(vb[1]))
	const px = 4
	img := image.NewGray(image.Rect(0, 0, side*px, side*px))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	runs := svgRun.FindAllSubmatch(svg, -1)
	if len(runs) == 0 {
		t.Fatalf("no dark modules in %s", svg)
	}
	for _, r := range runs {
		x, _ := strconv.Atoi(string(r[1]))
		y, _ := strconv.Atoi(string(r[2]))
		n, _ := strconv.Atoi(string(r[3]))
		for dy := 0; dy < px; dy++ {
			for dx := 0; dx < n*px; dx++ {
				img.SetGray(x*px+dx, y*px+dy, color.Gray{})
			}
		}
	}
	return img
}

// getJSON reads url's JSON answer into v.
func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}
