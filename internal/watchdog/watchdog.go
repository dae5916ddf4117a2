// Package watchdog speaks systemd's notify protocol for the hub: it says
// when the hub is ready and, while the hub's own health checks pass, that
// it is alive. A hub whose database takes no writes stops the pings, and
// systemd restarts it after WatchdogSec (Restart=on-failure), instead of
// leaving a process that answers HTTP but keeps no check-in.
//
// Outside systemd (no NOTIFY_SOCKET) every call does nothing.
package watchdog

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
)

// Notifier sends the hub's state to systemd.
type Notifier struct {
	// Check is the health check that decides a ping: the one /healthz
	// fails on, called in-process.
	Check func(ctx context.Context) error
	// Log reports a failing check once per change; nil: slog.Default().
	Log *slog.Logger
	// Notify sends one state line; nil: sd_notify on NOTIFY_SOCKET.
	Notify func(state string) error

	failing bool
}

func (n *Notifier) notify(state string) error {
	if n.Notify != nil {
		return n.Notify(state)
	}
	if _, err := daemon.SdNotify(false, state); err != nil {
		return fmt.Errorf("sd_notify %s: %w", state, err)
	}
	return nil
}

func (n *Notifier) log() *slog.Logger {
	if n.Log != nil {
		return n.Log
	}
	return slog.Default()
}

// Ready tells systemd that the hub serves (Type=notify).
func (n *Notifier) Ready() error { return n.notify(daemon.SdNotifyReady) }

// Stopping tells systemd that the hub shuts down on purpose.
func (n *Notifier) Stopping() error { return n.notify(daemon.SdNotifyStopping) }

// Beat runs the check and pings the watchdog only if it passes: it
// reports whether it pinged, and an error only when sending failed (a
// failing check withholds the ping on purpose).
func (n *Notifier) Beat(ctx context.Context) (bool, error) {
	if err := n.Check(ctx); err != nil {
		if !n.failing {
			n.log().Error("health check failing: the systemd watchdog is no longer pinged", "err", err)
		}
		n.failing = true
		return false, nil
	}
	if n.failing {
		n.log().Info("health check passes again: the systemd watchdog is pinged")
	}
	n.failing = false
	return true, n.notify(daemon.SdNotifyWatchdog)
}

// Interval is how often to Beat under systemd's watchdog: half its
// timeout (WatchdogSec, as WATCHDOG_USEC), as sd_watchdog_enabled(3)
// advises; 0 when no watchdog watches this process.
func Interval() (time.Duration, error) {
	d, err := daemon.SdWatchdogEnabled(false)
	if err != nil {
		return 0, fmt.Errorf("systemd watchdog: %w", err)
	}
	return d / 2, nil
}

// Run beats at every tick until ctx ends. The caller owns the ticker, so
// that tests drive the beats without waiting.
func (n *Notifier) Run(ctx context.Context, tick <-chan time.Time) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
			if _, err := n.Beat(ctx); err != nil {
				n.log().Warn("watchdog ping not sent", "err", err)
			}
		}
	}
}
