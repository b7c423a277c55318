package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
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
