package server

import (
	"context"
	"net/http"

	"lotse/hub/api"
)

// The citizen's phone (issue 14): the ticket's status page and its API,
// keyed by the ticket's random status token. Nothing here needs a login;
// the token is the key.

func (s *Server) ticketRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /t/{token}", s.ticketPage)
	m.HandleFunc("GET /t/{token}/status", s.ticketStatusJSON)
	m.HandleFunc("GET /t/{token}/events", s.ticketEvents)
	m.HandleFunc("POST /t/{token}/withdraw", s.ticketWithdraw)
	ticketAssetRoutes(m) // ticket_page.go
}

// ticketStatus reads the status of the ticket with token, with service
// names in lang. STUB.
func (s *Server) ticketStatus(ctx context.Context, token, lang string) (api.TicketStatus, error) {
	return api.TicketStatus{State: api.StatusUnknown}, nil
}

func (s *Server) ticketPage(w http.ResponseWriter, r *http.Request) {
	lang := ticketLang(r)
	st, _ := s.ticketStatus(r.Context(), r.PathValue("token"), lang)
	renderTicketPage(w, r, lang, r.PathValue("token"), st, http.StatusOK)
}

func (s *Server) ticketStatusJSON(w http.ResponseWriter, r *http.Request) {
	st, _ := s.ticketStatus(r.Context(), r.PathValue("token"), ticketLang(r))
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) ticketEvents(w http.ResponseWriter, r *http.Request) {
	http.NotFound(w, r)
}

func (s *Server) ticketWithdraw(w http.ResponseWriter, r *http.Request) {
	http.NotFound(w, r)
}
