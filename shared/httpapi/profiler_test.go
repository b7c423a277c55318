package httpapi

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
)

func TestListenProfilerServesPprofUntilStopped(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	stop, err := ListenProfiler(addr, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()

	resp, err := http.Get("http://" + addr + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "goroutine profile:") {
		t.Fatalf("GET /debug/pprof/goroutine: %d %.200s", resp.StatusCode, body)
	}

	// The same address again is taken: the error says what to do.
	stop2, err := ListenProfiler(addr, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil {
		stop2()
	}
	if err == nil || !strings.Contains(err.Error(), "PPROF_ADDR") {
		t.Errorf("a second profiler on %s: %v, want an error naming PPROF_ADDR", addr, err)
	}

	// Once stop returns, the port is closed: no wait, no poll.
	stop()
	if conn, err := net.Dial("tcp", addr); err == nil {
		conn.Close()
		t.Fatal("the profiler still listens after stop returned")
	}
	stop() // a second stop is harmless
}
