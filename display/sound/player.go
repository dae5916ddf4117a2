package sound

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"time"

	"github.com/ebitengine/oto/v3"
)

// Player plays the gong and spoken announcements on the audio device. It
// implements board.Player. Open it once per process: the audio library
// allows only one device context.
type Player struct {
	ctx  *oto.Context
	gong []byte // little-endian samples at SampleRate
	// espeak is the path of espeak-ng, empty when it is not installed
	// (then Speak does nothing: the gong alone still calls people).
	espeak string
}

// ErrNoSpeech says that espeak-ng is not installed.
var ErrNoSpeech = errors.New("espeak-ng not found: announcements are not spoken")

// Open opens the audio device and prepares the gong from its WAV file. It
// fails when there is no sound device; the display then runs silently. A
// missing espeak-ng is not an error here: Speaks reports it.
func Open(gongWAV []byte) (*Player, error) {
	pcm, err := DecodeWAV(gongWAV)
	if err != nil {
		return nil, fmt.Errorf("gong: %w", err)
	}
	quietALSA()
	c, ready, err := oto.NewContext(&oto.NewContextOptions{
		SampleRate:   SampleRate,
		ChannelCount: 1,
		Format:       oto.FormatSignedInt16LE,
	})
	if err != nil {
		return nil, fmt.Errorf("open audio device: %w", err)
	}
	select {
	case <-ready:
	case <-time.After(5 * time.Second):
		return nil, errors.New("open audio device: not ready after 5 s")
	}
	// The device is opened in the background; its failure shows only here.
	if err := c.Err(); err != nil {
		return nil, fmt.Errorf("open audio device: %w", err)
	}
	p := &Player{ctx: c, gong: Resample(pcm, SampleRate).bytesLE()}
	p.espeak, _ = exec.LookPath("espeak-ng")
	return p, nil
}

// Speaks reports whether announcements can be spoken, and why not.
func (p *Player) Speaks() error {
	if p.espeak == "" {
		return ErrNoSpeech
	}
	return nil
}

// Gong plays the chime and returns when it has finished.
func (p *Player) Gong(ctx context.Context) error {
	return p.play(ctx, p.gong)
}

// Speak says text in lang (an espeak-ng voice such as "de" or "en") and
// returns when it has been said.
func (p *Player) Speak(ctx context.Context, text, lang string) error {
	if p.espeak == "" {
		return nil
	}
	wav, err := Synthesize(ctx, p.espeak, text, lang)
	if err != nil {
		return err
	}
	return p.play(ctx, Resample(wav, SampleRate).bytesLE())
}

// Synthesize runs espeak-ng and returns the speech.
func Synthesize(ctx context.Context, espeak, text, lang string) (PCM, error) {
	var out, errOut bytes.Buffer
	cmd := exec.CommandContext(ctx, espeak, "-v", lang, "--stdout", text)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return PCM{}, fmt.Errorf("espeak-ng -v %s: %w: %s", lang, err, bytes.TrimSpace(errOut.Bytes()))
	}
	pcm, err := DecodeWAV(out.Bytes())
	if err != nil {
		return PCM{}, fmt.Errorf("espeak-ng -v %s output: %w", lang, err)
	}
	return pcm, nil
}

func (p *Player) play(ctx context.Context, pcm []byte) error {
	// Since oto v3.4 a player frees itself once it is done; Close is
	// deprecated.
	pl := p.ctx.NewPlayer(bytes.NewReader(pcm))
	pl.Play()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for pl.IsPlaying() {
		select {
		case <-ctx.Done():
			pl.Pause()
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}
