package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal: the master side the test types into and
// reads the screen from, and the terminal the tool reads.
func openPTY(t *testing.T) (master, tty *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	var unlock int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		m.Close()
		t.Fatal(e)
	}
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		m.Close()
		t.Fatal(e)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(); m.Close() })
	return m, s
}

// screen collects what the terminal shows.
type screen struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	more chan struct{}
}

func watch(master *os.File) *screen {
	sc := &screen{more: make(chan struct{}, 1)}
	go func() {
		b := make([]byte, 256)
		for {
			n, err := master.Read(b)
			sc.mu.Lock()
			sc.buf.Write(b[:n])
			sc.mu.Unlock()
			select {
			case sc.more <- struct{}{}:
			default:
			}
			if err != nil {
				return
			}
		}
	}()
	return sc
}

func (sc *screen) String() string {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return sc.buf.String()
}

// TestPasswdFromTerminalWithoutEcho types the password into a real
// pseudo-terminal: the prompts appear, the password never does, and the
// hash verifies.
func TestPasswdFromTerminalWithoutEcho(t *testing.T) {
	master, tty := openPTY(t)
	sc := watch(master)
	shows := func(prompt string) {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for !strings.Contains(sc.String(), prompt) {
			select {
			case <-sc.more:
			case <-deadline:
				t.Fatalf("the terminal shows %q; want %q", sc.String(), prompt)
			}
		}
	}

	old := stdin
	stdin = tty
	defer func() { stdin = old }()
	var out bytes.Buffer
	errc := make(chan error, 1)
	go func() { errc <- run(context.Background(), []string{"passwd"}, &out) }()

	// A person types after the prompt; the tool turns the echo off just
	// after printing it. The test waits for that, as a person's
	// slowness does, before it types.
	silent := func() {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			tio, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
			if err != nil {
				t.Fatal(err)
			}
			if tio.Lflag&unix.ECHO == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatal("the terminal still echoes 10 s after the prompt")
			}
			time.Sleep(time.Millisecond)
		}
	}
	shows("Password: ")
	silent()
	master.Write([]byte("Sommer 2026!\r"))
	shows("Password again: ")
	silent()
	master.Write([]byte("Sommer 2026!\r"))
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sc.String(), "Sommer") {
		t.Errorf("the password was echoed: %q", sc.String())
	}
	if err := bcrypt.CompareHashAndPassword([]byte(strings.TrimSpace(out.String())), []byte("Sommer 2026!")); err != nil {
		t.Fatalf("hash %q: %v", out.String(), err)
	}
}
