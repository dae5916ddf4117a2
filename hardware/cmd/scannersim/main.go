// Command scannersim pretends to be a serial QR scanner for development and
// `make run`: it creates a pseudo-terminal, prints the device path for the
// kiosk's -scanner flag, and sends every line typed on stdin as one scan.
//
//	go run ./hardware/cmd/scannersim -link /tmp/scanner
//	go run ./kiosk -scanner /tmp/scanner
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "scannersim:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	flags := flag.NewFlagSet("scannersim", flag.ContinueOnError)
	link := flags.String("link", "", "also make the device reachable under this path (a symlink)")
	suffix := flags.String("suffix", "crlf", "what ends a code: crlf, cr, lf or none (the reader then relies on a pause)")
	prefix := flags.String("prefix", "", `prefix sent before every code, e.g. an AIM identifier "]Q1"`)
	if err := flags.Parse(args); err != nil {
		return err
	}
	terminator, ok := map[string]string{"crlf": "\r\n", "cr": "\r", "lf": "\n", "none": ""}[*suffix]
	if !ok {
		return fmt.Errorf("unknown -suffix %q", *suffix)
	}

	master, device, err := openPTY()
	if err != nil {
		return err
	}
	defer master.Close()
	// Keep the slave side open ourselves: a pty whose slave was never
	// opened, or was closed by the last reader, makes master writes fail
	// or hang up, and a kiosk reconnecting must find the device intact.
	slave, err := os.OpenFile(device, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", device, err)
	}
	defer slave.Close()
	if err := makeRaw(slave); err != nil {
		return err
	}
	path := device
	if *link != "" {
		os.Remove(*link) // a stale link of an earlier run
		if err := os.Symlink(device, *link); err != nil {
			return fmt.Errorf("link %s: %w", *link, err)
		}
		defer os.Remove(*link)
		path = *link
	}
	fmt.Fprintln(stdout, path)

	lines := make(chan string)
	readErr := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdin)
		for sc.Scan() {
			lines <- sc.Text()
		}
		readErr <- sc.Err()
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-readErr:
			return err // stdin closed: nil, or the read error
		case line := <-lines:
			line = strings.TrimRight(line, "\r")
			if line == "" {
				continue
			}
			if _, err := io.WriteString(master, *prefix+line+terminator); err != nil {
				return fmt.Errorf("send scan: %w", err)
			}
		}
	}
}

// openPTY opens a new pseudo-terminal master and returns it with the path
// of its slave side.
func openPTY() (*os.File, string, error) {
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, "", fmt.Errorf("open /dev/ptmx: %w", err)
	}
	fd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		master.Close()
		return nil, "", fmt.Errorf("unlock pty: %w", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		master.Close()
		return nil, "", fmt.Errorf("pty number: %w", err)
	}
	return master, fmt.Sprintf("/dev/pts/%d", n), nil
}

// makeRaw turns off echo and line editing, as a real serial line has none.
func makeRaw(f *os.File) error {
	fd := int(f.Fd())
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return fmt.Errorf("get termios: %w", err)
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, t); err != nil {
		return fmt.Errorf("set termios: %w", err)
	}
	return nil
}
