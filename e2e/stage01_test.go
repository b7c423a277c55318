package e2e

import (
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
	t.Parallel()
	harness.RequireImage(t, "postgres:17-trixie")
	stage, err := filepath.Abs("../01-starting-point")
	if err != nil {
		t.Fatal(err)
	}
	container := harness.UniqueName(t)
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

	// run-local.sh, in a process group of its own as a terminal runs it, on two free ports,
	// until it serves the workers; where Docker (or the app) finds a port taken meanwhile, it
	// runs again on new ones. Each try starts from what an earlier run left behind: a
	// container of the same name, running.
	var (
		appPort, dbPort int
		out             *harness.Buffer // read while run-local.sh still writes
		cmd             *exec.Cmd
		exited          chan error
		workers         []worker.Worker
	)
	t.Cleanup(func() {
		if cmd != nil {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
		if t.Failed() && out != nil {
			t.Logf("run-local.sh printed:\n%s", out.String())
		}
	})
	_, printed, err := harness.WithFreePorts(t, 2, func(ports []int) (string, error) {
		appPort, dbPort = ports[0], ports[1]
		harness.Docker("rm", "-f", "-v", container)
		harness.MustDocker(t, "run", "-d", "--name", container, "postgres:17-trixie", "sleep", "infinity")
		out = &harness.Buffer{}
		cmd = exec.Command("./run-local.sh")
		cmd.Dir = stage
		cmd.Env = append(os.Environ(), "DB_CONTAINER="+container,
			fmt.Sprintf("DB_PORT=%d", dbPort), fmt.Sprintf("PORT=%d", appPort))
		cmd.Stdout, cmd.Stderr = out, out
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited = make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		deadline := time.Now().Add(3 * time.Minute)
		for {
			select {
			case err := <-exited:
				return out.String(), fmt.Errorf("run-local.sh exited before serving: %v", err)
			default:
			}
			status, body, err := harness.TryGet(fmt.Sprintf("http://127.0.0.1:%d/api/v1/workers", appPort))
			if err == nil && status == 200 {
				workers = nil
				return "", jsonUnmarshal(body, &workers)
			}
			if time.Now().After(deadline) {
				return out.String(), fmt.Errorf("run-local.sh does not serve after 3 minutes: GET /api/v1/workers: %d %s %v", status, body, err)
			}
			time.Sleep(250 * time.Millisecond)
		}
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, printed)
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", appPort)
	if len(workers) != len(worker.Dummies()) {
		t.Errorf("the API serves %d workers, want the %d seeded", len(workers), len(worker.Dummies()))
	}
	harness.GetJSON(t, base+"/readyz", 200, &map[string]string{})
	for _, c := range []struct {
		name, path string
		status     int
		body       string
	}{
		{"curl-worker", "/api/v1/workers/1", 200, fmt.Sprintf(`{"id":1,"name":%q,`, worker.Dummies()[0].Name)},
		{"curl-missing", "/api/v1/workers/999", 404, `{"error":"worker not found"}`},
		{"curl-bad-id", "/api/v1/workers/abc", 400, `{"error":"the worker id must be a positive integer"}`},
	} {
		out, err := shell(t, "", nil, fmt.Sprintf("curl -s 127.0.0.1:%d%s", appPort, c.path))
		if err != nil || !strings.HasPrefix(out, c.body) {
			t.Fatalf("curl -s %s: %v\n%s\nwant %s", c.path, err, out, c.body)
		}
		if status, body := harness.Get(t, base+c.path); status != c.status || string(body) != out {
			t.Fatalf("GET %s: %d %s, want %d and the body curl printed", c.path, status, body, c.status)
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
