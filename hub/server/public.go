package server

import (
	"net/http"
	"time"
)

// PublicHandler serves only what citizens reach from the internet: the
// tickets' status pages (/t/…) and the public waiting times (/public/…),
// with their assets. An office puts exactly this listener ([hub]
// public_addr) behind its reverse proxy, while the clerks' and devices'
// API, the streams and the manager's pages stay on the inside listener.
// Every other path answers 404, as if it did not exist.
func (s *Server) PublicHandler() http.Handler {
	m := http.NewServeMux()
	s.ticketRoutes(m)        // ticket.go
	s.publicWaitingRoutes(m) // waiting.go
	m.HandleFunc("/", http.NotFound)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setSecurityHeaders(w.Header(), r, s.secure(r))
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		start := time.Now()
		m.ServeHTTP(sw, r)
		s.metrics.request(r.Pattern, sw.status, time.Since(start))
	})
}
