package server

import (
	"net/http"

	"lotse/hub/api"
)

// STUB: the status page is being written; this only lets ticket.go build.

// ticketLang picks the page's language for r.
func ticketLang(r *http.Request) string { return "de" }

// renderTicketPage writes the status page of token with status st and the
// HTTP status code.
func renderTicketPage(w http.ResponseWriter, r *http.Request, lang, token string, st api.TicketStatus, code int) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	w.Write([]byte("<!doctype html><title>" + st.Number + "</title>" + st.State))
}

// ticketAssetRoutes registers the page's script, style and sounds.
func ticketAssetRoutes(m *http.ServeMux) {}
