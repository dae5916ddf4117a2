package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"lotse/hub/instance"
	"lotse/internal/watchdog"
)

// Log formats of -log-format.
const (
	logText    = "text"    // key=value lines on stderr, for a terminal
	logJSON    = "json"    // one JSON object per line on stdout
	logJournal = "journal" // json, each line led by its syslog priority for journald
)

// newLogger returns the hub's logger in the format -log-format names.
// Under systemd the journal takes stdout; "journal" leads each line with
// "<N>" (sd-daemon(3)), which journald strips and keeps as the entry's
// priority, so that `journalctl -p warning` finds the hub's warnings.
func newLogger(format string, stdout, stderr io.Writer) (*slog.Logger, error) {
	switch format {
	case logText, "":
		return slog.New(slog.NewTextHandler(stderr, nil)), nil
	case logJSON:
		return slog.New(slog.NewJSONHandler(stdout, nil)), nil
	case logJournal:
		return slog.New(slog.NewJSONHandler(&priorityWriter{w: stdout}, nil)), nil
	}
	return nil, fmt.Errorf("-log-format %q: want %s, %s or %s", format, logText, logJSON, logJournal)
}

// priorityWriter leads every record with its syslog priority. The JSON
// handler writes one whole record per Write, its level near the start;
// prefix and record go out in one write, so that nothing else written to
// stdout (the URLs at start) can come between them.
type priorityWriter struct {
	w io.Writer
}

var priorities = []struct {
	level  string
	prefix string
}{
	{`"level":"ERROR`, "<3>"}, {`"level":"WARN`, "<4>"}, {`"level":"INFO`, "<6>"}, {`"level":"DEBUG`, "<7>"},
}

func (p *priorityWriter) Write(b []byte) (int, error) {
	prefix := "<6>"
	for _, pr := range priorities {
		if bytes.Contains(b[:min(len(b), 128)], []byte(pr.level)) {
			prefix = pr.prefix
			break
		}
	}
	if _, err := p.w.Write(append([]byte(prefix), b...)); err != nil {
		return 0, err
	}
	return len(b), nil
}

// notifySystemd tells systemd that the hub serves and, under a watchdog
// (WatchdogSec), pings it while /healthz's own checks pass. Outside
// systemd it does nothing. The returned func says the hub is stopping
// and ends the pings.
func notifySystemd(ctx context.Context, h *instance.Hub, log *slog.Logger) (stop func()) {
	n := &watchdog.Notifier{Check: h.Server.Failing, Log: log}
	if err := n.Ready(); err != nil {
		log.Warn("systemd not told that the hub is ready", "err", err)
	}
	every, err := watchdog.Interval()
	if err != nil {
		log.Warn("systemd watchdog not served", "err", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if every <= 0 {
			return
		}
		t := time.NewTicker(every)
		defer t.Stop()
		n.Run(ctx, t.C)
	}()
	return func() {
		cancel()
		<-done
		if err := n.Stopping(); err != nil {
			log.Warn("systemd not told that the hub stops", "err", err)
		}
	}
}
