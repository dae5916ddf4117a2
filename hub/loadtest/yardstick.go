package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"lotse/hub/api"
	"lotse/hub/booking/demo"
	"lotse/hub/queue"
)

// yardstick is the server the budget's ratios are set against, measured
// in turn with the hub by the same client code. The design names
// floorhub (the outside instruments' server that only commits each
// request durably and broadcasts it); without its binary the in-tree
// minimal server stands in, and every ratio says so.
type yardstick struct {
	// name is printed in every ratio line.
	name string
	// streamURL is its stream; every event on it carries "seq".
	streamURL string
	// call makes one call and returns the seq of its event, once the
	// server has answered.
	call func(ctx context.Context) (int64, error)
	// commit durably commits one ticket.
	commit func(ctx context.Context, hc *http.Client) error
	close  func()
}

// notFound is the yardstick's name when floorhub's binary is missing.
const notFound = "in-tree minimal server, floorhub not found"

// newYardstick starts floorhub from bin on a fresh database in dir, or
// the in-tree minimal server when bin is empty or missing.
func newYardstick(dir, bin string) (*yardstick, error) {
	if bin != "" {
		if _, err := os.Stat(bin); err == nil {
			return startFloorhub(dir, bin)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("floorhub: %w", err)
		}
	}
	m, err := startMinimal(dir)
	if err != nil {
		return nil, err
	}
	post := func(ctx context.Context, hc *http.Client, path string) error {
		return postDiscard(ctx, hc, m.url+path, "")
	}
	return &yardstick{
		name:      notFound,
		streamURL: strings.Replace(m.url, "http", "ws", 1) + "/stream",
		call: func(ctx context.Context) (int64, error) {
			// The minimal server writes to its clients before it answers
			// and is called by one goroutine: its last seq is this call's.
			if err := post(ctx, http.DefaultClient, "/call"); err != nil {
				return 0, err
			}
			return m.lastSeq(), nil
		},
		commit: func(ctx context.Context, hc *http.Client) error { return post(ctx, hc, "/commit") },
		close:  m.close,
	}, nil
}

// startFloorhub runs floorhub's binary on a free loopback port and a
// fresh database, and waits until it answers.
func startFloorhub(dir, bin string) (*yardstick, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	db, err := os.MkdirTemp(dir, "floorhub-")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-addr", addr, "-db", filepath.Join(db, "floorhub.db"))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("floorhub: %w", err)
	}
	stop := func() {
		cmd.Process.Kill()
		cmd.Wait()
	}
	base := "http://" + addr
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		resp, err := http.Get(base + "/api/v1/offices")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("floorhub did not answer on %s: %w", addr, err)
		}
	}
	office := base + "/api/v1/offices/o"
	return &yardstick{
		name:      "floorhub",
		streamURL: strings.Replace(office, "http", "ws", 1) + "/stream",
		call: func(ctx context.Context) (int64, error) {
			body, err := post(ctx, http.DefaultClient, office+"/counters/c/next", "")
			if err != nil {
				return 0, err
			}
			if seq := seqOf(body); seq > 0 {
				return seq, nil
			}
			return 0, fmt.Errorf("floorhub: no seq in %q", body)
		},
		commit: func(ctx context.Context, hc *http.Client) error {
			return postDiscard(ctx, hc, office+"/tickets", `{"service":"s"}`)
		},
		close: stop,
	}, nil
}

// post sends body and returns the answer's body; a status other than
// 2xx is an error.
func post(ctx context.Context, hc *http.Client, url, body string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("POST %s: %s", url, resp.Status)
	}
	return b, nil
}

func postDiscard(ctx context.Context, hc *http.Client, url, body string) error {
	_, err := post(ctx, hc, url, body)
	return err
}

// hubUnderTest is the hub the call → event, call → phone and repaint
// figures measure: a process of its own when its binary is given, as
// floorhub is one (in the load test's process, the hub's goroutines would
// share a scheduler and a garbage collector with thousands of clients,
// and the yardstick's not), else a hub in this process.
type hubUnderTest struct {
	where      string // "process" or "in-process", for the rows
	pid        int    // the hub's process; 0 when it runs in this one
	url, token string // token: a kiosk's
	display    string // a display's token
	clerk      *api.Client
	device     *api.Client
	office     queue.Office
	latest     func(ctx context.Context) (int64, error) // the office's last seq
	// callSeq is the seq of the event of a call made after known.
	callSeq       func(ctx context.Context, known int64) (int64, error)
	stop          func()
	streamHeaders http.Header
}

// startHubUnderTest starts the hub from bin on a fresh database with its
// embedded demo installation, or in this process when bin is empty or
// missing.
func startHubUnderTest(dir, bin string) (*hubUnderTest, error) {
	office := demo.Offices()[0]
	if bin == "" {
		return inProcessHub(dir, office)
	}
	if _, err := os.Stat(bin); errors.Is(err, fs.ErrNotExist) {
		return inProcessHub(dir, office)
	} else if err != nil {
		return nil, fmt.Errorf("hub: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	sub, err := os.MkdirTemp(dir, "hub-")
	if err != nil {
		return nil, err
	}
	// The limits against guessing and flooding would measure themselves:
	// -lift-limits is for exactly this, on loopback only.
	cmd := exec.Command(bin, "-addr", addr, "-db", filepath.Join(sub, "hub.db"), "-lift-limits")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("hub: %w", err)
	}
	stop := func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}
	base := "http://" + addr
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("hub did not become healthy on %s", addr)
		}
	}
	device := api.NewClient(base, "demo")
	var last int64
	return &hubUnderTest{
		where: "process", pid: cmd.Process.Pid, url: base, token: "demo", display: "demo-display", office: office,
		clerk:  &api.Client{Base: base, User: "demo", Password: "demo"},
		device: device,
		// The answer to a call carries no seq: the events since the last
		// one seen tell it.
		latest: func(ctx context.Context) (int64, error) {
			for {
				evs, err := device.Events(ctx, office.ID, last)
				if err != nil {
					return 0, err
				}
				if len(evs) > 0 {
					last = evs[len(evs)-1].Seq
				}
				if len(evs) < 1000 { // a page of the events API
					return last, nil
				}
			}
		},
		// Asking the hub during the fan-out would take from it: the
		// call's event is the one after the last seq seen before it.
		callSeq:       func(_ context.Context, known int64) (int64, error) { return known + 1, nil },
		stop:          stop,
		streamHeaders: http.Header{"Authorization": {"Bearer demo"}},
	}, nil
}

func inProcessHub(dir string, office queue.Office) (*hubUnderTest, error) {
	h, err := startHub(dir, "calls", nil, time.Now)
	if err != nil {
		return nil, err
	}
	loop := h.Loops[office.ID]
	return &hubUnderTest{
		where: "in-process", url: h.URL, token: "bench", display: "bench", office: office,
		clerk:         &api.Client{Base: h.URL, User: "bench", Password: "bench"},
		device:        api.NewClient(h.URL, "bench"),
		latest:        func(context.Context) (int64, error) { return loop.Seq(), nil },
		callSeq:       func(context.Context, int64) (int64, error) { return loop.Seq(), nil },
		stop:          h.Stop,
		streamHeaders: http.Header{"Authorization": {"Bearer bench"}},
	}, nil
}
