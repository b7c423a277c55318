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

// runCommand runs one manage command and returns what it printed.
func runCommand(t *testing.T, vars map[string]string, command string) (string, error) {
	t.Helper()
	var stdout, stderr strings.Builder
	err := run(context.Background(), []string{"app", command}, env(vars), &stdout, &stderr)
	return stdout.String(), err
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

func TestRunRejectsBadUse(t *testing.T) {
	tests := []struct {
		name string
		args []string
		vars map[string]string
		want string
	}{
		{"unknown command", []string{"app", "migrate"}, nil, `unknown command "migrate"`},
		{"too many arguments", []string{"app", "seed_db", "now"}, nil, "too many arguments"},
		{"bad port", []string{"app"}, map[string]string{"PORT": "eighty"}, `PORT="eighty"`},
		{"bad database url", []string{"app", "ready"}, map[string]string{"DATABASE_URL": "postgress://db"}, "DATABASE_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(context.Background(), tt.args, env(tt.vars), io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run(%v) = %v, want an error containing %q", tt.args, err, tt.want)
			}
		})
	}
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

func TestManageCommandsOnAFileDatabase(t *testing.T) {
	vars := map[string]string{"DATABASE_URL": "sqlite:///" + filepath.Join(t.TempDir(), "workers.db")}
	steps := []struct {
		command string
		want    string // in stdout, or in the error when wantErr
		wantErr bool
	}{
		{"ready", "database is ready", false},
		{"seed_db", "run the create_db command first", true},
		{"create_db", "tables dropped and created empty", false},
		{"create_db", "tables dropped and created empty", false},
		{"seed_db", "seeded 5 new workers", false},
		{"seed_db", "seeded 0 new workers", false},
		{"create_db", "tables dropped and created empty", false},
		{"seed_db", "seeded 5 new workers", false},
		{"init_db", "tables are in place (existing rows kept)", false},
		{"seed_db", "seeded 0 new workers", false},
	}
	for i, step := range steps {
		out, err := runCommand(t, vars, step.command)
		got := out
		if err != nil {
			got = err.Error()
		}
		if (err != nil) != step.wantErr || !strings.Contains(got, step.want) {
			t.Fatalf("step %d, %s: got %q (error %v), want %q", i+1, step.command, got, err, step.want)
		}
	}
}

func TestReadyTimesOutWithAClearMessage(t *testing.T) {
	vars := map[string]string{
		"DATABASE_URL":  fmt.Sprintf("postgres://app:hunter2@127.0.0.1:%d/app?sslmode=disable&connect_timeout=1", freePort(t)),
		"READY_TIMEOUT": "1s",
	}
	start := time.Now()
	_, err := runCommand(t, vars, "ready")
	elapsed := time.Since(start)
	if err == nil {
		t.Fatal("ready succeeded against a port nothing listens on")
	}
	for _, want := range []string{"did not answer within 1s", "connection refused", "READY_TIMEOUT"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error %q shows the password", err)
	}
	if elapsed > 5*time.Second {
		t.Errorf("ready took %s to give up with READY_TIMEOUT=1s", elapsed)
	}
}

func TestHealthcheckCommand(t *testing.T) {
	port := freePort(t)
	vars := map[string]string{"PORT": strconv.Itoa(port), "HOST": "0.0.0.0"}
	if _, err := runCommand(t, vars, "healthcheck"); err == nil || !strings.Contains(err.Error(), "healthcheck") {
		t.Errorf("healthcheck with no server: %v, want an error", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"app"}, env(vars), io.Discard, io.Discard) }()
	waitForHealthy(t, fmt.Sprintf("http://127.0.0.1:%d", port), done)
	if out, err := runCommand(t, vars, "healthcheck"); err != nil || !strings.Contains(out, "healthy") {
		t.Errorf("healthcheck with the server up: %q, %v", out, err)
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
