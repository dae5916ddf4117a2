// Package speech speaks text aloud with espeak-ng, on a chosen audio
// device, for the kiosk's "Vorlesen" (read aloud) function.
//
// espeak-ng plays through its own audio library, whose -d option names the
// output: an ALSA device such as "plughw:CARD=Headphones" or "default", or a
// PulseAudio sink. That needs no second program (aplay) and no temporary
// file; WriteWAV writes the same speech to a file instead, which tests
// measure.
package speech

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
)

// ErrNotInstalled says that espeak-ng is not installed.
var ErrNotInstalled = errors.New("espeak-ng not found")

// Espeak runs espeak-ng. Its zero value is not usable; use Find.
type Espeak struct {
	// Path is the espeak-ng binary.
	Path string
	// Device is the audio output; empty means the system's default.
	Device string
	// Speed is in words per minute; 0 means espeak-ng's default (175).
	// Citizens who rely on speech hear a kiosk once, so a slower pace helps.
	Speed int
}

// Find looks up espeak-ng on the PATH and returns a runner that speaks on
// device (empty: the default device).
func Find(device string) (*Espeak, error) {
	p, err := exec.LookPath("espeak-ng")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotInstalled, err)
	}
	return &Espeak{Path: p, Device: device, Speed: 150}, nil
}

// Voice returns the espeak-ng voice of a kiosk language: its base language
// ("de-LS", easy German, is spoken with the German voice).
func Voice(lang string) string {
	base, _, _ := strings.Cut(lang, "-")
	return strings.ToLower(base)
}

func (e *Espeak) args(voice string) []string {
	args := []string{"-v", voice}
	if e.Speed > 0 {
		args = append(args, "-s", fmt.Sprint(e.Speed))
	}
	return args
}

// Say speaks text in voice and returns when it has been said, or at once
// when ctx ends (the process is killed: the next screen's speech replaces
// the last one's).
func (e *Espeak) Say(ctx context.Context, text, voice string) error {
	args := e.args(voice)
	if e.Device != "" {
		args = append(args, "-d", e.Device)
	}
	return e.run(ctx, append(args, "--", text))
}

// WriteWAV writes the speech of text in voice to the WAV file path.
func (e *Espeak) WriteWAV(ctx context.Context, text, voice, path string) error {
	return e.run(ctx, append(e.args(voice), "-w", path, "--", text))
}

func (e *Espeak) run(ctx context.Context, args []string) error {
	var errOut bytes.Buffer
	cmd := exec.CommandContext(ctx, e.Path, args...)
	cmd.Stderr = &errOut
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("espeak-ng -v %s: %w: %s", args[1], err, bytes.TrimSpace(errOut.Bytes()))
	}
	return nil
}

// Reader speaks one text at a time on behalf of a screen: Speak returns at
// once, and a new text interrupts the one being said, so that the kiosk
// never talks over itself nor lags behind the citizen's keys.
type Reader struct {
	espeak  *Espeak
	onError func(error)

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{} // closed when the last text has ended
}

// NewReader returns a Reader speaking through e; onError hears failures
// other than interruptions.
func NewReader(e *Espeak, onError func(error)) *Reader {
	return &Reader{espeak: e, onError: onError}
}

// Speak interrupts what is being said and says text in voice; an empty
// text only interrupts.
func (r *Reader) Speak(text, voice string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cancel != nil {
		r.cancel()
	}
	if text == "" {
		r.cancel = nil
		return // silence: what was being said has been interrupted
	}
	ctx, cancel := context.WithCancel(context.Background())
	prev, done := r.done, make(chan struct{})
	r.cancel, r.done = cancel, done
	go func() {
		defer close(done)
		if prev != nil {
			<-prev // the device plays one voice at a time
		}
		if ctx.Err() != nil {
			return
		}
		if err := r.espeak.Say(ctx, text, voice); err != nil && ctx.Err() == nil && r.onError != nil {
			r.onError(err)
		}
	}()
}

// Close stops speaking and waits until espeak-ng has ended.
func (r *Reader) Close() {
	r.mu.Lock()
	if r.cancel != nil {
		r.cancel()
	}
	done := r.done
	r.mu.Unlock()
	if done != nil {
		<-done
	}
}
