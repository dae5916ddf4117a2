package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"lotse/hub/api"
	"lotse/hub/booking/demo"
)

// The public waiting times (issue 14): the open-data JSON serves ≥ 5,000
// requests/s to clients that revalidate with their ETag, while the office
// keeps changing (a walk-in every 100 ms gives a new body and tag).

const (
	publicRequests = 60000
	publicBudget   = 5000.0 // requests per second
)

// publicPart runs the public waiting times' figure unless -only names
// another part.
func publicPart(dir, only string, rows *[]row) error {
	if only != "" && only != "public" {
		return nil
	}
	fmt.Fprintln(os.Stderr, "measuring the public waiting times' JSON with ETag revalidation …")
	r, err := publicFigures(dir)
	*rows = append(*rows, r...)
	return err
}

func publicFigures(dir string) ([]row, error) {
	h, err := startHub(dir, "public", nil, time.Now)
	if err != nil {
		return nil, err
	}
	defer h.Stop()
	office := demo.Offices()[0]
	url := h.URL + "/public/offices/" + office.ID + "/waiting.json"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128, MaxConnsPerHost: 128}}

	// The clients share the newest tag they were given, as a crowd of
	// browsers each holding the answer of the last 15 seconds would.
	var etag atomic.Value
	etag.Store("")
	var fresh, notModified atomic.Int64
	get := func(int) error {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if tag := etag.Load().(string); tag != "" {
			req.Header.Set("If-None-Match", tag)
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return err
		}
		switch resp.StatusCode {
		case http.StatusNotModified:
			notModified.Add(1)
		case http.StatusOK:
			fresh.Add(1)
			etag.Store(resp.Header.Get("ETag"))
		default:
			return fmt.Errorf("GET %s: %s", url, resp.Status)
		}
		return nil
	}
	if _, _, failed, err := load(2000, get); failed > 0 {
		return nil, fmt.Errorf("warm-up: %d requests failed, first: %w", failed, err)
	}

	device := api.NewClient(h.URL, "bench")
	ctx, cancel := context.WithCancel(context.Background())
	walkIns := make(chan error, 1)
	go func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				walkIns <- nil
				return
			case <-tick.C:
				if _, err := device.WalkIn(ctx, office.ID, api.WalkInRequest{Service: office.Services[0].ID}); err != nil && ctx.Err() == nil {
					walkIns <- err
					return
				}
			}
		}
	}()
	fresh.Store(0)
	notModified.Store(0)
	rate, lat, failed, err := load(publicRequests, get)
	cancel()
	if werr := <-walkIns; werr != nil {
		return nil, fmt.Errorf("walk-in during the public bench: %w", werr)
	}
	if failed > 0 {
		return nil, fmt.Errorf("%d public requests failed, first: %w", failed, err)
	}
	return []row{{
		what: "public waiting-time JSON, ETag revalidation, a walk-in every 100 ms",
		measured: fmt.Sprintf("%.0f req/s (%d × 304, %d × 200), p99 %s", rate, notModified.Load(), fresh.Load(),
			ms(percentile(lat, 0.99))),
		budget:  fmt.Sprintf("≥ %.0f req/s", publicBudget),
		verdict: verdict(rate >= publicBudget),
	}}, nil
}
