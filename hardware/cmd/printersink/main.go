// Command printersink pretends to be a network receipt printer for
// development and `make run`: it listens like a printer on port 9100,
// answers real-time status requests, and writes each job it receives as a
// PNG preview (and the raw ESC/POS bytes) into a directory.
//
//	go run ./hardware/cmd/printersink -listen 127.0.0.1:9100 -out ./data/prints
//	go run ./kiosk -printer tcp://127.0.0.1:9100
//
// With -render FILE it renders one saved job and exits.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"lotse/hardware/printer"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "printersink:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("printersink", flag.ContinueOnError)
	listen := flags.String("listen", "127.0.0.1:9100", "address to accept print jobs on")
	out := flags.String("out", "prints", "directory for the PNG previews and raw jobs")
	width := flags.Int("width", printer.Paper80mm, "paper width in dots (576 for 80 mm, 384 for 58 mm)")
	paperOut := flags.Bool("paper-out", false, "report an empty roll to status requests (to test the kiosk's error path)")
	render := flags.String("render", "", "render this saved ESC/POS file to -out and exit")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("create output directory: %w", err)
	}
	s := &sink{out: *out, width: *width, paperOut: *paperOut, stdout: stdout}
	if *render != "" {
		data, err := os.ReadFile(*render)
		if err != nil {
			return err
		}
		return s.save(data)
	}

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "listening on %s, writing to %s\n", ln.Addr(), *out)
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("accept: %w", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer conn.Close()
			if err := s.handle(ctx, conn); err != nil {
				slog.Warn("print job failed", "remote", conn.RemoteAddr(), "err", err)
			}
		}()
	}
}

type sink struct {
	out      string
	width    int
	paperOut bool
	stdout   io.Writer
	jobs     atomic.Int64
	mu       sync.Mutex // serialises writes to stdout
}

// Status replies of DLE EOT 1, 2 and 4: a healthy printer, and one whose
// roll is empty.
var (
	replyOK       = map[byte]byte{1: 0x16, 2: 0x12, 3: 0x12, 4: 0x12}
	replyPaperOut = map[byte]byte{1: 0x1E, 2: 0x32, 3: 0x12, 4: 0x72}
)

// handle reads one connection as one job, answering status requests as
// they arrive, since the client waits for them before it sends the rest.
func (s *sink) handle(ctx context.Context, conn net.Conn) error {
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	replies := replyOK
	if s.paperOut {
		replies = replyPaperOut
	}
	var job bytes.Buffer
	buf := make([]byte, 32<<10)
	scanned := 0 // bytes of job already searched for DLE EOT
	for {
		// A client that stops sending has finished its job.
		conn.SetReadDeadline(time.Now().Add(2 * time.Second))
		n, err := conn.Read(buf)
		job.Write(buf[:n])
		data := job.Bytes()
		for i := max(scanned-2, 0); i+2 < len(data); i++ {
			if data[i] == 0x10 && data[i+1] == 0x04 {
				if reply, ok := replies[data[i+2]]; ok {
					if _, err := conn.Write([]byte{reply}); err != nil {
						return fmt.Errorf("status reply: %w", err)
					}
				}
				i += 2
			}
		}
		scanned = len(data)
		if err != nil {
			var netErr net.Error
			if errors.Is(err, io.EOF) || errors.As(err, &netErr) && netErr.Timeout() || ctx.Err() != nil {
				break
			}
			return fmt.Errorf("read job: %w", err)
		}
	}
	if job.Len() == 0 || onlyStatusRequests(job.Bytes()) {
		return nil
	}
	return s.save(job.Bytes())
}

func onlyStatusRequests(data []byte) bool {
	for len(data) >= 3 && data[0] == 0x10 && data[1] == 0x04 {
		data = data[3:]
	}
	return len(data) == 0
}

// save writes the raw job and its preview.
func (s *sink) save(data []byte) error {
	n := s.jobs.Add(1)
	base := filepath.Join(s.out, fmt.Sprintf("job-%s-%03d", time.Now().Format("150405"), n))
	if err := os.WriteFile(base+".escpos", data, 0o644); err != nil {
		return err
	}
	img, renderErr := printer.Render(data, s.width)
	if img == nil {
		// Render the commands that parsed, so a truncated job still shows.
		ops, _ := printer.Parse(data)
		var err error
		if img, err = printer.RenderOps(ops, s.width); err != nil {
			return err
		}
	}
	// Write under a temporary name and rename, so that whoever watches
	// the directory never opens a half-written picture.
	f, err := os.CreateTemp(s.out, ".job-*.png")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := printer.WritePNG(f, img); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), base+".png"); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if renderErr != nil {
		fmt.Fprintf(s.stdout, "job %d: %d bytes -> %s.png (damaged: %v)\n", n, len(data), base, renderErr)
	} else {
		fmt.Fprintf(s.stdout, "job %d: %d bytes -> %s.png\n", n, len(data), base)
	}
	return nil
}
