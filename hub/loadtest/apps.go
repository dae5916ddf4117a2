package main

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"lotse/hub/api"
)

// app is a kiosk or display process whose log lines are watched.
type app struct {
	cmd     *exec.Cmd
	started time.Time
	lines   chan logLine
	seen    []string // the last lines read, for error messages
}

type logLine struct {
	at   time.Time
	text string
}

func startApp(bin string, args ...string) (*app, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "LANG=de_DE.UTF-8")
	// The kiosk logs to stdout, the display to stderr: read both.
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = w, w
	a := &app{cmd: cmd, lines: make(chan logLine, 4096)}
	a.started = time.Now()
	err = cmd.Start()
	w.Close() // the child holds its own copy
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("start %s: %w", filepath.Base(bin), err)
	}
	go func() {
		defer r.Close()
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			select {
			case a.lines <- logLine{at: time.Now(), text: sc.Text()}:
			default: // nobody waits for it
			}
		}
		close(a.lines)
	}()
	return a, nil
}

// wait returns the first log line that satisfies match.
func (a *app) wait(match func(string) bool, timeout time.Duration) (logLine, error) {
	deadline := time.After(timeout)
	for {
		select {
		case l, ok := <-a.lines:
			if !ok {
				return logLine{}, fmt.Errorf("%s ended", filepath.Base(a.cmd.Path))
			}
			if a.seen = append(a.seen, l.text); len(a.seen) > 8 {
				a.seen = a.seen[1:]
			}
			if match(l.text) {
				return l, nil
			}
		case <-deadline:
			return logLine{}, fmt.Errorf("%s: no such log line within %s; last lines:\n%s", filepath.Base(a.cmd.Path), timeout, strings.Join(a.seen, "\n"))
		}
	}
}

func (a *app) stop() {
	a.cmd.Process.Kill()
	a.cmd.Wait()
}

// memory returns the resident set and the part of it that is the software
// OpenGL renderer (Mesa's llvmpipe) an Xvfb needs: on a machine with a GPU
// that part is the GPU driver's instead.
func (a *app) memory() (rss, renderer int64, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps", a.cmd.Process.Pid))
	if err != nil {
		return 0, 0, err
	}
	var path string
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if strings.Contains(fields[0], "-") && len(fields) >= 5 {
			path = ""
			if len(fields) >= 6 {
				path = fields[5]
			}
			continue
		}
		if fields[0] == "Rss:" && len(fields) >= 2 {
			kb, _ := strconv.ParseInt(fields[1], 10, 64)
			rss += kb
			if strings.Contains(path, "libLLVM") || strings.Contains(path, "_dri.so") || strings.Contains(path, "libgallium") {
				renderer += kb
			}
		}
	}
	return rss << 10, renderer << 10, nil
}

// textureLifetime is how long after the last call the display must have
// given back the memory of the calls' texts: Fyne frees a text's texture a
// minute after its last use, in a cleanup that runs every half minute.
const textureLifetime = 75 * time.Second

// callPause is the pause between two timed calls on the board: a clerk's
// pace, not a flood, and of a random length, for clerks do not call in
// step with the board's frames. Each call waits for the frame that shows
// it, so after a fixed 50 ms (three frames at Fyne's 60 a second) every
// call reached the board at the same point of a frame: the p50 of call →
// repaint read 18 ms in one run and 33 ms in another of the same build,
// as the runs fell into step at one point or another. Seeded, so that a
// run's pauses are those of the next.
type callPause struct{ r *rand.Rand }

func newCallPause() callPause { return callPause{rand.New(rand.NewPCG(19, 60))} }

// next is 50 ms and up to four frames more.
func (p callPause) next() time.Duration {
	return 50*time.Millisecond + time.Duration(p.r.Int64N(int64(4*time.Second/60)))
}

// repaintBudget is the design's budget from a call to the Fyne board's
// frame on the screen, under a software renderer.
const repaintBudget = 50 * time.Millisecond

// repaintCalls is how many calls the repaint's p99 is taken over. The
// issue asks for at least 100; the p99 of 100 is their second worst, so
// one stray pause of a machine that runs the hub, the display, Xvfb and
// the load test on two cores decided it: it read between 36.6 and 52.3 ms
// in runs of one day. Of 300 it is the fourth worst. The worst is
// printed beside it.
const repaintCalls = 300

func mb(n int64) string { return fmt.Sprintf("%.0f MB", float64(n)/(1<<20)) }

// appFigures starts the kiosk and the display against a hub and measures
// what the budget names: the idle screen within 2 s, resident memory, and
// the time from a call to the display's repaint. The display logs
// "board repainted" once the frame that shows the call is painted and
// swapped, so the time is the whole way to the screen. The hub is a
// process of its own when hubBin is given, as in an office: in this
// process it shared a garbage collector with what the earlier parts of
// make bench left, and its answer to a call had a p99 of 9 and 27 ms in
// two benches against a p50 of 3 to 4 ms (5 to 6 ms as a process).
func appFigures(dir, bin, hubBin string, calls int) ([]row, error) {
	if os.Getenv("DISPLAY") == "" {
		return []row{{what: "kiosk and display", measured: "skipped: no DISPLAY (make bench runs under xvfb-run)"}}, nil
	}
	h, err := startHubUnderTest(dir, hubBin)
	if err != nil {
		return nil, err
	}
	defer h.stop()
	office := h.office
	var rows []row

	k, err := startApp(filepath.Join(bin, "kiosk"), "-hub", h.url, "-token", h.token, "-office", office.ID)
	if err != nil {
		return nil, err
	}
	idle, err := k.wait(func(s string) bool { return strings.Contains(s, "msg=screen") && strings.Contains(s, "name=idle") }, 30*time.Second)
	if err != nil {
		k.stop()
		return nil, err
	}
	time.Sleep(3 * time.Second) // settled, as an office would see it
	rss, renderer, err := k.memory()
	k.stop()
	if err != nil {
		return nil, err
	}
	start := idle.at.Sub(k.started)
	rows = append(rows,
		row{what: "kiosk: idle screen after start", measured: ms(start), budget: "≤ 2 s", verdict: verdict(start <= 2*time.Second)},
		row{what: "kiosk: resident memory (without the software renderer)", measured: fmt.Sprintf("%s (%s)", mb(rss), mb(rss-renderer)),
			budget: "≤ 100 MB", verdict: verdict(rss-renderer <= 100<<20)})

	d, err := startApp(filepath.Join(bin, "display"), "-hub", h.url, "-token", h.display, "-office", office.ID, "-sound=false", "-debug")
	if err != nil {
		return nil, err
	}
	defer d.stop()
	shown, err := d.wait(func(s string) bool { return strings.Contains(s, "board showing") }, 30*time.Second)
	if err != nil {
		return nil, err
	}
	time.Sleep(3 * time.Second)
	rss, renderer, err = d.memory()
	if err != nil {
		return nil, err
	}
	start = shown.at.Sub(d.started)
	rows = append(rows,
		row{what: "display: hub's state on screen after start", measured: ms(start), budget: "≤ 2 s", verdict: verdict(start <= 2*time.Second)},
		row{what: "display: resident memory (without the software renderer)", measured: fmt.Sprintf("%s (%s)", mb(rss), mb(rss-renderer)),
			budget: "≤ 100 MB", verdict: verdict(rss-renderer <= 100<<20)})

	device, clerk := h.device, h.clerk
	ctx := context.Background()
	for i := 0; i < calls+10; i++ {
		if _, err := device.WalkIn(ctx, office.ID, api.WalkInRequest{Service: "meldebescheinigung"}); err != nil {
			return nil, err
		}
	}
	var counters []string
	for _, c := range office.Counters {
		if c.Serves("meldebescheinigung") {
			counters = append(counters, c.ID)
		}
	}
	// call makes the i-th call and waits for the frame that shows it.
	call := func(i int) (repaint, answer time.Duration, err error) {
		t0 := time.Now()
		if _, err := clerk.Act(ctx, office.ID, counters[i%len(counters)], api.ActionNext, api.ActionRequest{Current: api.CurrentServed}); err != nil {
			return 0, 0, err
		}
		answer = time.Since(t0)
		want, err := h.latest(ctx) // the office's seq after the call
		if err != nil {
			return 0, 0, err
		}
		l, err := d.wait(func(s string) bool {
			// slog's text form: msg="board repainted" seq=42
			i := strings.Index(s, `msg="board repainted" seq=`)
			if i < 0 {
				return false
			}
			seq, _ := strconv.ParseInt(strings.Fields(s[i+len(`msg="board repainted" seq=`):] + " ")[0], 10, 64)
			return seq >= want
		}, 10*time.Second)
		if err != nil {
			return 0, 0, err
		}
		return l.at.Sub(t0), answer, nil
	}
	// The clerk's first request pays the check of the password (bcrypt,
	// then remembered): 116 and 131 ms to the screen in two runs, 82 and
	// 94 ms of it in the hub's answer. That is a clerk's login, not a
	// call; the timed calls follow an untimed one.
	if _, _, err := call(calls); err != nil {
		return nil, err
	}
	var lat, answered []time.Duration
	pause := newCallPause()
	callsStarted := time.Now()
	for i := 0; i < calls; i++ {
		time.Sleep(pause.next())
		l, a, err := call(i)
		if err != nil {
			return nil, err
		}
		lat, answered = append(lat, l), append(answered, a)
	}
	p99 := percentile(lat, 0.99)
	rows = append(rows,
		row{what: fmt.Sprintf("call → display repaint on screen, %d calls (p50)", len(lat)), measured: ms(percentile(lat, 0.5))},
		row{what: fmt.Sprintf("call → display repaint on screen, %d calls (p99), hub %s", len(lat), h.where), measured: ms(p99),
			budget: fmt.Sprintf("≤ %d ms", repaintBudget.Milliseconds()), verdict: verdict(p99 <= repaintBudget)},
		row{what: "  the slowest of them", measured: ms(slices.Max(lat))},
		row{what: "call → the hub's answer to next, part of the repaint's time (p50 / p99)", measured: ms(percentile(answered, 0.5)) + " / " + ms(percentile(answered, 0.99))})
	// A display runs all day. Right after the calls, the textures of their
	// texts are still in Fyne's cache, which keeps each for a minute after
	// its last use; a minute later they must be gone, and with them the
	// memory they held.
	burst := time.Since(callsStarted)
	time.Sleep(3 * time.Second)
	rss, renderer, err = d.memory()
	if err != nil {
		return nil, err
	}
	rows = append(rows, row{what: fmt.Sprintf("display: resident memory right after %d calls in %.1f s (without the software renderer)", calls, burst.Seconds()),
		measured: fmt.Sprintf("%s (%s)", mb(rss), mb(rss-renderer)), budget: "(a burst far beyond an office's pace)"})
	time.Sleep(textureLifetime)
	rss, renderer, err = d.memory()
	if err != nil {
		return nil, err
	}
	rows = append(rows, row{what: "display: resident memory a minute later (without the software renderer)",
		measured: fmt.Sprintf("%s (%s)", mb(rss), mb(rss-renderer)), budget: "≤ 100 MB", verdict: verdict(rss-renderer <= 100<<20)})
	return rows, nil
}
