package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"lotse/hub/api"
	"lotse/hub/booking/demo"
)

// queueUnderChurn measures GET /queue while stream clients connect and
// leave: each new client costs the hub a snapshot of the whole day, and
// those snapshots once took every reader and left /queue waiting for
// seconds. The office holds tickets tickets; clients clients stay
// connected while rate of them per second are replaced. The run is
// bounded by samples and by limit.
func queueUnderChurn(dir string, clients, rate, tickets, samples int, callEvery, limit time.Duration) ([]row, error) {
	h, err := startHub(dir, "churn", nil, time.Now)
	if err != nil {
		return nil, err
	}
	defer h.Stop()
	office := demo.Offices()[0]
	ctx := context.Background()
	device := api.NewClient(h.URL, "bench")
	device.HTTP = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64}}
	if _, _, failed, err := load(tickets, func(int) error {
		_, err := device.WalkIn(ctx, office.ID, api.WalkInRequest{Service: "meldebescheinigung"})
		return err
	}); failed > 0 {
		return nil, fmt.Errorf("%d walk-ins failed, first: %w", failed, err)
	}

	url := device.StreamURL(office.ID, 0)
	header := http.Header{"Authorization": {"Bearer bench"}}
	d := websocket.Dialer{HandshakeTimeout: 30 * time.Second}
	// dial opens a client, waits for its snapshot (as a board does before
	// it shows anything) and then reads until closed.
	dial := func() (*websocket.Conn, error) {
		c, _, err := d.Dial(url, header)
		if err != nil {
			return nil, err
		}
		c.SetReadDeadline(time.Now().Add(time.Minute))
		// Discarded as it arrives: the clients share the two cores with
		// the hub and must cost it as little as possible.
		_, r, err := c.NextReader()
		if err == nil {
			_, err = io.Copy(io.Discard, r)
		}
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("snapshot: %w", err)
		}
		c.SetReadDeadline(time.Time{})
		go func() {
			for {
				_, r, err := c.NextReader()
				if err != nil {
					return
				}
				io.Copy(io.Discard, r)
			}
		}()
		return c, nil
	}
	conns := make([]*websocket.Conn, clients)
	for i := range conns {
		if conns[i], err = dial(); err != nil {
			closeAll(conns[:i])
			return nil, fmt.Errorf("client %d: %w", i, err)
		}
	}
	var mu sync.Mutex
	defer func() {
		mu.Lock()
		closeAll(conns)
		mu.Unlock()
	}()

	// Churners replace clients at rate per second in all, each a new
	// connection that gets a whole snapshot: every client reconnects
	// about every clients/rate seconds (a flaky WLAN, boards reloading).
	const churners = 32
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var churned atomic.Int64
	var churnErr atomic.Value
	for w := 0; w < churners; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; ; i += churners {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				c, err := dial()
				if err != nil {
					churnErr.CompareAndSwap(nil, err)
					return
				}
				mu.Lock()
				old := conns[i%clients]
				conns[i%clients] = c
				mu.Unlock()
				old.Close()
				churned.Add(1)
			}
		}()
	}

	// The office works in the second half of the run: a call every
	// callEvery, each a new seq that every later snapshot must show.
	clerk := &api.Client{Base: h.URL, User: "bench", Password: "bench"}
	var counters []string
	for _, c := range office.Counters {
		if c.Serves("meldebescheinigung") {
			counters = append(counters, c.ID)
		}
	}
	working := make(chan struct{})
	var calls atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-stop:
			return
		case <-working:
		}
		t := time.NewTicker(callEvery)
		defer t.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			if _, err := clerk.Act(ctx, office.ID, counters[i%len(counters)], api.ActionNext, api.ActionRequest{Current: api.CurrentServed}); err != nil {
				churnErr.CompareAndSwap(nil, fmt.Errorf("next: %w", err))
				return
			}
			calls.Add(1)
		}
	}()

	hc := &http.Client{}
	deadline := time.Now().Add(limit)
	// measure polls GET /queue as a board would, samples times.
	measure := func() ([]time.Duration, error) {
		var lat []time.Duration
		for len(lat) < samples && time.Now().Before(deadline) {
			t0 := time.Now()
			resp, err := hc.Do(mustRequest(device, office.ID))
			if err != nil {
				return nil, err
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return nil, fmt.Errorf("GET /queue: %s", resp.Status)
			}
			lat = append(lat, time.Since(t0))
			time.Sleep(20 * time.Millisecond) // a board polling, not a flood
		}
		return lat, nil
	}
	quiet, getErr := measure()
	reconnects := churned.Load()
	var busy []time.Duration
	if getErr == nil {
		close(working)
		busy, getErr = measure()
	}
	close(stop)
	wg.Wait()
	if getErr != nil {
		return nil, getErr
	}
	if e, ok := churnErr.Load().(error); ok {
		return nil, fmt.Errorf("churning clients: %w", e)
	}
	p50, p99 := percentile(quiet, 0.5), percentile(quiet, 0.99)
	return []row{{
		what: fmt.Sprintf("GET /queue, %d stream clients churning, %d tickets (p50 / p99 of %d, %d reconnects)",
			clients, tickets, len(quiet), reconnects),
		measured: ms(p50) + " / " + ms(p99),
		budget:   "p99 ≤ 50 ms",
		verdict:  verdict(p99 <= 50*time.Millisecond && len(quiet) == samples),
	}, {
		what:     fmt.Sprintf("  the same with a call every %s (p50 / p99 of %d, %d calls)", callEvery, len(busy), calls.Load()),
		measured: ms(percentile(busy, 0.5)) + " / " + ms(percentile(busy, 0.99)),
	}}, nil
}

func mustRequest(c *api.Client, office string) *http.Request {
	req, err := http.NewRequest(http.MethodGet, c.Base+"/api/v1/offices/"+office+"/queue", nil)
	if err != nil {
		panic(err) // a constant URL
	}
	req.Header.Set("Authorization", "Bearer bench")
	return req
}
