package printer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/tarm/serial"
)

// Errors a print can end with; the kiosk tests for them with errors.Is and
// tells the citizen (and the office) what is wrong.
var (
	// ErrPaperOut means the roll is empty.
	ErrPaperOut = errors.New("printer: paper out")
	// ErrCoverOpen means the paper cover is open.
	ErrCoverOpen = errors.New("printer: cover open")
	// ErrOffline means the printer is off, unplugged, unreachable or in an
	// error state.
	ErrOffline = errors.New("printer: offline")
	// ErrTimeout means the printer did not take the job in time.
	ErrTimeout = errors.New("printer: timeout")
)

// Options tune a Printer; the zero value is the default.
type Options struct {
	// Timeout bounds a whole print job, connect to last byte; zero means
	// 5 s. A context deadline that is sooner wins.
	Timeout time.Duration
	// StatusTimeout bounds each real-time status reply; zero means 500 ms.
	StatusTimeout time.Duration
	// SkipStatus sends no DLE EOT status requests, for printers that do not
	// answer them.
	SkipStatus bool
	// Logger receives warnings; nil means slog.Default().
	Logger *slog.Logger
}

// transport is how the bytes reach the printer.
type transport int

const (
	transportTCP    transport = iota // raw TCP, port 9100 (JetDirect)
	transportSerial                  // RS-232 or USB-serial, bidirectional
	transportDevice                  // Linux usblp (/dev/usb/lp0), write-only
	transportFile                    // a plain file, for tests and the sink
)

// Printer sends jobs to one ESC/POS printer. It connects per job, so a
// printer switched on after the kiosk works without a restart, and a job
// never blocks the caller beyond its deadline. It is safe for concurrent
// use; jobs are sent one at a time.
type Printer struct {
	spec      string
	transport transport
	address   string // path or host:port
	baud      int
	opts      Options

	mu   sync.Mutex // serialises jobs
	busy sync.Mutex // held by the goroutine that talks to the device
}

// Open returns a Printer for a device spec:
//
//	tcp://host[:port]            network printer (port 9100 by default)
//	/dev/ttyUSB0, /dev/ttyS0     serial printer; append ?baud=19200 (default 9600)
//	serial:PATH[?baud=N]         serial printer under another path
//	/dev/usb/lp0                 USB printer class device (any other path too)
//	file:PATH                    append jobs to a file
//
// Open only checks the spec; the device is opened for each job.
func Open(spec string, opts Options) (*Printer, error) {
	p := &Printer{spec: spec, opts: opts, baud: 9600}
	rest, query, _ := strings.Cut(spec, "?")
	switch {
	case strings.HasPrefix(spec, "tcp://"):
		u, err := url.Parse(spec)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("printer: bad network address %q", spec)
		}
		p.transport = transportTCP
		p.address = u.Host
		if u.Port() == "" {
			p.address = net.JoinHostPort(u.Hostname(), "9100")
		}
		return p, nil
	case strings.HasPrefix(spec, "file:"):
		p.transport = transportFile
		p.address = strings.TrimPrefix(spec, "file:")
	case strings.HasPrefix(spec, "serial:"):
		p.transport = transportSerial
		p.address = strings.TrimPrefix(rest, "serial:")
	case strings.HasPrefix(spec, "/dev/tty"):
		p.transport = transportSerial
		p.address = rest
	case strings.HasPrefix(spec, "/"):
		p.transport = transportDevice
		p.address = spec
	default:
		return nil, fmt.Errorf("printer: unknown device %q (want tcp://host:9100, /dev/ttyUSB0, /dev/usb/lp0 or file:PATH)", spec)
	}
	if p.address == "" {
		return nil, fmt.Errorf("printer: no path in %q", spec)
	}
	if p.transport == transportSerial && query != "" {
		v, err := url.ParseQuery(query)
		if err != nil {
			return nil, fmt.Errorf("printer: bad options in %q: %w", spec, err)
		}
		if b := v.Get("baud"); b != "" {
			n, err := strconv.Atoi(b)
			if err != nil || n <= 0 {
				return nil, fmt.Errorf("printer: bad baud rate in %q", spec)
			}
			p.baud = n
		}
	}
	return p, nil
}

// String returns the device spec.
func (p *Printer) String() string { return p.spec }

// PrintTicket encodes and prints a ticket.
func (p *Printer) PrintTicket(ctx context.Context, t Ticket, layout Layout) error {
	data, err := EncodeTicket(t, layout)
	if err != nil {
		return err
	}
	return p.Print(ctx, data)
}

// Print sends ESC/POS data as one job. On a bidirectional transport it
// first asks for the printer's status, so an empty roll is reported before
// anything is sent. It returns within the job's deadline even when the
// device hangs; the errors wrap ErrPaperOut, ErrCoverOpen, ErrOffline or
// ErrTimeout.
func (p *Printer) Print(ctx context.Context, data []byte) error {
	return p.do(ctx, func(ctx context.Context, l *link) error {
		if err := p.checkStatus(ctx, l); err != nil {
			return err
		}
		if _, err := l.Write(data); err != nil {
			return fmt.Errorf("write %d bytes: %w", len(data), err)
		}
		return nil
	})
}

// Status asks the printer for its state (DLE EOT 1, 2 and 4). Write-only
// transports (USB device files, files) report the zero Status and, for
// usblp, paper-out from the kernel's port status.
func (p *Printer) Status(ctx context.Context) (Status, error) {
	var st Status
	err := p.do(ctx, func(ctx context.Context, l *link) error {
		var err error
		st, err = p.queryStatus(l)
		return err
	})
	return st, err
}

// do runs fn on a freshly opened link in its own goroutine, so that a
// device blocking in open or write cannot hold the caller past the deadline.
func (p *Printer) do(ctx context.Context, fn func(context.Context, *link) error) error {
	timeout := p.opts.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.busy.TryLock() {
		// The goroutine of an earlier job is still stuck in the kernel.
		return fmt.Errorf("print to %s: device still blocked by the previous job: %w", p.spec, ErrOffline)
	}
	result := make(chan error, 1)
	go func() {
		err := p.session(ctx, fn)
		// Free the device before handing back the result: a caller that
		// prints again right after must not find it still busy.
		p.busy.Unlock()
		result <- err
	}()
	select {
	case err := <-result:
		if err != nil {
			return fmt.Errorf("print to %s: %w", p.spec, err)
		}
		return nil
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("print to %s: no answer within %v: %w", p.spec, timeout, ErrTimeout)
		}
		return fmt.Errorf("print to %s: %w", p.spec, ctx.Err())
	}
}

func (p *Printer) session(ctx context.Context, fn func(context.Context, *link) error) error {
	l, err := p.connect(ctx)
	if err != nil {
		return classify(err)
	}
	// Closing unblocks network and tty I/O when the deadline passes.
	stop := context.AfterFunc(ctx, func() { l.Close() })
	defer func() {
		if stop() {
			l.Close()
		}
	}()
	if deadline, ok := ctx.Deadline(); ok && l.setDeadline != nil {
		l.setDeadline(deadline)
	}
	return classify(fn(ctx, l))
}

// link is one open connection to the printer.
type link struct {
	io.WriteCloser
	// readByte reads one status byte or fails after timeout; nil for
	// write-only transports.
	readByte    func(timeout time.Duration) (byte, error)
	setDeadline func(time.Time) error
	// portStatus reads the usblp port status; nil elsewhere.
	portStatus func() (byte, error)
}

func (p *Printer) connect(ctx context.Context) (*link, error) {
	switch p.transport {
	case transportTCP:
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", p.address)
		if err != nil {
			return nil, err
		}
		return &link{
			WriteCloser: conn,
			setDeadline: conn.SetDeadline,
			readByte: func(timeout time.Duration) (byte, error) {
				conn.SetReadDeadline(time.Now().Add(timeout))
				var b [1]byte
				_, err := io.ReadFull(conn, b[:])
				return b[0], err
			},
		}, nil
	case transportSerial:
		port, err := serial.OpenPort(&serial.Config{Name: p.address, Baud: p.baud, ReadTimeout: 100 * time.Millisecond})
		if err != nil {
			return nil, err
		}
		// Drop stale replies of an earlier, interrupted job.
		port.Flush()
		return &link{
			WriteCloser: port,
			readByte: func(timeout time.Duration) (byte, error) {
				// tarm/serial returns (0, io.EOF) after each 100 ms of silence.
				deadline := time.Now().Add(timeout)
				var b [1]byte
				for time.Now().Before(deadline) {
					n, err := port.Read(b[:])
					if n == 1 {
						return b[0], nil
					}
					if err != nil && !errors.Is(err, io.EOF) {
						return 0, err
					}
				}
				return 0, os.ErrDeadlineExceeded
			},
		}, nil
	case transportDevice:
		f, err := os.OpenFile(p.address, os.O_WRONLY, 0)
		if err != nil {
			return nil, err
		}
		return &link{WriteCloser: f, portStatus: func() (byte, error) { return usblpStatus(f) }}, nil
	case transportFile:
		f, err := os.OpenFile(p.address, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return nil, err
		}
		return &link{WriteCloser: f}, nil
	}
	return nil, fmt.Errorf("unknown transport %d", p.transport)
}

// classify adds the sentinel error that says what the kiosk should tell.
func classify(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrPaperOut), errors.Is(err, ErrCoverOpen),
		errors.Is(err, ErrOffline), errors.Is(err, ErrTimeout):
		return err
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Errorf("%w: %w", ErrTimeout, err)
	case errors.Is(err, syscall.ENOSPC):
		// The Linux lp and usblp drivers report an empty roll this way.
		return fmt.Errorf("%w: %w", ErrPaperOut, err)
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return fmt.Errorf("%w: %w", ErrTimeout, err)
	}
	// Refused, unreachable, reset, EIO, ENODEV, missing device file: the
	// printer is not there to take the job.
	return fmt.Errorf("%w: %w", ErrOffline, err)
}
