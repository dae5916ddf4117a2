package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"log/slog"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	"lotse/hardware/qr"
	"lotse/hardware/scanner"
	"lotse/internal/cputime"
)

// The idle camera kiosk: what a kiosk's camera loop costs while nobody
// stands in front of it. The loop runs in a child process (this program
// again), so that its CPU time is its own and not that of the other parts'
// leftovers; the MJPEG stream it reads comes from this process, as from a
// camera server.

const (
	cameraFPS         = 15
	cameraBudget      = 15.0 // % of one core
	decodeBudget      = 5 * time.Millisecond
	cameraChildEnv    = "LOTSE_LOADTEST_CAMERA_CHILD" // stream URL
	cameraChildForEnv = "LOTSE_LOADTEST_CAMERA_FOR"
)

func init() {
	// The child: run the kiosk's camera loop, report, exit.
	if url := os.Getenv(cameraChildEnv); url != "" {
		d, err := time.ParseDuration(os.Getenv(cameraChildForEnv))
		if err != nil {
			fmt.Fprintln(os.Stderr, "camera child:", err)
			os.Exit(1)
		}
		if err := cameraChild(url, d); err != nil {
			fmt.Fprintln(os.Stderr, "camera child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
}

func cameraChild(url string, d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	cam := &scanner.Camera{
		Name: "camera", Open: scanner.OpenMJPEGURL(url),
		MinInterval: scanner.DefaultMinInterval, IdleInterval: scanner.DefaultIdleInterval,
		Logger: slog.New(slog.DiscardHandler),
	}
	var delivered []string
	if err := cam.Run(ctx, func(s scanner.Scan) { delivered = append(delivered, s.Code) }); err != nil {
		return err
	}
	if len(delivered) > 0 {
		return fmt.Errorf("an empty lobby delivered codes: %q", delivered)
	}
	return nil
}

// idleCameraFigures measures the idle kiosk with two views at cameraFPS for
// d each, both at once in two children: a realistic empty lobby (soft, low
// noise) and a noisy sensor whose every frame differs, and the median CPU
// time of qr.Decode on one 640×480 frame of each.
func idleCameraFigures(d time.Duration) ([]row, error) {
	lobby, noisy, err := cameraStreams()
	if err != nil {
		return nil, err
	}
	var rows []row
	for _, v := range []struct {
		name   string
		frames [][]byte
	}{{"lobby", lobby}, {"noisy sensor", noisy}} {
		img, err := jpeg.Decode(bytes.NewReader(v.frames[0]))
		if err != nil {
			return nil, err
		}
		med, err := medianDecodeCPU(img, 200)
		if err != nil {
			return nil, fmt.Errorf("%s frame: %w", v.name, err)
		}
		rows = append(rows, row{
			what:     "QR decode, 640×480 frame without a code (" + v.name + "), median CPU",
			measured: ms(med), budget: "≤ " + ms(decodeBudget), verdict: verdict(med <= decodeBudget),
		})
	}
	type result struct {
		pct float64
		err error
	}
	results := make([]result, 2)
	var wg sync.WaitGroup
	for i, frames := range [][][]byte{lobby, noisy} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pct, err := idleCameraCPU(frames, d)
			results[i] = result{pct, err}
		}()
	}
	wg.Wait()
	for i, name := range []string{"lobby", "noisy sensor"} {
		if results[i].err != nil {
			return nil, fmt.Errorf("idle camera (%s): %w", name, results[i].err)
		}
		pct := results[i].pct
		rows = append(rows, row{
			what:     fmt.Sprintf("idle camera kiosk, MJPEG %d fps (%s), CPU over %s", cameraFPS, name, d),
			measured: fmt.Sprintf("%.1f %% of a core", pct),
			budget:   fmt.Sprintf("≤ %.0f %%", cameraBudget), verdict: verdict(pct <= cameraBudget),
		})
	}
	return rows, nil
}

// idleCameraCPU serves frames as an MJPEG stream and runs the kiosk's
// camera loop on it in a child process for d; it returns the child's CPU
// time as a percentage of one core over d.
func idleCameraCPU(frames [][]byte, d time.Duration) (float64, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	srv := &http.Server{Handler: mjpegHandler(frames, cameraFPS)}
	go srv.Serve(ln)
	defer srv.Close()
	self, err := os.Executable()
	if err != nil {
		return 0, err
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(),
		cameraChildEnv+"=http://"+ln.Addr().String()+"/stream",
		cameraChildForEnv+"="+d.String())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("camera child: %w: %s", err, stderr.Bytes())
	}
	wall := time.Since(start)
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return 100 * float64(cpu) / float64(wall), nil
}

// mjpegHandler serves frames in a loop at fps as multipart/x-mixed-replace,
// the way webcam servers and IP cameras do.
func mjpegHandler(frames [][]byte, fps int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mw := multipart.NewWriter(w)
		w.Header().Set("Content-Type", "multipart/x-mixed-replace; boundary="+mw.Boundary())
		tick := time.NewTicker(time.Second / time.Duration(fps))
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-r.Context().Done():
				return
			case <-tick.C:
			}
			f := frames[i%len(frames)]
			part, err := mw.CreatePart(textproto.MIMEHeader{
				"Content-Type":   {"image/jpeg"},
				"Content-Length": {strconv.Itoa(len(f))},
			})
			if err != nil {
				return
			}
			if _, err := part.Write(f); err != nil {
				return
			}
			w.(http.Flusher).Flush()
		}
	})
}

// cameraStreams encodes one second of each view as JPEG frames (quality
// 85, as webcams send): the lobby with its sensor noise changing from
// frame to frame, and a noisy grey whose every pixel changes.
func cameraStreams() (lobby, noisy [][]byte, err error) {
	for i := range cameraFPS {
		l, err := encodeJPEG(scanner.LobbyFrame(640, 480, uint64(i)))
		if err != nil {
			return nil, nil, err
		}
		n, err := encodeJPEG(noiseFrame(640, 480, uint64(i)))
		if err != nil {
			return nil, nil, err
		}
		lobby, noisy = append(lobby, l), append(noisy, n)
	}
	return lobby, noisy, nil
}

// noiseFrame is the frame of qr's BenchmarkDecode640x480NoCode: grey
// 90–160 at random, plus sensor noise.
func noiseFrame(w, h int, seed uint64) *image.Gray {
	r := rand.New(rand.NewPCG(seed, 3))
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		v := 90 + r.IntN(71) + r.IntN(21) - 10
		img.Pix[i] = byte(v)
	}
	return img
}

func encodeJPEG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// medianDecodeCPU is the median CPU time of the calling thread for one
// qr.Decode of img that finds nothing: on a machine shared with other work
// the thread's CPU time holds where wall time does not.
func medianDecodeCPU(img image.Image, n int) (time.Duration, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	times := make([]time.Duration, 0, n)
	for range n {
		t0 := cputime.Thread()
		if _, err := qr.Decode(img); !errors.Is(err, qr.ErrNotFound) {
			return 0, fmt.Errorf("decode of a frame without a code: %v", err)
		}
		times = append(times, cputime.Thread()-t0)
	}
	slices.Sort(times)
	return times[len(times)/2], nil
}
