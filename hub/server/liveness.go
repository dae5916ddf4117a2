package server

import (
	"context"
	"fmt"
)

// Failing returns why /healthz answers "failing" (503), or nil while it
// does not: the hub keeps no check-in or call. It is the check the
// systemd watchdog stands on, called in-process instead of over HTTP, so
// that a hub whose HTTP side still answers but whose database takes no
// writes is restarted.
func (s *Server) Failing(ctx context.Context) error {
	if p := s.databaseProblem(ctx); p != nil {
		return fmt.Errorf("%s: %s", p.Code, p.Message)
	}
	return nil
}
