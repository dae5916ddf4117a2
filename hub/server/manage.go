package server

import (
	"encoding/json"
	"io/fs"
	"maps"
	"net/http"

	"lotse/hub/queue"
)

// manageRoutes serves the manager's pages under /manage/ and their APIs.
// The pages share the counter workplace's script, style and login; their
// texts are the counter's with the manager's own added, so that a text
// the two share is translated in one place.
func (s *Server) manageRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /api/v1/offices/{office}/supervision", s.supervisors(s.supervisionView))
	m.HandleFunc("GET /api/v1/supervision", s.cityView)

	pages, err := fs.Sub(web, "web/manage")
	if err != nil {
		panic(err) // the directory is embedded; a missing one is a build error
	}
	m.Handle("GET /manage/", http.StripPrefix("/manage/", http.FileServerFS(pages)))
	m.HandleFunc("GET /manage", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/manage/", http.StatusFound)
	})
	m.HandleFunc("GET /manage/i18n/{lang}", func(w http.ResponseWriter, r *http.Request) {
		texts, err := manageTexts(r.PathValue("lang"))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		_ = json.NewEncoder(w).Encode(texts)
	})
}

// manageTexts merges the counter's texts of a language file ("de.json")
// with the manager's.
func manageTexts(file string) (map[string]string, error) {
	out := map[string]string{}
	for _, dir := range []string{"web/counter/i18n/", "web/manage/i18n/"} {
		b, err := fs.ReadFile(web, dir+file)
		if err != nil {
			return nil, queue.Errorf(queue.NotFound, "no texts %q", file)
		}
		var texts map[string]string
		if err := json.Unmarshal(b, &texts); err != nil {
			return nil, queue.Errorf(queue.Internal, "texts %s%s: %v", dir, file, err)
		}
		maps.Copy(out, texts)
	}
	return out, nil
}
