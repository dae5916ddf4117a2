package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"lotse/hub/api"
	"lotse/hub/booking"
	"lotse/hub/booking/demo"
	"lotse/hub/statistics"
	"lotse/hub/store"
)

type publicGot struct {
	status int
	header http.Header
	body   []byte
}

// publicHub is a test hub whose server reads the hub's fake clock, as
// the office loops do.
func publicHub(t *testing.T) *testHub {
	t.Helper()
	h := newTestHub(t)
	h.Server.now = h.Clock.Now // nothing has served yet
	return h
}

func publicGet(t testing.TB, url string, header ...string) publicGot {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return publicGot{status: resp.StatusCode, header: resp.Header, body: b}
}

func (g publicGot) office(t testing.TB) publicWaitingJSON {
	t.Helper()
	var v publicWaitingJSON
	if err := json.Unmarshal(g.body, &v); err != nil {
		t.Fatalf("%s: %v", g.body, err)
	}
	return v
}

func (v publicWaitingJSON) service(id string) publicServiceJSON {
	for _, s := range v.Services {
		if s.Service == id {
			return s
		}
	}
	return publicServiceJSON{}
}

// TestPublicWaitingJSON: the open data of one office and of the city
// answer anyone (CORS, no cookie), carry a strong ETag a client
// revalidates with (304, empty body), stay the same answer while the
// office does not change, and follow the office when it does: a walk-in
// counts, an opened counter opens the office and gives estimates.
func TestPublicWaitingJSON(t *testing.T) {
	h := publicHub(t)
	officeURL := h.URL + "/public/offices/" + demo.Mitte + "/waiting.json"
	cityURL := h.URL + "/public/waiting.json"
	for _, url := range []string{officeURL, cityURL} {
		g := publicGet(t, url)
		if g.status != http.StatusOK {
			t.Fatalf("%s: %d %s", url, g.status, g.body)
		}
		for k, want := range map[string]string{
			"Access-Control-Allow-Origin": "*",
			"Cache-Control":               "public, max-age=15",
			"Content-Type":                "application/json; charset=utf-8",
			"Set-Cookie":                  "",
		} {
			if got := g.header.Get(k); got != want {
				t.Errorf("%s: %s = %q, want %q", url, k, got, want)
			}
		}
		etag := g.header.Get("ETag")
		if !strings.HasPrefix(etag, `"`) || !strings.HasSuffix(etag, `"`) || len(etag) < 10 {
			t.Fatalf("%s: ETag %q is not a strong tag", url, etag)
		}
		for _, inm := range []string{etag, `"other", ` + etag, "W/" + etag, "*"} {
			if g2 := publicGet(t, url, "If-None-Match", inm); g2.status != http.StatusNotModified || len(g2.body) != 0 || g2.header.Get("ETag") != etag {
				t.Errorf("%s with If-None-Match %s: %d %q, want 304 and no body", url, inm, g2.status, g2.body)
			}
		}
		if g2 := publicGet(t, url, "If-None-Match", `"other"`); g2.status != http.StatusOK || string(g2.body) != string(g.body) {
			t.Errorf("%s with another tag: %d, want 200 and the same body", url, g2.status)
		}
	}

	before := publicGet(t, officeURL)
	v := before.office(t)
	if v.Office != demo.Mitte || v.Name != "Bürgerbüro Mitte" || v.Day != "2026-03-18" || len(v.Services) == 0 {
		t.Fatalf("office answer %s", before.body)
	}
	if v.Open {
		t.Errorf("no counter staffed, but open: %s", before.body)
	}
	for _, sv := range v.Services {
		if booking.IsFallback(sv.Service) {
			t.Errorf("the public answer lists the bookings-only service %q while nobody waits for it", sv.Name)
		}
	}
	if strings.Contains(string(before.body), "birth") || strings.Contains(string(before.body), "ticket") {
		t.Errorf("the public answer names a person or a ticket: %s", before.body)
	}
	ctx := context.Background()
	o := h.Server.offices[demo.Mitte]
	a1, err := h.Server.publicOffice(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if a2, _ := h.Server.publicOffice(ctx, o); a2 != a1 {
		t.Error("the answer was rendered again though the office did not change")
	}

	waiting := v.service(demo.Reisepass).Waiting
	h.WalkIn(t, demo.Mitte, demo.Reisepass)
	after := publicGet(t, officeURL, "If-None-Match", before.header.Get("ETag"))
	if after.status != http.StatusOK || after.header.Get("ETag") == before.header.Get("ETag") {
		t.Fatalf("after a walk-in: %d, ETag %s (was %s)", after.status, after.header.Get("ETag"), before.header.Get("ETag"))
	}
	if got := after.office(t).service(demo.Reisepass).Waiting; got != waiting+1 {
		t.Errorf("Reisepass waiting %d after a walk-in, want %d", got, waiting+1)
	}
	if a3, _ := h.Server.publicOffice(ctx, o); a3 == a1 {
		t.Error("the cached answer outlived the office's change")
	}

	if _, err := h.Clerk().Act(ctx, demo.Mitte, "schalter-1", api.ActionNext, api.ActionRequest{}); err != nil {
		t.Fatalf("next at schalter-1: %v", err)
	}
	opened := publicGet(t, officeURL).office(t)
	if !opened.Open {
		t.Errorf("a staffed counter, but closed: %+v", opened)
	}
	estimated := 0
	for _, s := range opened.Services {
		if s.WaitMinutes != nil {
			estimated++
		}
	}
	if estimated == 0 {
		t.Errorf("an open counter, but no estimate: %+v", opened.Services)
	}

	var city publicCityJSON
	if err := json.Unmarshal(publicGet(t, cityURL).body, &city); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range city.Offices {
		ids = append(ids, c.Office)
	}
	if !slices.Equal(ids, []string{demo.Mitte, demo.Nord}) || !city.Offices[0].Open || city.Offices[1].Open {
		t.Errorf("city: %+v", city)
	}
}

// TestPublicWaitingErrors: an unknown office is a 404 on page and data,
// and a browser's preflight from any site is answered.
func TestPublicWaitingErrors(t *testing.T) {
	h := publicHub(t)
	for _, c := range []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/public/offices/nirgendwo/waiting.json", http.StatusNotFound},
		{http.MethodGet, "/public/offices/nirgendwo", http.StatusNotFound},
		{http.MethodOptions, "/public/waiting.json", http.StatusNoContent},
		{http.MethodOptions, "/public/offices/" + demo.Nord + "/waiting.json", http.StatusNoContent},
		{http.MethodPost, "/public/waiting.json", http.StatusMethodNotAllowed},
	} {
		req, _ := http.NewRequest(c.method, h.URL+c.path, nil)
		req.Header.Set("Origin", "https://www.stadt.example")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, resp.StatusCode, c.want)
		}
		if c.method == http.MethodOptions && !strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "If-None-Match") {
			t.Errorf("%s %s: preflight allows %q", c.method, c.path, resp.Header.Get("Access-Control-Allow-Headers"))
		}
	}
}

// TestPublicWaitingPages: the city's and an office's page are plain HTML
// any site may frame, without cookie or script, reloaded by a link, not
// by a timer, in German unless the browser or the link asks for English.
func TestPublicWaitingPages(t *testing.T) {
	h := publicHub(t)
	for _, c := range []struct {
		name, path, acceptLanguage string
		lang, text                 string
	}{
		{"city, German by default", "/public/", "", "de", "Wartezeiten in den Bürgerämtern"},
		{"city, English browser", "/public/", "en-GB,en;q=0.9", "en", "Waiting times at the citizen offices"},
		{"city, unknown language", "/public/", "fr-FR", "de", "Geschlossen"},
		{"office, German", "/public/offices/" + demo.Mitte, "de-DE", "de", "Reisepass beantragen"},
		{"office, English link", "/public/offices/" + demo.Nord + "?lang=en", "de-DE", "en", "All citizen offices"},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := publicGet(t, h.URL+c.path, "Accept-Language", c.acceptLanguage)
			if g.status != http.StatusOK {
				t.Fatalf("%d %s", g.status, g.body)
			}
			body := string(g.body)
			if g.header.Get("X-Frame-Options") != "" || !strings.Contains(g.header.Get("Content-Security-Policy"), "frame-ancestors *") {
				t.Errorf("not frameable: X-Frame-Options %q, CSP %q", g.header.Get("X-Frame-Options"), g.header.Get("Content-Security-Policy"))
			}
			if g.header.Get("Set-Cookie") != "" || strings.Contains(body, "<script") {
				t.Errorf("a cookie or a script on the public page")
			}
			if strings.Contains(body, `http-equiv="refresh"`) {
				t.Errorf("the page reloads itself on a timer")
			}
			for _, want := range []string{`<html lang="` + c.lang + `">`, `<a href="">`, c.text} {
				if !strings.Contains(body, want) {
					t.Errorf("page lacks %q:\n%s", want, body)
				}
			}
		})
	}
	if g := publicGet(t, h.URL+"/public/public.css"); g.status != http.StatusOK || g.header.Get("X-Frame-Options") != "" {
		t.Errorf("style: %d %v", g.status, g.header)
	}
}

// TestPublicQuietHours: "usually quiet at" is read from eight weeks of
// the office's statistics: on the demo history's Wednesdays the quietest
// open hours, never an hour the office is closed.
func TestPublicQuietHours(t *testing.T) {
	h := publicHub(t)
	o := h.Offices[0]
	today := o.Day(h.Clock.Now())
	from, _ := statistics.DayBefore(today, 7*quietWeeks)
	to, _ := statistics.DayBefore(today, 1)
	var cells []statistics.Cell
	if err := statistics.History(o, statistics.HistoryOptions{From: from, To: to, Seed: 7}, func(c statistics.Cell) error {
		cells = append(cells, c)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := h.Server.db.(*store.DB).AddStatCells(context.Background(), cells); err != nil {
		t.Fatal(err)
	}
	v := publicGet(t, h.URL+"/public/offices/"+o.ID+"/waiting.json").office(t)
	if len(v.QuietHours) != quietHoursShown {
		t.Fatalf("quiet hours %v, want %d", v.QuietHours, quietHoursShown)
	}
	for _, hour := range v.QuietHours {
		if hour < 8 || hour >= 18 { // the demo history's Wednesday hours
			t.Errorf("quiet at %d:00, when the office is closed", hour)
		}
	}
	page := string(publicGet(t, h.URL+"/public/offices/"+o.ID).body)
	if !strings.Contains(page, "Meist ruhig heute: ") {
		t.Errorf("the page does not say when it is usually quiet:\n%s", page)
	}
	// Nord has no history: it says nothing rather than guess.
	if v := publicGet(t, h.URL+"/public/offices/"+demo.Nord+"/waiting.json").office(t); len(v.QuietHours) != 0 {
		t.Errorf("Nord without statistics is quiet at %v", v.QuietHours)
	}
}

// TestQuietProfile: the quietest hours are those open on most of the
// weekday's days with the shortest mean wait, fewer arrivals breaking a
// tie, in order of the day; too little history says nothing.
func TestQuietProfile(t *testing.T) {
	cell := func(day string, hour, staffed, called int, wait int64, arrivals int) statistics.Cell {
		return statistics.Cell{Day: day, Hour: hour, StaffedSeconds: int64(staffed), Called: called, WaitSeconds: wait, WalkIns: arrivals}
	}
	wed1, wed2, wed3, thu1, thu2 := "2026-03-04", "2026-03-11", "2026-02-25", "2026-03-12", "2026-03-05"
	for _, c := range []struct {
		name  string
		cells []statistics.Cell
		want  []int
	}{
		{"one day is no habit", []statistics.Cell{cell(wed1, 9, 3600, 4, 60, 4), cell(wed1, 10, 3600, 4, 600, 4)}, nil},
		{"shortest mean wait, in order of the day", []statistics.Cell{
			cell(wed1, 9, 3600, 4, 4*600, 4), cell(wed2, 9, 3600, 4, 4*600, 4),
			cell(wed1, 10, 3600, 4, 4*60, 4), cell(wed2, 10, 3600, 4, 4*60, 4),
			cell(wed1, 14, 3600, 2, 2*120, 2), cell(wed2, 14, 3600, 2, 2*120, 2),
			cell(wed1, 15, 3600, 4, 4*900, 4), cell(wed2, 15, 3600, 4, 4*900, 4),
		}, []int{10, 14}},
		{"an hour open once in three weeks is an exception", []statistics.Cell{
			cell(wed1, 9, 3600, 4, 400, 4), cell(wed2, 9, 3600, 4, 400, 4), cell(wed3, 9, 3600, 4, 400, 4),
			cell(wed1, 18, 3600, 1, 0, 1),
			cell(wed1, 8, 0, 0, 0, 0), cell(wed2, 8, 0, 0, 0, 0), cell(wed3, 8, 0, 0, 0, 0),
		}, []int{9}},
		{"equal waits: fewer arrivals first", []statistics.Cell{
			cell(wed1, 9, 3600, 8, 0, 8), cell(wed2, 9, 3600, 8, 0, 8),
			cell(wed1, 11, 3600, 2, 0, 2), cell(wed2, 11, 3600, 2, 0, 2),
			cell(wed1, 12, 3600, 3, 0, 3), cell(wed2, 12, 3600, 3, 0, 3),
		}, []int{11, 12}},
		{"other weekdays do not count", []statistics.Cell{
			cell(wed1, 9, 3600, 4, 400, 4), cell(wed2, 9, 3600, 4, 400, 4),
			cell(thu1, 7, 3600, 4, 0, 4), cell(thu2, 7, 3600, 4, 0, 4),
		}, []int{9}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := newQuietProfile(time.Wednesday)
			for i := range c.cells {
				p.add(&c.cells[i])
			}
			if got := p.quietest(2); !slices.Equal(got, c.want) {
				t.Errorf("quiet hours %v, want %v", got, c.want)
			}
		})
	}
}

// TestETagMatches reads If-None-Match as clients and proxies send it.
func TestETagMatches(t *testing.T) {
	const tag = `"abc"`
	for _, c := range []struct {
		header string
		want   bool
	}{
		{`"abc"`, true},
		{`W/"abc"`, true},
		{`"x", "abc"`, true},
		{`"x",W/"abc"`, true},
		{`*`, true},
		{``, false},
		{`"abcd"`, false},
		{`abc`, false},
		{`"ab`, false},
	} {
		if got := etagMatches(c.header, tag); got != c.want {
			t.Errorf("If-None-Match %q: %v, want %v", c.header, got, c.want)
		}
	}
}

// TestPublicWaitingAgreesWithTheBoards: the public waiting times say what
// the boards say, with one clerk at one of the counters that serve the
// service and others unstaffed.
func TestPublicWaitingAgreesWithTheBoards(t *testing.T) {
	h := publicHub(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for range 3 {
		h.WalkIn(t, demo.Mitte, demo.Meldebescheinigung)
	}
	if _, err := h.Clerk().Act(ctx, demo.Mitte, "schalter-1", api.ActionNext, api.ActionRequest{}); err != nil {
		t.Fatal(err)
	}
	snap, err := h.Device().Queue(ctx, demo.Mitte)
	if err != nil {
		t.Fatal(err)
	}
	board := waitOf(snap.Waiting, demo.Meldebescheinigung)
	if board <= 0 {
		t.Fatalf("the board's estimate %d: want minutes", board)
	}
	v := publicGet(t, h.URL+"/public/offices/"+demo.Mitte+"/waiting.json").office(t)
	for _, sv := range v.Services {
		if sv.Service == demo.Meldebescheinigung && (sv.WaitMinutes == nil || *sv.WaitMinutes != board) {
			t.Fatalf("public %v minutes, the board %d", sv.WaitMinutes, board)
		}
	}
}
