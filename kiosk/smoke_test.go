package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"lotse/kiosk/internal/fakehub"
)

// smokeChildEnv makes the test binary run the real kiosk (see TestMain).
const smokeChildEnv = "LOTSE_KIOSK_SMOKE_CHILD"

// TestMain runs the kiosk itself when started as the smoke test's child:
// Fyne's window must live on the process's main goroutine, which only
// TestMain has.
func TestMain(m *testing.M) {
	if os.Getenv(smokeChildEnv) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := run(ctx, strings.Fields(os.Getenv(smokeChildEnv+"_ARGS")), os.Stdout)
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, "kiosk:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestSmokeRealWindow starts the real kiosk window against the fake hub,
// waits for the idle screen, scans a code through a serial scanner (a socat
// pseudo-terminal) and waits for the ticket.
func TestSmokeRealWindow(t *testing.T) {
	if os.Getenv("DISPLAY") == "" {
		t.Skip("no DISPLAY: the real-window smoke test runs under xvfb-run (make test)")
	}
	socat, err := exec.LookPath("socat")
	if err != nil {
		t.Skip("socat not installed: needed for the scanner's pseudo-terminal")
	}
	// Without a screenshot the test could not tell a painted window from a
	// black one, so it would pass without checking what it claims to.
	imp, err := exec.LookPath("import")
	if err != nil {
		t.Skip("import (ImageMagick) not installed: needed to see the painted window (make sysdeps installs it)")
	}
	hub := fakehub.New()
	defer hub.Close()

	dir := t.TempDir()
	device, feed := filepath.Join(dir, "scanner"), filepath.Join(dir, "feed")
	pty := exec.Command(socat, "pty,raw,echo=0,link="+device, "pty,raw,echo=0,link="+feed)
	if err := pty.Start(); err != nil {
		t.Fatalf("start socat: %v", err)
	}
	defer func() {
		_ = pty.Process.Kill()
		_ = pty.Wait()
	}()
	waitUntil(t, 30*time.Second, "socat pseudo-terminals", func() bool {
		_, e1 := os.Stat(device)
		_, e2 := os.Stat(feed)
		return e1 == nil && e2 == nil
	})

	kiosk := exec.Command(os.Args[0], "-test.run=^$")
	// A fresh HOME and the plain C locale of a minimal system: neither may
	// make Fyne log errors (no app ID, no preferences, no locale).
	kiosk.Env = append(os.Environ(), smokeChildEnv+"=1", "LANG=C", "LC_ALL=", "HOME="+filepath.Join(dir, "home"),
		smokeChildEnv+"_ARGS=-hub "+hub.URL+" -token "+fakehub.Token+" -windowed -scanner "+device)
	stdout, err := kiosk.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	kiosk.Stderr = io.MultiWriter(os.Stderr, &stderr)
	if err := kiosk.Start(); err != nil {
		t.Fatalf("start kiosk: %v", err)
	}
	exited := make(chan error, 1)
	defer func() {
		_ = kiosk.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			_ = kiosk.Process.Kill()
			<-exited
		}
	}()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		exited <- kiosk.Wait()
	}()
	// A slow, busy machine may need long for the first window.
	expect(t, lines, 90*time.Second, "msg=screen name=idle")
	waitPainted(t, imp)

	f, err := os.OpenFile(feed, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// The scanner source may still be connecting: repeat the scan until it
	// arrives (the hub's answer is the same ticket every time).
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := io.WriteString(f, fakehub.CodeGood+"\r"); err != nil {
			t.Fatal(err)
		}
		if found(lines, 3*time.Second, "number=A001") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the scan never produced a ticket")
		}
	}
	expect(t, lines, 30*time.Second, "msg=screen name=ticket")
	if strings.Contains(stderr.String(), "Fyne error") {
		t.Errorf("Fyne logged errors:\n%s", stderr.String())
	}
}

// syncBuffer is a bytes.Buffer that a process's output may fill while the
// test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitPainted waits until the screen shows the kiosk's dark blue buttons,
// taking screenshots with ImageMagick's import at path imp.
func waitPainted(t *testing.T, imp string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		out, err := exec.Command(imp, "-window", "root", "png:-").Output()
		if err == nil {
			if img, err := png.Decode(bytes.NewReader(out)); err == nil && countPrimary(img) > 1000 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the kiosk window was never painted")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// countPrimary counts pixels in the theme's primary colour (#003366).
func countPrimary(img image.Image) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r>>8 < 0x10 && g>>8 > 0x28 && g>>8 < 0x3e && bl>>8 > 0x5b && bl>>8 < 0x71 {
				n++
			}
		}
	}
	return n
}

// expect waits for a log line containing want.
func expect(t *testing.T, lines <-chan string, timeout time.Duration, want string) {
	t.Helper()
	if !found(lines, timeout, want) {
		t.Fatalf("kiosk did not log %q within %v", want, timeout)
	}
}

func found(lines <-chan string, timeout time.Duration, want string) bool {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				return false
			}
			if strings.Contains(l, want) {
				return true
			}
		case <-timer.C:
			return false
		}
	}
}

func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRunWithoutGraphicalSession: started where there is no X display (a
// service unit without DISPLAY, an SSH shell), the kiosk says so instead
// of panicking inside Fyne.
func TestRunWithoutGraphicalSession(t *testing.T) {
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	err := run(context.Background(), []string{"-hub", "http://127.0.0.1:1"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "DISPLAY") {
		t.Fatalf("run without DISPLAY: %v", err)
	}
}
