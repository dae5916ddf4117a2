package speech

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeEspeak writes a stand-in for espeak-ng that notes its arguments in
// log and then speaks for a long time (or fails, if fail), so that a test
// sees what the Reader runs and whether it interrupts.
func fakeEspeak(t *testing.T, fail bool) (e *Espeak, log string) {
	t.Helper()
	dir := t.TempDir()
	log = filepath.Join(dir, "log")
	script := "#!/bin/sh\necho \"$@\" >> " + log + "\n"
	if fail {
		script += "echo 'no such voice' >&2\nexit 1\n"
	} else {
		script += "exec sleep 60\n"
	}
	p := filepath.Join(dir, "espeak-ng")
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return &Espeak{Path: p, Device: "plughw:CARD=Headphones,DEV=0", Speed: 150}, log
}

// waitLog waits until the log holds want.
func waitLog(t *testing.T, log, want string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		b, _ := os.ReadFile(log)
		if strings.Contains(string(b), want) {
			return string(b)
		}
		time.Sleep(5 * time.Millisecond)
	}
	b, _ := os.ReadFile(log)
	t.Fatalf("espeak-ng never ran with %q; ran %q", want, b)
	return ""
}

// TestReaderInterrupts checks that a new text stops the one being said at
// once (the kiosk must follow the citizen's keys), that the configured
// audio device is passed to espeak-ng, and that Close ends the speech.
func TestReaderInterrupts(t *testing.T) {
	e, log := fakeEspeak(t, false)
	r := NewReader(e, func(err error) { t.Errorf("interruption reported as an error: %v", err) })
	start := time.Now()
	r.Speak("Ihre Nummer: A, null, vier, zwei.", "de")
	got := waitLog(t, log, "A, null, vier, zwei")
	if !strings.Contains(got, "-v de -s 150 -d plughw:CARD=Headphones,DEV=0 -- Ihre Nummer") {
		t.Errorf("espeak-ng ran with %q, want voice, speed, device and the text", got)
	}
	r.Speak("eins", "de")
	waitLog(t, log, "eins")
	r.Close()
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("speech ran on for %v: not interrupted", d)
	}
}

// TestReaderReportsFailure checks that a failing espeak-ng is reported
// with its message, not swallowed.
func TestReaderReportsFailure(t *testing.T) {
	e, _ := fakeEspeak(t, true)
	errs := make(chan error, 1)
	r := NewReader(e, func(err error) { errs <- err })
	r.Speak("Hallo", "xx")
	select {
	case err := <-errs:
		if !strings.Contains(err.Error(), "no such voice") || errors.Is(err, ErrNotInstalled) {
			t.Errorf("error %v, want espeak-ng's message", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("failure not reported")
	}
	r.Close()
}

// TestVoice checks the espeak-ng voice of each kiosk language.
func TestVoice(t *testing.T) {
	for lang, want := range map[string]string{"de": "de", "de-LS": "de", "en": "en", "uk": "uk", "ar": "ar"} {
		if got := Voice(lang); got != want {
			t.Errorf("Voice(%q) = %q, want %q", lang, got, want)
		}
	}
}
