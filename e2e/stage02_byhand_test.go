package e2e

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"base-docker-and-compose/e2e/harness"
	"base-docker-and-compose/shared/worker"
)

// Stage 02 typed by hand, as the page shows it before run-dockered.sh does the same: build
// the image, list it and its layers, create a network, start PostgreSQL and the app on it,
// create and seed the tables, look inside the app's container, read its logs, stop and
// remove everything. Each command runs as the page writes it, with the page's names
// (workers-02-…) and port (8080) swapped for the test's own; each capture is recorded only
// once what it shows has been checked, and shows the page's names again.
func TestStage02ByHand(t *testing.T) {
	t.Parallel()
	harness.RequireImage(t, "postgres:17-trixie")
	harness.RequireImage(t, "golang:1.26-trixie")
	const stage = "02-dockerizing"
	const dir = "../" + stage
	name := harness.UniqueName(t)
	var port int // the app's, from FreePort, when it is run
	network, db, app := name+"-net", name+"-db", name+"-app"
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs of %s:\n%s", app, harness.Docker("logs", "--tail", "100", app).Output())
		}
		harness.Docker("rm", "-f", "-v", app, db)
		harness.Docker("network", "rm", network)
		harness.Docker("image", "rm", "-f", app)
	})

	// ours is the page's command as this test runs it: its names and its port.
	ours := func(page string) string {
		cmd := strings.ReplaceAll(page, "workers-02", name)
		return strings.ReplaceAll(cmd, "127.0.0.1:8080", fmt.Sprintf("127.0.0.1:%d", port))
	}
	run := func(page string) string {
		t.Helper()
		out, err := shell(t, dir, nil, ours(page))
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return out
	}
	record := func(capName, page, out string) {
		t.Helper()
		capture(t, stage, capName, name, page, out)
	}
	// detached runs a page's `docker run -d`, which prints the new container's id alone.
	detached := func(capName, page string) {
		t.Helper()
		out := run(page)
		if !regexp.MustCompile(`^[0-9a-f]{64}\n$`).MatchString(out) {
			t.Fatalf("%s: %q, want the container's id", page, out)
		}
		record(capName, page, out)
	}

	// The build: BuildKit's progress, a block per step in the order the steps run (which
	// varies), ends naming the image. The page shows that line, picked out by grep from the
	// same command run again (every step cached by then).
	const build = "docker build --build-context shared=../shared -t workers-02-app ."
	start := time.Now()
	out := run(build)
	t.Logf("built %s in %s", app, time.Since(start).Round(time.Millisecond))
	// The containerd image store names the tag in full (…:latest); the classic store, as
	// buildx 0.13 drives it, names the repository alone. A step that outlasts BuildKit's
	// progress tick (on a busy machine) is printed twice, its time on the second line:
	// "naming to … 0.0s done".
	namingLine := regexp.MustCompile(`naming to docker\.io/library/` + regexp.QuoteMeta(app) + `(:latest)?( \d+\.\d+s)? done`)
	named := func(out string) bool { return namingLine.MatchString(out) }
	if !named(out) {
		t.Fatalf("%s did not name the image %s:\n%s", build, app, out)
	}
	const naming = build + " 2>&1 | grep -o 'naming to .* done'"
	out = run(naming)
	if !named(out) || strings.Count(out, "\n") != 1 {
		t.Fatalf("%s: %q, want one line naming the image docker.io/library/%s", naming, out, app)
	}
	// The page shows the line as a build that is not slowed down prints it: without a time.
	record("byhand-build", naming, regexp.MustCompile(` \d+\.\d+s done\n$`).ReplaceAllString(out, " done\n"))

	// The image, and its size.
	const imageLs = "docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' workers-02-app"
	out = run(imageLs)
	if !regexp.MustCompile(`^` + regexp.QuoteMeta(app) + `:latest \d+(\.\d+)?[kMG]B\n$`).MatchString(out) {
		t.Fatalf("%s: %q, want one line: the image and its size", imageLs, out)
	}
	record("byhand-image-ls", imageLs, out)

	// Which image store counts that size.
	const driverStatus = "docker info -f '{{ .DriverStatus }}'"
	out = run(driverStatus)
	if containerd := strings.Contains(out, "io.containerd.snapshotter"); containerd != (harness.ImageStore(t) == "containerd") {
		t.Fatalf("%s: %q disagrees with the engine's image store, %s", driverStatus, out, harness.ImageStore(t))
	}
	record("byhand-driver-status", driverStatus, out)

	// The layers, newest first: the stage's own instructions, then the base image's.
	const history = `docker history --format '{{.CreatedBy}}' workers-02-app | head -n 12`
	out = run(history)
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != 12 || !strings.Contains(lines[0], `CMD ["app"]`) {
		t.Fatalf("%s:\n%s\nwant 12 layers, CMD [\"app\"] first", history, out)
	}
	// The order the lesson explains: the modules are downloaded before the source is copied.
	download := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, "go mod download") })
	source := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, "COPY . .") })
	if download < 0 || source < 0 || download < source {
		t.Fatalf("%s:\n%s\nwant `go mod download` below (before) `COPY . .`", history, out)
	}
	record("byhand-history", history, out)

	// What the layers weigh: the page shows the ones of a megabyte or more, because the
	// small ones (the copied sources, a few kB) vary by a few kB from one build to the next.
	const heavy = `docker history --format '{{.Size}}\t{{.CreatedBy}}' workers-02-app | head -n 12 | grep MB`
	if harness.WantPlatform() != "" {
		// make e2e-arm64: an engine gives the layer sizes of its own platform's images; for an
		// image of another, the ones on an amd64 engine were seen to be 0B (on a Mac with Apple
		// Silicon the arm64 image is the engine's own). The command runs; its sizes are not held.
		heavyOut, err := shell(t, dir, nil, ours(heavy))
		t.Logf("%s, for %s (%v), not held:\n%s", heavy, harness.WantPlatform(), err, heavyOut)
	} else {
		out = run(heavy)
		if lines := strings.Split(strings.TrimRight(out, "\n"), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "go build") {
			t.Fatalf("%s:\n%s\nwant one layer of a megabyte or more, the compiled app's", heavy, out)
		}
		record("byhand-history-sizes", heavy, out)
	}

	// A network of its own.
	const networkCreate = "docker network create workers-02-net"
	out = run(networkCreate)
	if !regexp.MustCompile(`^[0-9a-f]{64}\n$`).MatchString(out) {
		t.Fatalf("%s: %q, want the network's id", networkCreate, out)
	}
	record("byhand-network-create", networkCreate, out)
	const networkLs = "docker network ls --filter name=workers-02 --format '{{.Name}}: {{.Driver}}, {{.Scope}}'"
	out = run(networkLs)
	if out != network+": bridge, local\n" {
		t.Fatalf("%s: %q, want %s, a local bridge network", networkLs, out, network)
	}
	record("byhand-network-ls", networkLs, out)

	// PostgreSQL on it, with no published port, until it accepts connections over TCP.
	const runDB = "docker run -d --name workers-02-db --network workers-02-net \\\n" +
		"  -e POSTGRES_USER=workers -e POSTGRES_PASSWORD=workers -e POSTGRES_DB=workers \\\n" +
		"  postgres:17-trixie"
	detached("byhand-run-db", runDB)
	const ready = "docker exec workers-02-db pg_isready -h 127.0.0.1 -U workers -d workers"
	harness.Eventually(t, time.Minute, func() error {
		out, err := shell(t, dir, nil, ours(ready))
		if err != nil {
			return fmt.Errorf("%v: %s", err, out)
		}
		return nil
	})
	out = run(ready)
	if out != "127.0.0.1:5432 - accepting connections\n" {
		t.Fatalf("%s: %q", ready, out)
	}
	record("byhand-pg-isready", ready, out)

	// The app on the same network, published on 127.0.0.1 only.
	const runApp = "docker run -d --name workers-02-app --network workers-02-net \\\n" +
		"  -e DATABASE_URL='postgres://workers:workers@workers-02-db:5432/workers?sslmode=disable' \\\n" +
		"  -p 127.0.0.1:8080:8080 workers-02-app"
	// Docker may find the free port taken by the time it binds it: the container it created
	// is then removed, and the same command runs again on another port.
	ports, out, err := harness.WithFreePorts(t, 1, func(ports []int) (string, error) {
		port = ports[0]
		harness.Docker("rm", "-f", app)
		return shell(t, dir, nil, ours(runApp))
	})
	port = ports[0]
	if err != nil || !regexp.MustCompile(`^[0-9a-f]{64}\n$`).MatchString(out) {
		t.Fatalf("%s: %v %q, want the container's id", runApp, err, out)
	}
	record("byhand-run-app", runApp, out)
	const ps = "docker ps --filter name=workers-02 --format '{{.Names}}: {{.State}}, {{.Ports}}'"
	out = run(ps)
	if want := fmt.Sprintf("%s: running, 127.0.0.1:%d->8080/tcp\n%s: running, 5432/tcp\n", app, port, db); out != want {
		t.Fatalf("%s:\n%s\nwant\n%s", ps, out, want)
	}
	record("byhand-ps", ps, out)

	// The tables, through the app's own binary in its container.
	const createDB = "docker exec workers-02-app app create_db"
	out = run(createDB)
	if !strings.Contains(out, "tables dropped and created empty") {
		t.Fatalf("%s: %q", createDB, out)
	}
	record("byhand-create-db", createDB, out)
	const seedDB = "docker exec workers-02-app app seed_db"
	out = run(seedDB)
	if !strings.Contains(out, fmt.Sprintf("seeded %d new workers", len(worker.Dummies()))) {
		t.Fatalf("%s: %q", seedDB, out)
	}
	record("byhand-seed-db", seedDB, out)

	const curl = "curl -s 127.0.0.1:8080/api/v1/workers/1"
	out = run(curl)
	var one worker.Worker
	if err := jsonUnmarshal([]byte(out), &one); err != nil || one.ID != 1 {
		t.Fatalf("%s: %q (%v), want worker 1", curl, out, err)
	}
	record("byhand-curl", curl, out+"\n")
	harness.CheckPlatform(t, app, db) // make e2e-arm64: both ran arm64 images

	// Inside the container: who the app runs as, where, and what the image holds.
	const inside = "docker exec workers-02-app sh -c 'id; pwd; ls'"
	out = run(inside)
	if !strings.HasPrefix(out, "uid=10001(app)") || !strings.Contains(out, "/usr/src/app\n") || !strings.Contains(out, "main.go") {
		t.Fatalf("%s:\n%s\nwant user app (10001), in /usr/src/app, with the source", inside, out)
	}
	record("byhand-exec", inside, out)

	// What the app logged: its start, and the request above.
	const logs = "docker logs workers-02-app"
	out = run(logs)
	served := regexp.MustCompile(`(?m)^time=\S+ level=INFO msg="serving the workers API" `)
	request := regexp.MustCompile(`(?m)^(time=\S+ level=INFO msg=request method=GET path=/api/v1/workers/1 status=200 duration=)[0-9.]+(ns|µs|ms|s)$`)
	if !served.MatchString(out) || !request.MatchString(out) || strings.Count(out, "\n") != 2 {
		t.Fatalf("%s:\n%s\nwant two lines: the server starting, and the request to /api/v1/workers/1", logs, out)
	}
	// A request's duration differs from run to run: the page shows it cut.
	record("byhand-logs", logs, request.ReplaceAllString(out, "${1}…"))

	// Stop (each PID 1 gets its image's stop signal: SIGTERM for the app, SIGINT for
	// PostgreSQL), then remove, the database's anonymous volume with it.
	volume := harness.MustDocker(t, "inspect", "-f", `{{range .Mounts}}{{.Name}}{{end}}`, db)
	if volume == "" {
		t.Fatalf("%s has no anonymous volume", db)
	}
	const stop = "docker stop workers-02-app workers-02-db"
	out = run(stop)
	if out != app+"\n"+db+"\n" {
		t.Fatalf("%s: %q", stop, out)
	}
	for _, c := range []string{app, db} {
		if code := harness.MustDocker(t, "inspect", "-f", "{{.State.ExitCode}}", c); code != "0" {
			t.Errorf("%s exited with %s after docker stop, want 0: it did not shut down on its stop signal", c, code)
		}
	}
	record("byhand-stop", stop, out)
	const rm = "docker rm -v workers-02-app workers-02-db"
	out = run(rm)
	if out != app+"\n"+db+"\n" {
		t.Fatalf("%s: %q", rm, out)
	}
	if r := harness.Docker("volume", "inspect", volume); r.Err == nil {
		t.Errorf("docker rm -v left the database's volume %s", volume)
	}
	record("byhand-rm", rm, out)
	const networkRm = "docker network rm workers-02-net"
	out = run(networkRm)
	if out != network+"\n" {
		t.Fatalf("%s: %q", networkRm, out)
	}
	record("byhand-network-rm", networkRm, out)
}
