package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/text/language"

	"lotse/hub/queue"
)

// The public waiting times as a page: server-rendered, no script, no
// cookie, in German and English. It does not refresh itself: a timed
// reload takes the reader's place away (WCAG 2.2.1); a link reloads it.

// publicLangs are the page's languages, German first: the default.
var publicLangs = []string{"de", "en"}

var (
	publicMatcher = language.NewMatcher([]language.Tag{language.German, language.English})
	publicTexts   = loadPublicTexts()
	publicPage    = template.Must(template.ParseFS(web, "web/public/page.html"))
)

func loadPublicTexts() map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, l := range publicLangs {
		b, err := web.ReadFile("web/public/i18n/" + l + ".json")
		if err != nil {
			panic(err) // embedded; a missing file is a build error
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			panic(fmt.Sprintf("web/public/i18n/%s.json: %v", l, err))
		}
		out[l] = m
	}
	return out
}

// publicLang picks the page's language: ?lang= (the language link), then
// the browser's Accept-Language, else German.
func publicLang(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); publicTexts[l] != nil {
		return l
	}
	tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if err != nil || len(tags) == 0 {
		return publicLangs[0]
	}
	_, i, conf := publicMatcher.Match(tags...)
	if conf == language.No {
		return publicLangs[0]
	}
	return publicLangs[i]
}

type publicPageData struct {
	Lang, Other string
	T           map[string]string
	Single      bool
	Offices     []publicOfficeView
	Updated     string
	JSON        string
}

type publicOfficeView struct {
	ID, Name string
	Open     bool
	Services []publicServiceView
	Quiet    string
}

type publicServiceView struct {
	Name    string
	Waiting int
	Wait    string
}

func (s *Server) publicCityPage(w http.ResponseWriter, r *http.Request) {
	var list []publicWaitingJSON
	for _, id := range s.order {
		a, err := s.publicOffice(r.Context(), s.offices[id])
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		list = append(list, a.view)
	}
	s.writePublicPage(w, r, list, false, "/public/waiting.json")
}

func (s *Server) publicOfficePage(w http.ResponseWriter, r *http.Request) {
	o, ok := s.offices[r.PathValue("office")]
	if !ok {
		publicHeaders(w.Header())
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(publicTexts[publicLang(r)]["unknownOffice"] + "\n"))
		return
	}
	a, err := s.publicOffice(r.Context(), o)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writePublicPage(w, r, []publicWaitingJSON{a.view}, true, "/public/offices/"+o.office.ID+"/waiting.json")
}

func (s *Server) writePublicPage(w http.ResponseWriter, r *http.Request, list []publicWaitingJSON, single bool, jsonPath string) {
	lang := publicLang(r)
	t := publicTexts[lang]
	d := publicPageData{Lang: lang, Other: "en", T: t, Single: single, JSON: jsonPath}
	if lang == "en" {
		d.Other = "de"
	}
	for _, v := range list {
		ov := publicOfficeView{ID: v.Office, Name: v.Name, Open: v.Open}
		for _, sv := range v.Services {
			wait := t["noEstimate"]
			if sv.WaitMinutes != nil {
				wait = strings.ReplaceAll(t["minutes"], "{n}", strconv.Itoa(*sv.WaitMinutes))
			}
			ov.Services = append(ov.Services, publicServiceView{Name: sv.Name, Waiting: sv.Waiting, Wait: wait})
		}
		if len(v.QuietHours) > 0 {
			spans := make([]string, len(v.QuietHours))
			for i, h := range v.QuietHours {
				spans[i] = fmt.Sprintf("%02d:00–%02d:00", h, h+1)
			}
			ov.Quiet = strings.ReplaceAll(t["quiet"], "{hours}", strings.Join(spans, ", "))
		}
		d.Offices = append(d.Offices, ov)
	}
	zone := officeZone(&queue.Office{})
	if len(s.order) > 0 {
		zone = officeZone(s.offices[s.order[0]].office)
	}
	d.Updated = strings.ReplaceAll(t["updated"], "{time}", s.now().In(zone).Format("15:04"))
	var buf bytes.Buffer
	if err := publicPage.Execute(&buf, d); err != nil {
		s.writeError(w, r, fmt.Errorf("public page: %w", err))
		return
	}
	h := w.Header()
	publicHeaders(h)
	h.Del("Access-Control-Allow-Origin") // a page, not data
	h.Del("Access-Control-Expose-Headers")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", lang)
	h.Set("Vary", "Accept-Language")
	_, _ = w.Write(buf.Bytes())
}
