package server

import (
	"embed"
	"io/fs"
	"net/http"

	"lotse/assets"
)

// web holds the pages the hub serves: the counter workplace and the web
// display. Plain files, no build step.
//
//go:embed web
var web embed.FS

func (s *Server) webRoutes(m *http.ServeMux) {
	sub := func(dir string) http.Handler {
		f, err := fs.Sub(web, "web/"+dir)
		if err != nil {
			panic(err) // the directory is embedded; a missing one is a build error
		}
		return http.FileServerFS(f)
	}
	m.Handle("GET /display/", http.StripPrefix("/display/", sub("display")))
	m.HandleFunc("GET /display", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, web, "web/display/index.html")
	})
	m.Handle("GET /counter/", http.StripPrefix("/counter/", sub("counter")))
	m.HandleFunc("GET /counter", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/counter/", http.StatusFound)
	})
	// The web pages take sounds and translations from the same embedded
	// assets as the apps, so a text is translated in one place.
	for _, dir := range []string{"sounds", "translations"} {
		sub, _ := fs.Sub(assets.FS, dir)
		m.Handle("GET /assets/"+dir+"/", http.StripPrefix("/assets/"+dir+"/", http.FileServerFS(sub)))
	}
	m.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		if s.demo != nil {
			http.Redirect(w, r, "/demo", http.StatusFound)
			return
		}
		http.Redirect(w, r, "/counter/", http.StatusFound)
	})
}
