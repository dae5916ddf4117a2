package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime"
)

// servePprof serves the runtime's profiles on addr, a loopback address of
// its own: profiles show the hub's insides (paths, timings, memory), so
// they never share the public listener and never leave this machine. It
// also samples blocking and mutex contention, which cost a little on every
// wait and so stay off unless someone asked for profiles.
func servePprof(addr string, log *slog.Logger) (stop func(), err error) {
	if !loopback(addr) {
		return nil, fmt.Errorf("-pprof-addr serves profiles on a loopback address only, not %q", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("-pprof-addr: %w", err)
	}
	runtime.SetBlockProfileRate(10_000) // one sample per 10 µs blocked
	runtime.SetMutexProfileFraction(10)
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Error("profile listener stopped", "err", err)
		}
	}()
	log.Warn("profiles served for a measurement", "addr", "http://"+ln.Addr().String()+"/debug/pprof/")
	return func() {
		srv.Close()
		runtime.SetBlockProfileRate(0)
		runtime.SetMutexProfileFraction(0)
	}, nil
}
