package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"base-docker-and-compose/e2e/harness"
	"base-docker-and-compose/shared/worker"
)

// Stage 02 as a learner runs it: ./run-dockered.sh makes a network, starts PostgreSQL,
// builds and starts the app image, creates and seeds the tables; running it twice works;
// ./run-dockered.sh down leaves nothing behind.
func TestStage02RunDockered(t *testing.T) {
	harness.RequireImage(t, "postgres:17-trixie")
	harness.RequireImage(t, "golang:1.26-trixie")
	name := harness.UniqueName(t)
	port := harness.FreePort(t)
	script := harness.Cmd{Dir: "../02-dockerizing", Name: "./run-dockered.sh",
		Env: []string{"NAME=" + name, fmt.Sprintf("PORT=%d", port)}}
	down := script
	down.Args = []string{"down"}
	t.Cleanup(func() { down.Run() })
	volumesBefore := strings.Fields(harness.MustDocker(t, "volume", "ls", "-q"))

	for run := 1; run <= 2; run++ {
		r := script.Run()
		if r.Err != nil {
			t.Fatalf("run %d of run-dockered.sh: %v\n%s", run, r.Err, r.Output())
		}
		if run == 1 {
			capture(t, "02-dockerizing", "run-dockered", name, "./run-dockered.sh", r.Stdout)
		}
		for _, phase := range []string{"1/4", "2/4", "3/4", "4/4", "seeded 5 new workers"} {
			if !strings.Contains(r.Stdout, phase) {
				t.Errorf("run %d did not print %q:\n%s", run, phase, r.Stdout)
			}
		}
		var workers []worker.Worker
		harness.GetJSON(t, fmt.Sprintf("http://127.0.0.1:%d/api/v1/workers", port), 200, &workers)
		if len(workers) != len(worker.Dummies()) {
			t.Errorf("run %d: the API serves %d workers, want %d", run, len(workers), len(worker.Dummies()))
		}
	}
	if user := harness.MustDocker(t, "exec", name+"-app", "id", "-u"); user == "0" {
		t.Errorf("the app runs as root")
	}

	if r := down.Run(); r.Err != nil {
		t.Fatalf("run-dockered.sh down: %v\n%s", r.Err, r.Output())
	}
	for _, left := range []struct{ what, out string }{
		{"containers", harness.MustDocker(t, "ps", "-a", "--filter", "name="+name, "--format", "{{.Names}}")},
		{"networks", harness.MustDocker(t, "network", "ls", "--filter", "name="+name, "--format", "{{.Name}}")},
		{"images", harness.MustDocker(t, "image", "ls", "--filter", "reference="+name+"*", "--format", "{{.Repository}}")},
	} {
		if left.out != "" {
			t.Errorf("down left %s behind: %s", left.what, left.out)
		}
	}
	for _, v := range strings.Fields(harness.MustDocker(t, "volume", "ls", "-q")) {
		if !slices.Contains(volumesBefore, v) {
			t.Errorf("down left volume %s behind", v)
		}
	}
}

// The Dockerfile copies the shared module from a named build context: a plain `docker build .`,
// without --build-context shared=../shared, has no context of that name, so BuildKit takes
// "shared" for an image name and tries to resolve docker.io/library/shared. What it says next
// depends on the registry: with none reachable, as here, it cannot look the name up; with
// Docker Hub, it is refused (no such repository).
func TestStage02BuildWithoutContext(t *testing.T) {
	harness.RequireImage(t, "golang:1.26-trixie")
	out, err := shell(t, "../02-dockerizing", nil, "docker build .")
	if err == nil || !strings.Contains(out, "COPY --from=shared") ||
		!strings.Contains(out, "failed to resolve source metadata for docker.io/library/shared:latest") {
		t.Fatalf("docker build . without the shared build context: %v\n%s\nwant BuildKit's failure to resolve an image named shared", err, out)
	}
	// The page shows the line that says why; the progress above it varies from run to run.
	const command = "docker build . 2>&1 | tail -n 1"
	last, err := shell(t, "../02-dockerizing", nil, command)
	if err != nil || !strings.Contains(last, "failed to solve: shared: failed to resolve source metadata") {
		t.Fatalf("%s: %v\n%s", command, err, last)
	}
	capture(t, "02-dockerizing", "build-without-context", "", command, last)
}
