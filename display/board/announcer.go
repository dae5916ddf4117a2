package board

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"lotse/assets"
)

// Player makes the sounds of a call. Both methods block until the sound has
// played, so that the announcer can keep announcements from overlapping.
// display/sound has the real one; tests use a recording fake.
type Player interface {
	Gong(ctx context.Context) error
	Speak(ctx context.Context, text, lang string) error
}

// Silent is a Player for displays without sound.
type Silent struct{}

// Gong does nothing.
func (Silent) Gong(context.Context) error { return nil }

// Speak does nothing.
func (Silent) Speak(context.Context, string, string) error { return nil }

// Voice is one spoken language of the announcements.
type Voice struct {
	Lang string // espeak-ng voice, e.g. "de", "en"
	// Template is the sentence, with {number} and {counter}, e.g.
	// "Nummer {number}, bitte zu {counter}".
	Template string
}

// Voices returns the announcement's languages: German, then lang2 unless
// it is empty or German, each with its sentence from the display's
// translation files. A language without them is left out and named in the
// error; the others are still returned.
func Voices(lang2 string) ([]Voice, error) {
	var voices []Voice
	var errs []error
	for _, lang := range []string{assets.SourceLanguage, lang2} {
		if lang == "" || (lang == assets.SourceLanguage && len(voices) > 0) {
			continue
		}
		m, err := assets.Messages("display", lang)
		if err != nil {
			errs = append(errs, fmt.Errorf("no announcement text in %q: %w", lang, err))
			continue
		}
		voices = append(voices, Voice{Lang: lang, Template: m["speech"]})
	}
	return voices, errors.Join(errs...)
}

// maxQueued bounds the queue: a display that fell far behind (hub replaying
// a burst) speaks the most recent calls rather than ten minutes of history.
const maxQueued = 16

// Announcer plays the gong and speaks each call, one after the other: a new
// call waits until the one being announced has finished, and a recall is
// announced again.
type Announcer struct {
	Player Player
	Voices []Voice // none: gong only
	Log    *slog.Logger

	mu      sync.Mutex
	queue   []Call
	wake    chan struct{}
	initOne sync.Once
}

func (a *Announcer) init() {
	a.initOne.Do(func() { a.wake = make(chan struct{}, 1) })
}

// Announce queues a call. It never blocks.
func (a *Announcer) Announce(c Call) {
	a.init()
	a.mu.Lock()
	a.queue = append(a.queue, c)
	if len(a.queue) > maxQueued {
		a.queue = a.queue[len(a.queue)-maxQueued:]
	}
	a.mu.Unlock()
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// Drop forgets the calls not yet announced: when the day turns, nobody
// waits for yesterday's numbers any more.
func (a *Announcer) Drop() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.queue = nil
}

// Pending returns how many calls wait to be announced.
func (a *Announcer) Pending() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.queue)
}

// Run announces queued calls until ctx ends.
func (a *Announcer) Run(ctx context.Context) {
	a.init()
	log := a.Log
	if log == nil {
		log = slog.Default()
	}
	failed := false // sound errors are logged once, not per call
	for {
		a.mu.Lock()
		var next *Call
		if len(a.queue) > 0 {
			c := a.queue[0]
			a.queue = a.queue[1:]
			next = &c
		}
		a.mu.Unlock()
		if next == nil {
			select {
			case <-ctx.Done():
				return
			case <-a.wake:
				continue
			}
		}
		if err := a.announce(ctx, *next); err != nil && ctx.Err() == nil && !failed {
			log.Warn("announcement failed; later failures are not logged", "err", err)
			failed = true
		}
		if ctx.Err() != nil {
			return
		}
	}
}

func (a *Announcer) announce(ctx context.Context, c Call) error {
	var firstErr error
	if err := a.Player.Gong(ctx); err != nil {
		firstErr = err
	}
	for _, v := range a.Voices {
		if err := a.Player.Speak(ctx, Sentence(v.Template, c), v.Lang); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return firstErr
}

// Sentence fills a voice template with a call.
func Sentence(template string, c Call) string {
	r := strings.NewReplacer("{number}", SpokenNumber(c.Number), "{counter}", c.CounterName)
	return r.Replace(template)
}

// SpokenNumber spells a ticket number so a speech synthesizer reads it
// well: "A042" → "A 42" (letters apart, no leading zeros).
func SpokenNumber(number string) string {
	i := strings.IndexFunc(number, unicode.IsDigit)
	if i < 0 {
		return number
	}
	prefix, digits := number[:i], number[i:]
	if n, err := strconv.Atoi(digits); err == nil {
		digits = strconv.Itoa(n)
	}
	letters := strings.Join(strings.Split(strings.TrimSpace(prefix), ""), " ")
	if letters == "" {
		return digits
	}
	return letters + " " + digits
}
