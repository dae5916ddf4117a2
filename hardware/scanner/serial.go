package scanner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"syscall"
	"time"

	"github.com/tarm/serial"
)

// Serial reads codes from a scanner on a serial port (USB CDC-ACM or a
// USB-serial adapter, /dev/ttyACM0 or /dev/ttyUSB0 on Linux). It survives
// the device being unplugged and plugged in again: it reopens the port with
// backoff and reports each change through OnStatus.
type Serial struct {
	// Device is the port path, e.g. "/dev/ttyACM0".
	Device string
	// Baud is the line speed; zero means 9600, the usual scanner default.
	// (CDC-ACM devices ignore it.)
	Baud int
	// Gap is the silence that ends a code from a scanner configured
	// without a CR/LF suffix; zero means 100 ms, negative disables it.
	Gap time.Duration
	// Affixes are the scanner's configured prefixes and suffixes; AIM
	// identifiers and framing are removed in any case (see Payload).
	Affixes Affixes
	// Dedupe suppresses repeats; nil means a private Deduper with the
	// default window.
	Dedupe *Deduper
	// OnStatus, if set, is called from Run's goroutine on every state change.
	OnStatus func(Status)
	// Logger receives drop reasons and connection changes; nil means
	// slog.Default().
	Logger *slog.Logger

	// open is replaced in tests; nil means the real serial port.
	open func(device string, baud int, readTimeout time.Duration) (io.ReadCloser, error)
}

// Timing of the serial loop. The read timeout bounds how long a cancelled
// context waits: Close does not wake a pending Read on Linux, so the loop
// must come back on its own.
const (
	serialReadTimeout = 100 * time.Millisecond
	serialDefaultGap  = 100 * time.Millisecond
	serialBackoffMin  = 200 * time.Millisecond
	serialBackoffMax  = 5 * time.Second
	// serialProbeEvery is how often the device path is checked for having
	// disappeared or been replaced while the port looks healthy.
	serialProbeEvery = 500 * time.Millisecond
	// serialHangupReads is how many instant empty reads in a row mean the
	// tty was hung up (a USB device gone): a hung-up tty returns 0 bytes at
	// once instead of waiting for the read timeout.
	serialHangupReads = 20
)

// errHangup reports a port that stopped delivering data because the device
// went away.
var errHangup = errors.New("device hung up")

func (s *Serial) name() string { return "serial:" + s.Device }

// Run implements Source.
func (s *Serial) Run(ctx context.Context, deliver func(Scan)) error {
	if s.Device == "" {
		return errors.New("scanner: serial device not set")
	}
	log := loggerOr(s.Logger).With("source", s.name())
	dedupe := s.Dedupe
	if dedupe == nil {
		dedupe = &Deduper{}
	}
	gap := s.Gap
	switch {
	case gap == 0:
		gap = serialDefaultGap
	case gap < 0:
		gap = 0
	}
	framer := &LineFramer{Gap: gap, Affixes: s.Affixes}
	report := func(state State, err error) {
		if s.OnStatus != nil {
			s.OnStatus(Status{Source: s.name(), State: state, Err: err, At: time.Now()})
		}
	}
	defer report(StateStopped, nil)

	retry := backoff{min: serialBackoffMin, max: serialBackoffMax}
	for ctx.Err() == nil {
		report(StateConnecting, nil)
		err := s.session(ctx, framer, dedupe, log, func() {
			retry.reset()
			report(StateConnected, nil)
			log.Info("scanner connected")
		}, deliver)
		if ctx.Err() != nil {
			break
		}
		report(StateDisconnected, err)
		wait := retry.wait()
		log.Warn("scanner unavailable, retrying", "err", err, "retry_in", wait)
		if !sleep(ctx, wait) {
			break
		}
	}
	return nil
}

// session opens the port once and reads until it fails or ctx ends.
func (s *Serial) session(ctx context.Context, framer *LineFramer, dedupe *Deduper,
	log *slog.Logger, connected func(), deliver func(Scan)) error {
	open := s.open
	if open == nil {
		open = openSerialPort
	}
	baud := s.Baud
	if baud == 0 {
		baud = 9600
	}
	identity, err := deviceIdentity(s.Device)
	if err != nil {
		return err
	}
	port, err := open(s.Device, baud, serialReadTimeout)
	if err != nil {
		return fmt.Errorf("open %s: %w", s.Device, err)
	}
	defer port.Close()
	framer.Reset()
	connected()

	buf := make([]byte, 512)
	lastProbe := time.Now()
	instantEmpty := 0
	for ctx.Err() == nil {
		started := time.Now()
		n, err := port.Read(buf)
		now := time.Now()
		var frames []Frame
		if n > 0 {
			frames = framer.Feed(buf[:n], now)
			instantEmpty = 0
		}
		frames = append(frames, framer.Flush(now)...)
		for _, fr := range frames {
			switch {
			case fr.Dropped != "":
				log.Warn("scanner input dropped", "reason", fr.Dropped, "length", fr.Length)
			case dedupe.Fresh(fr.Code, now):
				deliver(Scan{Code: fr.Code, Source: s.name(), At: now})
			default:
				log.Debug("repeated code suppressed", "length", fr.Length)
			}
		}
		switch {
		case err == nil || (errors.Is(err, io.EOF) && n > 0):
		case errors.Is(err, io.EOF):
			// tarm/serial on Linux reports a read timeout as (0, io.EOF).
			// A hung-up tty does the same, but at once.
			if now.Sub(started) < serialReadTimeout/4 {
				instantEmpty++
				if instantEmpty >= serialHangupReads {
					return fmt.Errorf("read %s: %w", s.Device, errHangup)
				}
			} else {
				instantEmpty = 0
			}
		default:
			return fmt.Errorf("read %s: %w", s.Device, err)
		}
		if now.Sub(lastProbe) >= serialProbeEvery {
			lastProbe = now
			current, err := deviceIdentity(s.Device)
			if err != nil {
				return err
			}
			if current != identity {
				// Replugged under the same name (or a new pty behind the same
				// symlink): the open descriptor belongs to the old device.
				return fmt.Errorf("%s was replaced by another device", s.Device)
			}
		}
	}
	return nil
}

// deviceIdentity returns what distinguishes one plugged-in device from the
// next one under the same path: the device number (and inode).
func deviceIdentity(path string) ([2]uint64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return [2]uint64{}, fmt.Errorf("stat %s: %w", path, err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return [2]uint64{}, nil
	}
	return [2]uint64{uint64(st.Rdev), uint64(st.Ino)}, nil
}

func openSerialPort(device string, baud int, readTimeout time.Duration) (io.ReadCloser, error) {
	return serial.OpenPort(&serial.Config{Name: device, Baud: baud, ReadTimeout: readTimeout})
}
