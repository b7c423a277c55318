package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// runCommand runs one manage command and returns what it printed.
func runCommand(t *testing.T, vars map[string]string, command string) (string, error) {
	t.Helper()
	var stdout, stderr strings.Builder
	err := run(context.Background(), []string{"app", command}, env(vars), &stdout, &stderr)
	return stdout.String(), err
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
