package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// freePort returns a port that nothing listens on at the moment.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// The embedded default: with no environment but a port, the server creates and seeds an
// in-memory database, and every one of many concurrent requests sees it: the pool never
// hands out a second, empty in-memory database.
func TestRunServesTheEmbeddedDefaultToConcurrentClients(t *testing.T) {
	port := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"app"}, env(map[string]string{"PORT": strconv.Itoa(port)}), io.Discard, io.Discard)
	}()
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitForHealthy(t, base, done)

	const clients = 64
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := range clients {
		wg.Go(func() {
			path := "/api/v1/workers"
			if i%2 == 1 {
				path = fmt.Sprintf("/api/v1/workers/%d", i%5+1)
			}
			resp, err := http.Get(base + path)
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			var body json.RawMessage
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
				errs <- fmt.Errorf("GET %s: %d %s %v", path, resp.StatusCode, body, err)
				return
			}
			if path == "/api/v1/workers" {
				var list []map[string]any
				if err := json.Unmarshal(body, &list); err != nil || len(list) != 5 {
					errs <- fmt.Errorf("GET %s: %d workers (%v), want 5", path, len(list), err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run returned %v after cancel, want nil", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not return after cancel")
	}
}

func waitForHealthy(t *testing.T, base string, done <-chan error) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("run returned early: %v", err)
		default:
		}
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("server did not become healthy")
}

func TestRunFailsWhenThePortIsTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	err = run(context.Background(), []string{"app"}, env(map[string]string{"PORT": port}), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "PORT="+port) {
		t.Errorf("run on a taken port = %v, want an error naming PORT=%s", err, port)
	}
}

// INIT_DB=true: the server creates the missing tables before it serves, and keeps rows.
func TestServeWithInitDB(t *testing.T) {
	port := freePort(t)
	vars := map[string]string{
		"DATABASE_URL": "sqlite:///" + filepath.Join(t.TempDir(), "workers.db"),
		"INIT_DB":      "true",
		"PORT":         strconv.Itoa(port),
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"app"}, env(vars), io.Discard, io.Discard) }()
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitForHealthy(t, base, done)
	resp, err := http.Get(base + "/api/v1/workers")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != "[]" {
		t.Errorf("with INIT_DB=true, GET /api/v1/workers = %d %s, want 200 []", resp.StatusCode, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
}

// onLine calls check with each log line as the logger writes it, before serve goes on.
type onLine func(line string)

func (f onLine) Write(p []byte) (int, error) { f(string(p)); return len(p), nil }

// serveWithProfiler runs serve on apiPort with the profiler on pprofPort, each log line
// going to check as it is written; it returns serve's channel and a cancel that stops it.
func serveWithProfiler(t *testing.T, apiPort, pprofPort int, check onLine) (<-chan error, context.CancelFunc) {
	t.Helper()
	cfg, err := loadConfig(env(map[string]string{"PORT": strconv.Itoa(apiPort), "PPROF_ADDR": fmt.Sprintf("127.0.0.1:%d", pprofPort)}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, cfg, newTestStore(t, "none"), slog.New(slog.NewTextHandler(check, nil)), io.Discard)
	}()
	return done, cancel
}

// listening reports whether something accepts connections on 127.0.0.1:port.
func listening(port int) bool {
	conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err == nil {
		conn.Close()
	}
	return err == nil
}

// The profiler starts once the API has its port: when it says it listens, the API does.
func TestProfilerStartsOnceTheAPIListens(t *testing.T) {
	apiPort, pprofPort := freePort(t), freePort(t)
	var mu sync.Mutex
	var apiWhenProfilerStarted []bool
	done, cancel := serveWithProfiler(t, apiPort, pprofPort, func(line string) {
		if strings.Contains(line, `msg="profiler listening"`) {
			mu.Lock()
			apiWhenProfilerStarted = append(apiWhenProfilerStarted, listening(apiPort))
			mu.Unlock()
		}
	})
	waitForHealthy(t, fmt.Sprintf("http://127.0.0.1:%d", apiPort), done)
	if !listening(pprofPort) {
		t.Fatal("the profiler does not listen")
	}
	mu.Lock()
	if len(apiWhenProfilerStarted) != 1 || !apiWhenProfilerStarted[0] {
		t.Errorf("when the profiler said it listened, the API listened: %v; want [true]", apiWhenProfilerStarted)
	}
	mu.Unlock()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	if listening(pprofPort) {
		t.Error("the profiler still listens after serve returned")
	}
}

// An app refused the API's port starts no profiler; one refused the profiler's port gives
// the API's back. Each says which variable to change.
func TestRefusedPortStartsNoProfiler(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	takenPort := taken.Addr().(*net.TCPAddr).Port

	t.Run("the API's port", func(t *testing.T) {
		pprofPort := freePort(t)
		var log strings.Builder
		var mu sync.Mutex
		done, _ := serveWithProfiler(t, takenPort, pprofPort, func(line string) { mu.Lock(); log.WriteString(line); mu.Unlock() })
		err := <-done
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("PORT=%d", takenPort)) {
			t.Errorf("serve on a taken port: %v, want an error naming PORT=%d", err, takenPort)
		}
		mu.Lock()
		defer mu.Unlock()
		if listening(pprofPort) || strings.Contains(log.String(), "profiler") {
			t.Errorf("the profiler started though the API's port was refused:\n%s", log.String())
		}
	})
	t.Run("the profiler's port", func(t *testing.T) {
		apiPort := freePort(t)
		done, _ := serveWithProfiler(t, apiPort, takenPort, func(string) {})
		err := <-done
		if err == nil || !strings.Contains(err.Error(), "PPROF_ADDR") {
			t.Errorf("serve with the profiler's port taken: %v, want an error naming PPROF_ADDR", err)
		}
		if listening(apiPort) {
			t.Error("the API's port is still held after serve returned")
		}
	})
}
