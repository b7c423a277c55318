package e2e

import (
	"fmt"
	"strings"
	"testing"

	"base-docker-and-compose/e2e/harness"
	"base-docker-and-compose/shared/worker"
)

// Stage 02 as a learner runs it: ./run-dockered.sh makes a network, starts PostgreSQL,
// builds and starts the app image, creates and seeds the tables; running it twice works;
// ./run-dockered.sh down leaves nothing behind.
func TestStage02RunDockered(t *testing.T) {
	t.Parallel()
	harness.RequireImage(t, "postgres:17-trixie")
	harness.RequireImage(t, "golang:1.26-trixie")
	name := harness.UniqueName(t)
	var script, down harness.Cmd
	t.Cleanup(func() { down.Run() })
	// The script as the page runs it, its names and port the test's own. Its own lines are on
	// its standard output; the build's progress, on its standard error, is the one part of
	// the run that varies (cached steps or not, in any order), so the page shows the
	// script's lines alone: what `./run-dockered.sh 2>/dev/null` shows, which is the
	// standard output kept apart here.
	runScript := func(ports []int) harness.Result {
		script = harness.Cmd{Dir: "../02-dockerizing", Name: "./run-dockered.sh",
			Env: []string{"NAME=" + name, fmt.Sprintf("PORT=%d", ports[0])}}
		down = script
		down.Args = []string{"down"}
		return script.Run()
	}
	var first harness.Result
	ports, _, _ := harness.WithFreePorts(t, 1, func(ports []int) (string, error) {
		first = runScript(ports)
		return first.Output(), first.Err
	})
	port := ports[0]

	for run := 1; run <= 2; run++ {
		r := first
		if run == 2 {
			r = script.Run()
		}
		if r.Err != nil {
			t.Fatalf("run %d of run-dockered.sh: %v\n%s", run, r.Err, r.Output())
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
	capture(t, "02-dockerizing", "run-dockered", name, "./run-dockered.sh 2>/dev/null", first.Stdout)
	harness.CheckPlatform(t, name+"-app", name+"-db") // make e2e-arm64: both ran arm64 images
	// A worker of the learner's own, through the API the script started.
	addWorker(t, "02-dockerizing", fmt.Sprintf("127.0.0.1:%d", port))
	if user := harness.MustDocker(t, "exec", name+"-app", "id", "-u"); user == "0" {
		t.Errorf("the app runs as root")
	}
	// The database's data is on an anonymous volume, which down must remove with it (other
	// tests' volumes come and go meanwhile: only this one is checked).
	volume := harness.MustDocker(t, "inspect", "-f", "{{range .Mounts}}{{.Name}}{{end}}", name+"-db")
	if volume == "" {
		t.Fatalf("%s-db has no volume", name)
	}

	r := down.Run()
	if r.Err != nil {
		t.Fatalf("run-dockered.sh down: %v\n%s", r.Err, r.Output())
	}
	if r.Stderr != "" {
		t.Errorf("run-dockered.sh down wrote to its standard error:\n%s", r.Stderr)
	}
	for _, removed := range []string{"container " + name + "-app", "container " + name + "-db", "network " + name + "-net", "image " + name + "-app:latest"} {
		if !strings.Contains(r.Stdout, "removing "+removed+"\n") {
			t.Errorf("run-dockered.sh down did not say it removed the %s:\n%s", removed, r.Stdout)
		}
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
	if harness.Docker("volume", "inspect", volume).Err == nil {
		t.Errorf("down left the database's volume %s behind", volume)
	}
	capture(t, "02-dockerizing", "run-dockered-down", name, "./run-dockered.sh down", r.Stdout)
}

// The Dockerfile copies the shared module from a named build context: a plain `docker build .`,
// without --build-context shared=../shared, has no context of that name, so BuildKit takes
// "shared" for an image name and tries to resolve docker.io/library/shared. How that lookup
// ends depends on the learner's network (Docker Hub refuses the name; with no registry
// reachable, the lookup itself fails), so the page shows only the part of the error line
// that is the same either way, and the same on every Docker the course supports.
func TestStage02BuildWithoutContext(t *testing.T) {
	t.Parallel()
	harness.RequireImage(t, "golang:1.26-trixie")
	out, err := shell(t, "../02-dockerizing", nil, "docker build .")
	if err == nil || !strings.Contains(out, "COPY --from=shared") ||
		!strings.Contains(out, "failed to resolve source metadata for docker.io/library/shared:latest") {
		t.Fatalf("docker build . without the shared build context: %v\n%s\nwant BuildKit's failure to resolve an image named shared", err, out)
	}
	const command = "docker build . 2>&1 | grep -o 'failed to solve: .*shared:latest'"
	common, err := shell(t, "../02-dockerizing", nil, command)
	const want = "failed to solve: shared: failed to resolve source metadata for docker.io/library/shared:latest\n"
	if err != nil || common != want {
		t.Fatalf("%s: %v\n%q\nwant %q", command, err, common, want)
	}
	capture(t, "02-dockerizing", "build-without-context", "", command, common)
}
