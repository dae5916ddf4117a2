package reference

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"
)

// Config is how the reference server runs as its own process.
type Config struct {
	Addr      string // listen address, e.g. ":9090"
	File      string // the appointments file (required)
	ReportLog string // JSON lines of accepted reports; replayed on start
	Token     string // bearer token the hub must send; "" for none
	// HubURL and WebhookSecret enable the webhook: when the file changes,
	// the hub is told for every office that changed.
	HubURL        string
	WebhookSecret []byte
	Poll          time.Duration // how often the file is checked; default 2s
	Log           *slog.Logger  // default slog.Default()
}

// Run serves until ctx ends. ready, if not nil, is called with the
// listening address once the server accepts connections.
func Run(ctx context.Context, c Config, ready func(addr string)) error {
	if c.File == "" {
		return errors.New("reference: no appointments file")
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	if c.Poll <= 0 {
		c.Poll = 2 * time.Second
	}
	var logFile *os.File
	opts := Options{Token: c.Token, Log: c.Log}
	if c.ReportLog != "" {
		f, err := os.OpenFile(c.ReportLog, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return fmt.Errorf("reference: report log: %w", err)
		}
		defer f.Close()
		logFile = f
		opts.ReportLog = syncWriter{f}
	}
	s := New(opts)
	if logFile != nil {
		if err := s.Replay(logFile); err != nil {
			return err
		}
	}
	if _, err := s.Load(c.File); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("reference: listen: %w", err)
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		<-ctx.Done()
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		_ = srv.Shutdown(sctx)
	}()
	var notify func([]string)
	if c.HubURL != "" && len(c.WebhookSecret) > 0 {
		n := &Notifier{HubURL: c.HubURL, Secret: c.WebhookSecret}
		notify = func(offices []string) {
			for _, o := range offices {
				if err := n.Notify(ctx, o); err != nil {
					c.Log.Warn("reference: webhook failed; the hub will see the change at its next poll", "office", o, "err", err)
				} else {
					c.Log.Info("reference: webhook sent", "office", o)
				}
			}
		}
	}
	go s.Watch(ctx, c.File, c.Poll, notify)
	if ready != nil {
		ready(ln.Addr().String())
	}
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("reference: %w", err)
	}
	return nil
}

// Replay reads a report log written by an earlier run, so that the
// deduplication survives a restart.
func (s *Server) Replay(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	s.mu.Lock()
	defer s.mu.Unlock()
	for sc.Scan() {
		var rec Received
		if len(sc.Bytes()) == 0 {
			continue
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			// A line torn by a crash: the hub will deliver it again.
			s.log.Warn("reference: skipping an unreadable report log line", "err", err)
			continue
		}
		k := rec.Office + "\x00" + rec.Key
		if s.keys[k] {
			continue
		}
		s.keys[k] = true
		s.reports = append(s.reports, rec)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reference: replay report log: %w", err)
	}
	return nil
}

// syncWriter makes every report durable before it is acknowledged.
type syncWriter struct{ f *os.File }

func (w syncWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	if err == nil {
		err = w.f.Sync()
	}
	return n, err
}
