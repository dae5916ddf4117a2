package scanner

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Generous limits: the tests run on a busy 2-core machine under -race.
const (
	waitLong  = 20 * time.Second
	waitQuiet = 500 * time.Millisecond
)

// ptyPair is a socat-made pair of connected pseudo-terminals: the scanner
// reads Device, the test writes to Host as if it were the scanner.
type ptyPair struct {
	Device, Host string
	cmd          *exec.Cmd
	done         chan struct{}
}

func startPTYPair(t *testing.T, dir string) *ptyPair {
	t.Helper()
	socat, err := exec.LookPath("socat")
	if err != nil {
		t.Skip("socat is not installed (apt-get install socat; `make test` installs it): skipping pseudo-terminal tests")
	}
	p := &ptyPair{Device: filepath.Join(dir, "scanner"), Host: filepath.Join(dir, "host"), done: make(chan struct{})}
	p.cmd = exec.Command(socat,
		"pty,raw,echo=0,link="+p.Device,
		"pty,raw,echo=0,link="+p.Host)
	p.cmd.Stderr = os.Stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start socat: %v", err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(p.stop)
	deadline := time.Now().Add(waitLong)
	for {
		_, errA := os.Stat(p.Device)
		_, errB := os.Stat(p.Host)
		if errA == nil && errB == nil {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("socat did not create %s and %s", p.Device, p.Host)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop ends socat the way unplugging ends a device: its ptys disappear.
func (p *ptyPair) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

func (p *ptyPair) write(t *testing.T, data string) {
	t.Helper()
	f, err := os.OpenFile(p.Host, os.O_WRONLY|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open host side: %v", err)
	}
	defer f.Close()
	if _, err := io.WriteString(f, data); err != nil {
		t.Fatalf("write host side: %v", err)
	}
}

// recorder collects scans and status changes from a running source.
type recorder struct {
	mu     sync.Mutex
	scans  []Scan
	states []State
	notify chan struct{}
}

func newRecorder() *recorder { return &recorder{notify: make(chan struct{}, 1)} }

func (r *recorder) deliver(s Scan) {
	r.mu.Lock()
	r.scans = append(r.scans, s)
	r.mu.Unlock()
	r.poke()
}

func (r *recorder) status(s Status) {
	r.mu.Lock()
	r.states = append(r.states, s.State)
	r.mu.Unlock()
	r.poke()
}

func (r *recorder) poke() {
	select {
	case r.notify <- struct{}{}:
	default:
	}
}

func (r *recorder) codes() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var codes []string
	for _, s := range r.scans {
		codes = append(codes, s.Code)
	}
	return codes
}

func (r *recorder) count(code string) int {
	n := 0
	for _, c := range r.codes() {
		if c == code {
			n++
		}
	}
	return n
}

// stateCount counts how often state was reported.
func (r *recorder) stateCount(state State) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, s := range r.states {
		if s == state {
			n++
		}
	}
	return n
}

// waitFor polls cond until it holds or the deadline passes.
func (r *recorder) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(waitLong)
	for !cond() {
		select {
		case <-r.notify:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("timed out waiting for %s (codes %d, states %v)", what, len(r.codes()), r.statesCopy())
		}
	}
}

func (r *recorder) statesCopy() []State {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]State(nil), r.states...)
}

// runSource starts src and returns a stop function that cancels it and
// checks that Run returns promptly.
func runSource(t *testing.T, src Source, rec *recorder) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx, rec.deliver) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run returned %v", err)
				}
			case <-time.After(waitLong):
				t.Errorf("Run did not return after cancel")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestSerialPTYDeliversEachCodeOnce(t *testing.T) {
	pair := startPTYPair(t, t.TempDir())
	rec := newRecorder()
	src := &Serial{Device: pair.Device, Baud: 115200, OnStatus: rec.status, Logger: quietLogger()}
	stop := runSource(t, src, rec)
	rec.waitFor(t, "connected", func() bool { return rec.stateCount(StateConnected) > 0 })

	pair.write(t, "LOTSE:1:aaa\r\n]Q1LOTSE:2:bbb\r")
	pair.write(t, "LOTSE:3:c")
	pair.write(t, "cc\nLOTSE:1:aaa\r\n") // repeat within 2 s: suppressed
	pair.write(t, "LOTSE:4:ddd")         // no suffix: ended by silence
	want := []string{"LOTSE:1:aaa", "LOTSE:2:bbb", "LOTSE:3:ccc", "LOTSE:4:ddd"}
	rec.waitFor(t, "four codes", func() bool { return len(rec.codes()) >= len(want) })
	time.Sleep(waitQuiet) // give a duplicate the chance to show up
	stop()
	got := rec.codes()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("codes = %q, want %q", got, want)
	}
	for _, s := range rec.scans {
		if s.Source != "serial:"+pair.Device || s.At.IsZero() {
			t.Errorf("scan %+v lacks source or time", s)
		}
	}
	if n := rec.stateCount(StateStopped); n != 1 {
		t.Errorf("stopped reported %d times, want 1", n)
	}
}

func TestSerialPTYSurvivesGarbage(t *testing.T) {
	pair := startPTYPair(t, t.TempDir())
	rec := newRecorder()
	src := &Serial{Device: pair.Device, Baud: 9600, OnStatus: rec.status, Logger: quietLogger()}
	runSource(t, src, rec)
	rec.waitFor(t, "connected", func() bool { return rec.stateCount(StateConnected) > 0 })

	rng := rand.New(rand.NewPCG(1, 2))
	garbage := make([]byte, 64<<10)
	for i := range garbage {
		garbage[i] = byte(rng.IntN(256))
	}
	// Long runs without line ends too, to hit the 2 KB limit.
	pair.write(t, string(garbage)+"\r\n")
	for i := 0; i < 3; i++ {
		pair.write(t, fmt.Sprintf("%0*d\r\n", 5000, i))
	}
	pair.write(t, "LOTSE:after:garbage\r\n")
	rec.waitFor(t, "the code after the garbage", func() bool { return rec.count("LOTSE:after:garbage") == 1 })
	for _, c := range rec.codes() {
		if len(c) > DefaultMaxCodeLen {
			t.Errorf("overlong code of %d bytes delivered", len(c))
		}
	}
}

func TestSerialPTYReplug(t *testing.T) {
	dir := t.TempDir()
	pair := startPTYPair(t, dir)
	rec := newRecorder()
	src := &Serial{Device: pair.Device, OnStatus: rec.status, Logger: quietLogger()}
	runSource(t, src, rec)
	rec.waitFor(t, "connected", func() bool { return rec.stateCount(StateConnected) == 1 })
	pair.write(t, "LOTSE:before:1\r")
	rec.waitFor(t, "code before unplug", func() bool { return rec.count("LOTSE:before:1") == 1 })

	pair.stop() // unplug
	rec.waitFor(t, "disconnected", func() bool { return rec.stateCount(StateDisconnected) > 0 })

	pair = startPTYPair(t, dir) // plug in again under the same name
	rec.waitFor(t, "reconnected", func() bool { return rec.stateCount(StateConnected) >= 2 })
	pair.write(t, "LOTSE:after:2\r")
	rec.waitFor(t, "code after replug", func() bool { return rec.count("LOTSE:after:2") == 1 })
}

func TestSerialMissingDeviceRetriesUntilCancel(t *testing.T) {
	rec := newRecorder()
	src := &Serial{Device: filepath.Join(t.TempDir(), "nothing"), OnStatus: rec.status, Logger: quietLogger()}
	stop := runSource(t, src, rec)
	rec.waitFor(t, "two failed attempts", func() bool { return rec.stateCount(StateDisconnected) >= 2 })
	stop()
	if rec.stateCount(StateConnected) != 0 {
		t.Error("connected to a missing device")
	}
}

func TestSerialNeedsDevice(t *testing.T) {
	if err := (&Serial{}).Run(context.Background(), func(Scan) {}); err == nil {
		t.Error("Run without device succeeded, want error")
	}
}
