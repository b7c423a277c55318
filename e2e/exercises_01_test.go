package e2e

import (
	"fmt"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"base-docker-and-compose/e2e/harness"
)

// The "Break it and see" exercises of 01-starting-point: the app runs on this machine, and
// PostgreSQL in a container that run-local.sh starts.

// The Go version run-local.sh prints, which is the learner's own: the page shows the
// course's minimum.
var regexpGoVersion = regexp.MustCompile(`(?m)^go1\.\d+(\.\d+)?\S*$`)

// run-local.sh with the scheme of DATABASE_URL misspelt: the app refuses the URL before it
// tries to connect, names DATABASE_URL (with the password masked) and lists what it
// accepts; the script stops and removes the database container it started.
func TestExercise01DatabaseURLScheme(t *testing.T) {
	t.Parallel()
	harness.RequireImage(t, "postgres:17-trixie")
	dir := breakStage(t, exercise{
		stage: "01-starting-point", name: "break-database-url", file: "run-local.sh",
		from: `DATABASE_URL="postgres://`, to: `DATABASE_URL="postgress://`,
	})
	container := harness.UniqueName(t)
	t.Cleanup(func() { harness.Docker("rm", "-f", "-v", container) })

	ports, out, err := harness.WithFreePorts(t, 1, func(ports []int) (string, error) {
		return shell(t, dir, []string{"DB_CONTAINER=" + container, fmt.Sprintf("DB_PORT=%d", ports[0])}, "./run-local.sh")
	})
	dbPort := ports[0]
	want := fmt.Sprintf(`DATABASE_URL "postgress://workers:xxxxx@127.0.0.1:%d/workers?sslmode=disable": unsupported scheme "postgress"; accepted:`, dbPort)
	if err == nil || !strings.Contains(out, want) || !strings.Contains(out, "removing the database container "+container) {
		t.Fatalf("run-local.sh with postgress://: %v\n%s\nwant the app to refuse DATABASE_URL (%q) and the container removed", err, out, want)
	}
	if strings.Contains(out, "3/3") {
		t.Errorf("run-local.sh went on to phase 3 after app ready failed:\n%s", out)
	}
	if r := harness.Docker("container", "inspect", container); r.Err == nil {
		t.Errorf("the database container %s is still there after run-local.sh failed", container)
	}
	out = strings.ReplaceAll(out, container, "workers-local-db")
	out = strings.ReplaceAll(out, fmt.Sprintf("127.0.0.1:%d", dbPort), "127.0.0.1:5432")
	out = regexpGoVersion.ReplaceAllString(out, "go1.26.0")
	capture(t, "01-starting-point", "break-database-url", "", "./run-local.sh", out)
}

// A second server on a port that a first one (run-local.sh, or a `go run .` left in another
// terminal) listens on: the app stops with an error that names PORT and what to do. No file
// changes, so there is no -change capture: the port is taken by a listener of the test's
// own, on an ephemeral port of 127.0.0.1, which the capture shows as 8080.
func TestExercise01PortTaken(t *testing.T) {
	t.Parallel()
	dir := copyStage(t, "01-starting-point")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port

	// TZ=UTC: the time of the log line is then one that the capture's normaliser fixes.
	out, err := shell(t, dir, []string{fmt.Sprintf("PORT=%d", port), "TZ=UTC"}, "go run .")
	want := fmt.Sprintf("bind: address already in use (is another process using PORT=%d? set PORT to a free port)", port)
	if err == nil || !strings.Contains(out, want) {
		t.Fatalf("go run . on a taken port: %v\n%s\nwant %q", err, out, want)
	}
	out = strings.ReplaceAll(out, fmt.Sprintf("127.0.0.1:%d", port), "127.0.0.1:8080")
	out = strings.ReplaceAll(out, fmt.Sprintf("PORT=%d", port), "PORT=8080")
	capture(t, "01-starting-point", "break-port-taken", "", "go run .", out)
}

// A container whose process does not stop on the stop signal: `sleep` as the container's
// first process ignores SIGINT (the kernel gives PID 1 no default action for it), so
// `docker stop` waits its whole grace period, then kills it, and the exit code is 137
// (128 + 9, SIGKILL).
func TestExercise01StopGracePeriod(t *testing.T) {
	t.Parallel()
	harness.RequireImage(t, "postgres:17-trixie")
	const stage = "01-starting-point"
	name := harness.UniqueName(t)
	t.Cleanup(func() { harness.Docker("rm", "-f", "-v", name) })
	toTest := strings.NewReplacer("stubborn", name)
	run := func(command string) string {
		t.Helper()
		out, err := shell(t, "", nil, toTest.Replace(command))
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return strings.ReplaceAll(out, name, "stubborn")
	}

	const dockerRun = "docker run -d --name stubborn postgres:17-trixie sleep infinity"
	out := run(dockerRun)
	if !regexp.MustCompile(`^[0-9a-f]{64}\n$`).MatchString(out) {
		t.Fatalf("docker run -d printed %q, want the container's id", out)
	}
	capture(t, stage, "break-stop-signal-run", "", dockerRun, out)
	const stop = "docker stop stubborn"
	start := time.Now()
	out = run(stop)
	took := time.Since(start)
	t.Logf("docker stop took %s", took.Round(time.Millisecond))
	if out != "stubborn\n" {
		t.Fatalf("%s printed %q", stop, out)
	}
	if took < 9*time.Second || took > 30*time.Second {
		t.Errorf("docker stop took %s, want the 10 s grace period", took)
	}
	capture(t, stage, "break-stop-signal", "", stop, out)

	const inspect = "docker inspect --format 'stop signal: {{.Config.StopSignal}}, exit code: {{.State.ExitCode}}' stubborn"
	out = run(inspect)
	if out != "stop signal: SIGINT, exit code: 137\n" {
		t.Fatalf("%s printed %q, want SIGINT sent and the process killed (137)", inspect, out)
	}
	capture(t, stage, "break-stop-signal-inspect", "", inspect, out)

	const rm = "docker rm -v stubborn"
	if out = run(rm); out != "stubborn\n" {
		t.Fatalf("%s printed %q", rm, out)
	}
	if r := harness.Docker("container", "inspect", name); r.Err == nil {
		t.Fatalf("the container %s is still there after %s", name, rm)
	}
	capture(t, stage, "break-stop-signal-rm", "", rm, out)
}
