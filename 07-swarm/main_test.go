package main

import (
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

func TestMain(m *testing.M) {
	if os.Getenv("APP_TEST_RUN_MAIN") == "1" {
		main() // the app itself, as a process of its own: see TestSecondSignalStopsAtOnce
		return
	}
	gin.SetMode(gin.TestMode)
	os.Exit(m.Run())
}

// env is a fake environment for run and loadConfig.
func env(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
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

// The first SIGINT starts a graceful shutdown, which waits for a request in flight; a second
// SIGINT ends the process at once, with the exit status of a process that SIGINT ended.
func TestSecondSignalStopsAtOnce(t *testing.T) {
	port := strconv.Itoa(freePort(t))
	stderr, err := os.Create(t.TempDir() + "/stderr")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "APP_TEST_RUN_MAIN=1", "PORT="+port, "SHUTDOWN_TIMEOUT=1m")
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	waitForHealthy(t, "http://127.0.0.1:"+port, done)
	logged := func() string { b, _ := os.ReadFile(stderr.Name()); return string(b) }

	// A request in flight: its headers are not finished, so the server waits for them
	// (up to its ReadHeaderTimeout of 5 s) before the shutdown can end.
	conn, err := net.Dial("tcp", "127.0.0.1:"+port)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	connected := time.Now()
	if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: app\r\n"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		t.Fatalf("the first SIGINT ended the process (%v) while a request was in flight:\n%s", err, logged())
	case <-time.After(500 * time.Millisecond):
	}
	if !strings.Contains(logged(), "shutting down") {
		t.Fatalf("no graceful shutdown began after the first SIGINT:\n%s", logged())
	}

	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if cmd.ProcessState.ExitCode() != 128+int(syscall.SIGINT) {
			t.Errorf("exit status after the second SIGINT: %v, want %d", err, 128+int(syscall.SIGINT))
		}
	case <-time.After(2 * time.Second):
		t.Fatalf("the process still runs 2 s after the second SIGINT:\n%s", logged())
	}
	if held := time.Since(connected); held > 4*time.Second {
		t.Errorf("the process ended %s after the request began: the server's timeout, not the second SIGINT, ended it", held)
	}
	if out := logged(); !strings.Contains(out, "interrupt again: stopping now") || strings.Contains(out, "msg=stopped") {
		t.Errorf("stderr does not show an immediate stop:\n%s", out)
	}
}
