package httpapi

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"sync"
)

// ListenProfiler starts Go's profiler (net/http/pprof, under /debug/pprof/) on addr, a
// listener of its own beside the API's, until stop is called: stop returns once the port is
// closed and the profiler's server has returned. It is for someone
// looking into where the app spends its CPU or memory, from inside the container's network
// namespace (docs/profiling.md); addr should be on the loopback interface, as config checks.
// An app starts it once its API has its own port, so that an app that cannot serve runs no
// profiler either.
//
// The handlers are on a mux of their own: importing net/http/pprof also registers them on
// http.DefaultServeMux, which the API never serves.
func ListenProfiler(addr string, log *slog.Logger) (stop func(), err error) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index) // also the named profiles: heap, goroutine, allocs…
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("profiler: listen on %s: %w (set PPROF_ADDR to a free port, or leave it empty)", addr, err)
	}
	// The API's timeouts and limits suit it too: net/http/pprof extends the write deadline of a
	// profile or a trace by the seconds it was asked for.
	srv := NewServer(mux, log)
	served := make(chan struct{})
	go func() {
		defer close(served)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("profiler stopped", "err", err)
		}
	}()
	log.Info("profiler listening", "url", "http://"+addr+"/debug/pprof/")
	var once sync.Once
	return func() {
		once.Do(func() {
			_ = srv.Close() // a profile in progress is of no use once the app stops
			<-served
		})
	}, nil
}
