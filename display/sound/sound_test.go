package sound

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"lotse/assets"
)

var update = flag.Bool("update", false, "rewrite assets/sounds/gong.wav from Chime")

// TestGongFile keeps the embedded gong equal to what Chime synthesizes, so
// the file's origin (and licence) is this code.
func TestGongFile(t *testing.T) {
	want := EncodeWAV(Chime())
	if *update {
		if err := os.WriteFile(filepath.Join("..", "..", "assets", "sounds", GongFile), want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := assets.FS.ReadFile("sounds/" + GongFile)
	if err != nil {
		t.Fatalf("embedded gong: %v (run go test ./display/sound -run TestGongFile -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("assets/sounds/%s differs from Chime(); run go test ./display/sound -run TestGongFile -update", GongFile)
	}
}

func TestChimeShape(t *testing.T) {
	c := Chime()
	if c.Rate != SampleRate {
		t.Fatalf("rate %d", c.Rate)
	}
	if d := time.Duration(len(c.Samples)) * time.Second / SampleRate; d < time.Second || d > 3*time.Second {
		t.Fatalf("length %v, want 1–3 s", d)
	}
	peak := 0
	for _, s := range c.Samples {
		peak = max(peak, abs(int(s)))
	}
	if peak < 10000 || peak > 32000 {
		t.Fatalf("peak %d, want loud but not clipping", peak)
	}
	if last := abs(int(c.Samples[len(c.Samples)-1])); last > 100 {
		t.Fatalf("ends at %d, want silence", last)
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func TestWAVRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		pcm  PCM
	}{
		{"empty", PCM{Rate: 8000, Samples: []int16{}}},
		{"some", PCM{Rate: 22050, Samples: []int16{0, 1, -1, 32767, -32768, 1234}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeWAV(EncodeWAV(tt.pcm))
			if err != nil {
				t.Fatal(err)
			}
			if got.Rate != tt.pcm.Rate || len(got.Samples) != len(tt.pcm.Samples) {
				t.Fatalf("got rate %d, %d samples", got.Rate, len(got.Samples))
			}
			for i := range got.Samples {
				if got.Samples[i] != tt.pcm.Samples[i] {
					t.Fatalf("sample %d: %d != %d", i, got.Samples[i], tt.pcm.Samples[i])
				}
			}
		})
	}
}

func TestDecodeWAVRejects(t *testing.T) {
	tests := map[string][]byte{
		"empty":   nil,
		"not wav": []byte("RIFF\x00\x00\x00\x00AVI LIST"),
		"no data": EncodeWAV(PCM{Rate: 8000})[:36],
	}
	for name, data := range tests {
		if _, err := DecodeWAV(data); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestDecodeStreamingHeader covers espeak-ng --stdout, which writes a
// placeholder data length because it does not know it in advance.
func TestDecodeStreamingHeader(t *testing.T) {
	wav := EncodeWAV(PCM{Rate: 22050, Samples: []int16{5, 6, 7}})
	copy(wav[40:44], []byte{0xff, 0xff, 0xff, 0x7f})
	got, err := DecodeWAV(wav)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Samples) != 3 || got.Samples[2] != 7 {
		t.Fatalf("got %v", got.Samples)
	}
}

func TestResample(t *testing.T) {
	in := PCM{Rate: 10, Samples: []int16{0, 100, 200, 300}}
	out := Resample(in, 20)
	if out.Rate != 20 || len(out.Samples) != 8 {
		t.Fatalf("got %d samples at %d", len(out.Samples), out.Rate)
	}
	if out.Samples[1] != 50 || out.Samples[2] != 100 {
		t.Fatalf("got %v", out.Samples)
	}
}

func TestSynthesize(t *testing.T) {
	espeak, err := exec.LookPath("espeak-ng")
	if err != nil {
		t.Skip("espeak-ng not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pcm, err := Synthesize(ctx, espeak, "Nummer A 42, bitte zu Schalter 5", "de")
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Duration(len(pcm.Samples)) * time.Second / time.Duration(pcm.Rate); d < time.Second {
		t.Fatalf("speech of %v is too short", d)
	}
}

// openChildEnv makes the test binary open the audio device and exit, so
// that TestOpenWritesNothing can read what the C libraries print.
const openChildEnv = "LOTSE_SOUND_OPEN_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(openChildEnv) != "" {
		gong, _ := assets.FS.ReadFile("sounds/" + GongFile)
		Open(gong) // the outcome does not matter here, only what it prints
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestOpenWritesNothing: opening the audio device prints nothing of its
// own, with or without a sound card; the display logs the outcome once.
func TestOpenWritesNothing(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), openChildEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("opening the audio device printed:\n%s", out)
	}
}
