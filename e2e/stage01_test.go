package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"base-docker-and-compose/e2e/harness"
	"base-docker-and-compose/shared/worker"
)

// Stage 01 as a learner runs it: ./run-local.sh builds the app, starts PostgreSQL in a
// container, creates and seeds the tables and serves; Ctrl-C stops the server, then the
// container with docker stop (PostgreSQL shuts down on its signal, inside the grace period),
// and removes it. A container left by an earlier run is replaced.
func TestStage01RunLocal(t *testing.T) {
	harness.RequireImage(t, "postgres:17-trixie")
	stage, err := filepath.Abs("../01-starting-point")
	if err != nil {
		t.Fatal(err)
	}
	container := harness.UniqueName(t)
	appPort, dbPort := harness.FreePort(t), harness.FreePort(t)
	t.Cleanup(func() { harness.Docker("rm", "-f", "-v", container) })

	// An argument it does not take (as if it had a `down`) is refused before anything starts.
	wrong := exec.Command("./run-local.sh", "down")
	wrong.Dir = stage
	wrong.Env = append(os.Environ(), "DB_CONTAINER="+container)
	if got, err := wrong.CombinedOutput(); err == nil || !strings.Contains(string(got), "unknown argument 'down'; usage: ./run-local.sh") {
		t.Errorf("./run-local.sh down: %v\n%s\nwant it refused with its usage", err, got)
	}
	if r := harness.Docker("container", "inspect", container); r.Err == nil {
		t.Errorf("./run-local.sh down started the container %s", container)
	}

	// What an earlier run left behind: a container of the same name, running.
	harness.MustDocker(t, "run", "-d", "--name", container, "postgres:17-trixie", "sleep", "infinity")

	var out bytes.Buffer
	cmd := exec.Command("./run-local.sh")
	cmd.Dir = stage
	cmd.Env = append(os.Environ(), "DB_CONTAINER="+container,
		fmt.Sprintf("DB_PORT=%d", dbPort), fmt.Sprintf("PORT=%d", appPort))
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		if t.Failed() {
			t.Logf("run-local.sh printed:\n%s", out.String())
		}
	})

	base := fmt.Sprintf("http://127.0.0.1:%d", appPort)
	var workers []worker.Worker
	harness.Eventually(t, 3*time.Minute, func() error {
		select {
		case err := <-exited:
			t.Fatalf("run-local.sh exited before serving: %v\n%s", err, out.String())
		default:
		}
		status, body, err := harness.TryGet(base + "/api/v1/workers")
		if err != nil || status != 200 {
			return fmt.Errorf("GET /api/v1/workers: %d %s %v", status, body, err)
		}
		workers = nil
		return jsonUnmarshal(body, &workers)
	})
	if len(workers) != len(worker.Dummies()) {
		t.Errorf("the API serves %d workers, want the %d seeded", len(workers), len(worker.Dummies()))
	}
	harness.GetJSON(t, base+"/readyz", 200, &map[string]string{})
	for _, c := range []struct{ name, path string }{
		{"curl-worker", "/api/v1/workers/1"}, {"curl-missing", "/api/v1/workers/999"}, {"curl-bad-id", "/api/v1/workers/abc"},
	} {
		out, err := shell(t, "", nil, fmt.Sprintf("curl -s 127.0.0.1:%d%s", appPort, c.path))
		if err != nil {
			t.Fatal(err)
		}
		capture(t, "01-starting-point", c.name, "", "curl -s 127.0.0.1:8080"+c.path, out+"\n")
	}

	// The manage commands against the same PostgreSQL: seeding again adds nothing.
	seed := exec.Command(filepath.Join(stage, "bin", "app"), "seed_db")
	seed.Env = append(os.Environ(), fmt.Sprintf("DATABASE_URL=postgres://workers:workers@127.0.0.1:%d/workers?sslmode=disable", dbPort))
	if got, err := seed.CombinedOutput(); err != nil || !strings.Contains(string(got), "seeded 0 new workers") {
		t.Errorf("seed_db a second time: %s %v", got, err)
	}

	for _, phase := range []string{"1/3 Preparing the Go environment", "2/3 Starting PostgreSQL", "3/3 Creating the tables", "replacing the container"} {
		if !strings.Contains(out.String(), phase) {
			t.Errorf("run-local.sh did not announce %q", phase)
		}
	}

	// Ctrl-C, as a terminal sends it, to the whole process group: the script stops the
	// server, then removes the database container.
	start := time.Now()
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("run-local.sh after Ctrl-C: %v, want exit 0\n%s", err, out.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("run-local.sh still runs 30 s after Ctrl-C\n%s", out.String())
	}
	took := time.Since(start)
	t.Logf("run-local.sh stopped %s after Ctrl-C", took.Round(time.Millisecond))
	if took >= 10*time.Second {
		t.Errorf("run-local.sh took %s to stop: docker stop's 10 s grace period ran out, the database did not stop on its signal", took)
	}
	if r := harness.Docker("container", "inspect", container); r.Err == nil {
		t.Errorf("the database container %s is still there after Ctrl-C", container)
	}
	if _, _, err := harness.TryGet(base + "/healthz"); err == nil {
		t.Errorf("the server still answers after Ctrl-C")
	}
}
