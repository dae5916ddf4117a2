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
