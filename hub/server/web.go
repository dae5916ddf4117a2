package server

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"

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
	m.HandleFunc("GET /demo/demo.css", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, web, "web/demo/demo.css")
	})
	m.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		if s.demo != nil {
			http.Redirect(w, r, "/demo", http.StatusFound)
			return
		}
		http.Redirect(w, r, "/counter/", http.StatusFound)
	})
}

// setSecurityHeaders gives every answer, page or API, the browser's
// protections: scripts, styles, pictures, sounds and connections only
// from the hub itself and nothing inline (an injected name cannot run),
// no framing by other sites (clickjacking of the counter page), no
// referrer (the display's URL carries its token) and no content sniffing.
// The stream's WebSocket is named with the request's host: older browsers
// (smart TVs) do not count ws: as 'self'. Over HTTPS (secure: the hub's
// own TLS or a TLS proxy in front) the browser is also told to use only
// HTTPS for a year, so that no later visit starts on plain HTTP where the
// cookie could be read.
func setSecurityHeaders(h http.Header, r *http.Request, secure bool) {
	csp := "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self'; font-src 'self'; " +
		"connect-src 'self'"
	if host := r.Host; host != "" && !strings.ContainsAny(host, " ;,'\"\r\n") {
		csp += " ws://" + host + " wss://" + host
	}
	csp += "; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	if secure {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
}
