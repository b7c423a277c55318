package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
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

// app is the app running as a process of its own, its stderr going to a file.
type app struct {
	cmd    *exec.Cmd
	port   string
	done   <-chan error  // cmd.Wait's result
	logged func() string // what the app wrote to stderr so far
}

// startApp starts the app on a free port with the extra environment vars and waits until it
// is healthy. The process is killed when t ends.
func startApp(t *testing.T, vars ...string) app {
	t.Helper()
	port := strconv.Itoa(freePort(t))
	stderr, err := os.Create(t.TempDir() + "/stderr")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(append(os.Environ(), "APP_TEST_RUN_MAIN=1", "PORT="+port), vars...)
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	waitForHealthy(t, "http://127.0.0.1:"+port, done)
	return app{cmd, port, done, func() string { b, _ := os.ReadFile(stderr.Name()); return string(b) }}
}

// Every line the app logs is written out by the call that logs it: a request's line is out
// before its answer, and a SIGKILL (or the OOM killer, or a crash) right after the answer
// loses none of them.
func TestLogLinesSurviveSIGKILL(t *testing.T) {
	app := startApp(t)
	const requests = 20
	for i := range requests {
		path := fmt.Sprintf("/api/v1/workers/%d", i%5+1)
		resp, err := http.Get("http://127.0.0.1:" + app.port + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s", path, resp.Status)
		}
	}
	if err := app.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-app.done
	if got := strings.Count(app.logged(), "level=INFO msg=request method=GET path=/api/v1/workers/"); got != requests {
		t.Errorf("%d request lines in stderr after SIGKILL, want all %d:\n%s", got, requests, app.logged())
	}
}

// The first SIGINT starts a graceful shutdown, which waits for a request in flight; a second
// SIGINT ends the process at once, with the exit status of a process that SIGINT ended.
func TestSecondSignalStopsAtOnce(t *testing.T) {
	app := startApp(t, "SHUTDOWN_TIMEOUT=1m")
	cmd, port, done, logged := app.cmd, app.port, app.done, app.logged

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

// With no buffer of its own between the logger and stderr, lines logged at once by many
// requests still come out whole, one JSON object a line: the handler writes each in one call.
func TestLogLinesStayWholeUnderConcurrentLogging(t *testing.T) {
	out, err := os.Create(t.TempDir() + "/stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	log := newLogger(out, slog.LevelInfo, "json")
	const goroutines, lines = 8, 500
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range lines {
				log.Info("request", "goroutine", g, "i", i, "padding", strings.Repeat("x", 300))
			}
		})
	}
	wg.Wait()
	written, err := os.ReadFile(out.Name())
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(string(written), "\n"), "\n")
	if len(got) != goroutines*lines {
		t.Fatalf("%d lines, want %d", len(got), goroutines*lines)
	}
	for _, line := range got {
		var record struct{ Msg, Padding string }
		if err := json.Unmarshal([]byte(line), &record); err != nil || record.Msg != "request" || len(record.Padding) != 300 {
			t.Fatalf("a line was cut or mixed with another: %.200q (%v)", line, err)
		}
	}
}
