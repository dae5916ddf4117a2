package printer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// Status is the printer's state from the real-time status requests.
type Status struct {
	// Offline is set when the printer reports itself offline.
	Offline bool
	// CoverOpen is set when the paper cover is open.
	CoverOpen bool
	// PaperOut is set when the roll is empty.
	PaperOut bool
	// PaperNearEnd is set when the near-end sensor sees little paper left;
	// printing still works, but the office should change the roll.
	PaperNearEnd bool
	// Error is set for a mechanical, cutter or unrecoverable error.
	Error bool
	// Known is false when the transport cannot report status.
	Known bool
}

// Err returns the sentinel error for a status that prevents printing.
func (s Status) Err() error {
	switch {
	case s.PaperOut:
		return ErrPaperOut
	case s.CoverOpen:
		return ErrCoverOpen
	case s.Offline || s.Error:
		return ErrOffline
	}
	return nil
}

// Real-time status requests (DLE EOT n) and the bits of their replies.
const (
	statusPrinter = 1 // bit 3: offline
	statusOffline = 2 // bit 2: cover open, bit 5: stopped by paper end, bit 6: error
	statusPaper   = 4 // bits 2,3: near end, bits 5,6: paper end

	bitOffline    = 0x08
	bitCoverOpen  = 0x04
	bitPaperStop  = 0x20
	bitError      = 0x40
	bitsNearEnd   = 0x0C
	bitsPaperEnd  = 0x60
	replyMask     = 0x93 // bits fixed in every reply
	replyFixed    = 0x12 // their values: bit 1 and bit 4 set, bits 0 and 7 clear
	lpPaperOutBit = 0x20 // LP_POUTPA of linux/lp.h
)

// errNoStatus means the printer did not answer a status request.
var errNoStatus = errors.New("no reply to status request")

// ErrNoStatus is wrapped in Status's error when the printer did not answer:
// some network interfaces never pass the replies back, and such a printer
// prints all the same (Print goes ahead on TCP).
var ErrNoStatus = errNoStatus

func (p *Printer) statusTimeout() time.Duration {
	if p.opts.StatusTimeout > 0 {
		return p.opts.StatusTimeout
	}
	return 500 * time.Millisecond
}

// checkStatus refuses to print when the printer says it cannot.
func (p *Printer) checkStatus(ctx context.Context, l *link) error {
	if p.opts.SkipStatus {
		return nil
	}
	st, err := p.queryStatus(l)
	if errors.Is(err, errNoStatus) && p.transport == transportTCP {
		// Some network interfaces do not pass status replies back; the
		// connection itself shows that the printer is there.
		loggerOr(p.opts.Logger).Warn("printer did not answer the status request; printing anyway",
			"printer", p.spec)
		return nil
	}
	if err != nil {
		return err
	}
	if st.PaperNearEnd {
		loggerOr(p.opts.Logger).Warn("printer paper near end", "printer", p.spec)
	}
	return st.Err()
}

func (p *Printer) queryStatus(l *link) (Status, error) {
	if l.portStatus != nil {
		b, err := l.portStatus()
		if err != nil {
			// Not every USB printer reports port status; say nothing then.
			return Status{}, nil
		}
		return Status{PaperOut: b&lpPaperOutBit != 0, Known: true}, nil
	}
	if l.readByte == nil {
		return Status{}, nil
	}
	ask := func(n byte) (byte, error) {
		if _, err := l.Write([]byte{dle, eot, n}); err != nil {
			return 0, fmt.Errorf("status request: %w", err)
		}
		b, err := l.readByte(p.statusTimeout())
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return 0, fmt.Errorf("%w: %w", ErrOffline, errNoStatus)
			}
			return 0, fmt.Errorf("status reply: %w", err)
		}
		if b&replyMask != replyFixed {
			return 0, fmt.Errorf("%w: status reply %#02x is not a DLE EOT reply", ErrOffline, b)
		}
		return b, nil
	}
	st := Status{Known: true}
	printer, err := ask(statusPrinter)
	if err != nil {
		return Status{}, err
	}
	st.Offline = printer&bitOffline != 0
	if st.Offline {
		cause, err := ask(statusOffline)
		if err != nil {
			return Status{}, err
		}
		st.CoverOpen = cause&bitCoverOpen != 0
		st.PaperOut = cause&bitPaperStop != 0
		st.Error = cause&bitError != 0
	}
	paper, err := ask(statusPaper)
	if err != nil {
		return Status{}, err
	}
	st.PaperNearEnd = paper&bitsNearEnd != 0
	st.PaperOut = st.PaperOut || paper&bitsPaperEnd != 0
	return st, nil
}

// usblpStatus reads the printer port status byte of a Linux usblp device
// (ioctl LPGETSTATUS).
func usblpStatus(f *os.File) (byte, error) {
	const lpGetStatus = 0x060b
	v, err := unix.IoctlGetInt(int(f.Fd()), lpGetStatus)
	if err != nil {
		return 0, fmt.Errorf("LPGETSTATUS: %w", err)
	}
	return byte(v), nil
}
