// Package timesync tells whether the machine's clock is synchronised
// (NTP through systemd-timesyncd, chrony or another daemon that systemd
// knows of). Check-in windows, no-shows and the day turn all read the
// clock, so a hub on a drifting clock should say so.
package timesync

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// States of the clock.
const (
	Synchronized   = "synchronized"
	Unsynchronized = "unsynchronized"
	// Unknown: neither timedatectl nor systemd-timesyncd's flag file can
	// tell (no systemd, a container): no alarm is raised for it.
	Unknown = "unknown"
)

// Status is what a Probe found.
type Status struct {
	State  string // Synchronized, Unsynchronized or Unknown
	Source string // what said so: "timedatectl", "timesyncd", or "" when unknown
	Detail string // why it is unknown, for the log
}

// Probe reads the clock's state.
type Probe func(ctx context.Context) Status

// System asks systemd: `timedatectl show -p NTPSynchronized --value`
// first (it knows every NTP daemon systemd knows), else the flag file
// systemd-timesyncd keeps while synchronised.
func System(ctx context.Context) Status {
	return probe(ctx, runTimedatectl, "/run/systemd/timesync/synchronized")
}

func runTimedatectl(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "timedatectl", "show", "-p", "NTPSynchronized", "--value").Output()
	return string(out), err
}

func probe(ctx context.Context, timedatectl func(context.Context) (string, error), flagFile string) Status {
	out, err := timedatectl(ctx)
	if err == nil {
		switch strings.TrimSpace(out) {
		case "yes":
			return Status{State: Synchronized, Source: "timedatectl"}
		case "no":
			return Status{State: Unsynchronized, Source: "timedatectl"}
		}
		err = fmt.Errorf("timedatectl answered %q", strings.TrimSpace(out))
	}
	// The flag file only ever says yes: its absence may be chrony's
	// doing, or timesyncd not yet synchronised.
	if _, ferr := os.Stat(flagFile); ferr == nil {
		return Status{State: Synchronized, Source: "timesyncd"}
	} else if !errors.Is(ferr, os.ErrNotExist) {
		err = errors.Join(err, ferr)
	}
	return Status{State: Unknown, Detail: err.Error()}
}

// Cached returns a Probe that asks p at most once per every: /healthz,
// which anyone may call, must not start a process each time.
func Cached(p Probe, every time.Duration) Probe {
	type result struct {
		at time.Time
		s  Status
	}
	c := make(chan result, 1)
	c <- result{}
	return func(ctx context.Context) Status {
		r := <-c
		if r.at.IsZero() || time.Since(r.at) >= every {
			r = result{at: time.Now(), s: p(ctx)}
		}
		c <- r
		return r.s
	}
}
