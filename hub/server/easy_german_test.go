package server

import (
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"lotse/assets"
	"lotse/hub/booking/demo"
)

// Easy German (Leichte Sprache) on the citizen's pages: the mobile ticket
// and the web board.

// easyGermanBreaks lists what the rules of Leichte Sprache forbid that a
// machine can see in a text.
var easyGermanBreaks = []struct {
	rule string
	re   *regexp.Regexp
}{
	{"no passive", regexp.MustCompile(`(?i)\b(werde|werden|wird|wirst|werdet|wurde|wurden|worden)\b`)},
	{"no abbreviation", regexp.MustCompile(`(?i)\b(ca|min|std|nr|bzw|usw|ggf|evtl|inkl|etc|zzgl|tel|z\.\s?b|d\.\s?h|u\.\s?a)\.`)},
	{"one statement a sentence: no clause joined by a dash or semicolon", regexp.MustCompile(`[;–—]| - `)},
	{"one statement a sentence: no clause joined by a conjunction", regexp.MustCompile(`(?i), (und|oder|aber|denn|weil|dass|damit|sobald|wenn|bis|sodass)\b`)},
	{"no ellipsis", regexp.MustCompile(`…|\.\.\.`)},
}

// easyGermanMaxWords is the longest sentence: short sentences are the
// first rule.
const easyGermanMaxWords = 12

// easyGermanFaults lists where text breaks the rules.
func easyGermanFaults(text string) []string {
	var out []string
	for _, b := range easyGermanBreaks {
		if m := b.re.FindString(text); m != "" {
			out = append(out, b.rule+": "+m)
		}
	}
	for _, s := range regexp.MustCompile(`[.!?:]`).Split(text, -1) {
		if n := len(strings.Fields(s)); n > easyGermanMaxWords {
			out = append(out, "a sentence of "+strconv.Itoa(n)+" words: "+strings.TrimSpace(s))
		}
	}
	return out
}

// TestEasyGermanFollowsItsRules checks every Easy German text of the ticket
// page and the board, and that the check bites: plain German breaks it.
func TestEasyGermanFollowsItsRules(t *testing.T) {
	board, err := assets.Messages("display", ticketEasyGerman)
	if err != nil {
		t.Fatal(err)
	}
	boardDE, err := assets.Messages("display", "de")
	if err != nil {
		t.Fatal(err)
	}
	for _, set := range []struct {
		name  string
		texts map[string]string
	}{{"ticket", ticketTexts[ticketEasyGerman]}, {"board", board}} {
		for k, v := range set.texts {
			for _, f := range easyGermanFaults(v) {
				t.Errorf("%s %s %q: %s", set.name, k, v, f)
			}
		}
	}
	faults := 0
	for _, texts := range []map[string]string{ticketTexts["de"], boardDE} {
		for _, v := range texts {
			faults += len(easyGermanFaults(v))
		}
	}
	if faults == 0 {
		t.Errorf("the plain German texts pass the Easy German rules: the check sees nothing")
	}
}

// TestTicketPageOffersEasyGerman: the phone's page links Easy German,
// ?lang=de-LS shows it, and a German phone still gets plain German.
func TestTicketPageOffersEasyGerman(t *testing.T) {
	h := newTestHub(t)
	tk := h.WalkIn(t, webOffice, demo.Meldebescheinigung)
	easy := ticketTexts[ticketEasyGerman]
	for _, c := range []struct {
		name, query, acceptLanguage string
		want, notWant               []string
	}{
		{"a German phone", "", "de-DE,de;q=0.9", []string{`<html lang="de"`, `href="?lang=de-LS"`, `>Leichte Sprache</a>`}, []string{easy["stateWaiting"]}},
		{"an Austrian phone", "", "de-AT", []string{`<html lang="de"`}, []string{easy["stateWaiting"]}},
		// In BCP 47 de-LS is German as spoken in Lesotho: a phone set to
		// it asks for German.
		{"a phone set to German in Lesotho", "", "de-LS", []string{`<html lang="de"`}, []string{easy["stateWaiting"]}},
		{"the link", "?lang=de-LS", "de-DE", []string{`<html lang="de-LS"`, easy["stateWaiting"], easy["autoUpdate"], `aria-current="true">Leichte Sprache`}, []string{ticketTexts["de"]["stateWaiting"]}},
		{"the link from an English phone", "?lang=de-LS", "en", []string{`<html lang="de-LS"`, easy["title"]}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, tk.StatusURL+c.query, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Accept-Language", c.acceptLanguage)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body := string(b)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			for _, w := range c.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, w := range c.notWant {
				if strings.Contains(body, w) {
					t.Errorf("page shows %q", w)
				}
			}
		})
	}
}
