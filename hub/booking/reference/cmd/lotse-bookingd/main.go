// Command lotse-bookingd is the reference server of the Lotse booking
// protocol: it serves the appointments of a JSON file, records the reports
// a hub sends (GET /reports and a JSON-lines log) and, when given a hub URL
// and a webhook secret, tells the hub within seconds when the file changes.
//
//	lotse-bookingd -file appointments.json -addr :9090 -reports reports.jsonl
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"lotse/hub/booking/reference"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "lotse-bookingd:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("lotse-bookingd", flag.ContinueOnError)
	addr := fs.String("addr", ":9090", "HTTP listen address")
	file := fs.String("file", "", "appointments file (JSON, see docs/booking.md)")
	reports := fs.String("reports", "reports.jsonl", "log of accepted reports (JSON lines; replayed on start)")
	tokenEnv := fs.String("token-env", "", "environment variable holding the bearer token the hub must send")
	hub := fs.String("hub", "", "hub base URL for the webhook, e.g. http://localhost:8080")
	secretEnv := fs.String("webhook-secret-env", "", "environment variable holding the webhook secret")
	poll := fs.Duration("poll", 2*time.Second, "how often to check the file for changes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c := reference.Config{Addr: *addr, File: *file, ReportLog: *reports, HubURL: *hub, Poll: *poll,
		Log: slog.New(slog.NewTextHandler(os.Stderr, nil))}
	if *tokenEnv != "" {
		c.Token = strings.TrimSpace(os.Getenv(*tokenEnv))
		if c.Token == "" {
			return fmt.Errorf("environment variable %s is empty", *tokenEnv)
		}
	}
	if *secretEnv != "" {
		c.WebhookSecret = []byte(strings.TrimSpace(os.Getenv(*secretEnv)))
		if len(c.WebhookSecret) == 0 {
			return fmt.Errorf("environment variable %s is empty", *secretEnv)
		}
	}
	return reference.Run(ctx, c, func(a string) {
		fmt.Fprintf(stdout, "Lotse reference booking server on %s\n", a)
		fmt.Fprintf(stdout, "  appointments: GET /offices/{office}/appointments?day=YYYY-MM-DD\n")
		fmt.Fprintf(stdout, "  reports:      POST /offices/{office}/reports, GET /reports\n")
	})
}
