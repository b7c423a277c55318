package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"base-docker-and-compose/e2e/harness"
	"base-docker-and-compose/shared/worker"
)

// Stage 01's lesson typed by hand, command by command as the page shows them: the app on its
// embedded SQLite, then PostgreSQL started with `docker run` and looked at with `docker ps`,
// `docker logs` and `docker exec … psql`; the app's manage commands against it; `docker stop`
// (a clean stop, well inside the grace period), `docker rm`, and the named volume that keeps
// the data for the next container until `docker volume rm`.
//
// Each command runs as the page writes it, with the page's names and ports swapped for the
// test's own (a unique container and volume, free ports on 127.0.0.1), and its output mapped
// back before it is captured.
func TestStage01ByHand(t *testing.T) {
	t.Parallel()
	harness.RequireImage(t, "postgres:17-trixie")
	const stage = "01-starting-point"
	dir, err := filepath.Abs("../" + stage)
	if err != nil {
		t.Fatal(err)
	}
	name := harness.UniqueName(t)
	volume := name + "-data" // the page's workers-db-data
	// The database's port is FreePort's when docker run publishes it, another if it was taken.
	dbPort, appPort := 0, harness.FreePort(t)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs of %s:\n%s", name, harness.Docker("logs", "--tail", "50", name).Output())
		}
		harness.Docker("rm", "-f", "-v", name)
		harness.Docker("volume", "rm", "-f", volume)
	})
	toTest := func(s string) string {
		return strings.NewReplacer(
			"workers-db", name,
			"127.0.0.1:5432", fmt.Sprintf("127.0.0.1:%d", dbPort),
			"127.0.0.1:8080", fmt.Sprintf("127.0.0.1:%d", appPort)).Replace(s)
	}
	toPage := func(s string) string {
		return strings.NewReplacer(
			name, "workers-db",
			fmt.Sprintf("127.0.0.1:%d", dbPort), "127.0.0.1:5432",
			fmt.Sprintf("127.0.0.1:%d", appPort), "127.0.0.1:8080").Replace(s)
	}
	// TZ=UTC: the app's log times are then ones the capture's normaliser fixes. PORT is the
	// test's free port; the page's commands use the default, 8080.
	env := []string{"TZ=UTC", fmt.Sprintf("PORT=%d", appPort)}
	// run runs a page's command, in a terminal if the page gives it -it, and returns its
	// output with the page's names and stable times.
	try := func(command string, env []string) (string, error) {
		t.Helper()
		if strings.Contains(command, " -it ") {
			return inTerminal(t, dir, env, toTest(command))
		}
		return shell(t, dir, env, toTest(command))
	}
	// shown checks what a page's command printed and returns it with the page's names and
	// stable times.
	shown := func(command, out string, err error) string {
		t.Helper()
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		// The app masks the password of DATABASE_URL in every line it prints.
		if strings.Contains(out, "workers:workers@") {
			t.Fatalf("%s printed the database password:\n%s", command, out)
		}
		return postgresTimes.ReplaceAllString(toPage(out), "2026-01-01 00:00:00.000 UTC")
	}
	run := func(command string, env []string) string {
		t.Helper()
		out, err := try(command, env)
		return shown(command, out, err)
	}
	// runDB runs the page's docker run of PostgreSQL, which publishes it on a port of
	// FreePort's; where Docker finds that port taken, the container it created is removed,
	// and the same command runs again on another port.
	runDB := func(command string) string {
		t.Helper()
		_, out, err := harness.WithFreePorts(t, 1, func(ports []int) (string, error) {
			dbPort = ports[0]
			harness.Docker("rm", "-f", name)
			return try(command, nil)
		})
		return shown(command, out, err)
	}
	// containing runs a page's command whose output must hold each of wanted, and captures it.
	// The app buffers its log (standard error), so its log lines and what it prints on its
	// standard output come in either order: the log lines are put first, as they were written.
	containing := func(capName, command string, env []string, wanted ...string) string {
		t.Helper()
		out := logsFirst(run(command, env))
		for _, w := range wanted {
			if !strings.Contains(out, w) {
				t.Fatalf("%s printed:\n%s\nwant %q in it", command, out, w)
			}
		}
		capture(t, stage, capName, "", command, out)
		return out
	}
	// exactly runs a page's command that must print wanted and nothing else, checks what
	// it did with then (if given), and captures it.
	exactly := func(capName, command, wanted string, then func()) {
		t.Helper()
		out := run(command, nil)
		if out != wanted {
			t.Fatalf("%s printed %q, want %q", command, out, wanted)
		}
		if then != nil {
			then()
		}
		capture(t, stage, capName, "", command, out)
	}
	gone := func(what ...string) func() {
		return func() {
			t.Helper()
			if r := harness.Docker(what...); r.Err == nil {
				t.Fatalf("docker %s: still there", strings.Join(what, " "))
			}
		}
	}

	// 1. The app on its embedded database: `go run .` holds its terminal; the list is asked
	// for from a second one.
	server := startServer(t, dir, env)
	waitWorkers(t, appPort, server)
	const list = "curl -s 127.0.0.1:8080/api/v1/workers"
	out := run(list, nil)
	var workers []worker.Worker
	if err := json.Unmarshal([]byte(out), &workers); err != nil || len(workers) != len(worker.Dummies()) {
		t.Fatalf("%s: %v\n%s\nwant the %d seeded workers", list, err, out, len(worker.Dummies()))
	}
	capture(t, stage, "curl-list", "", list, out+"\n")
	server.stop(t)

	// 2. PostgreSQL by hand. The volume is made first with the test's owner label, so that
	// a crashed run's leftover is swept; `docker run -v` then uses it as it would create it.
	harness.MustDocker(t, "volume", "create", "--label", harness.Owner(), volume)
	const dockerRun = `docker run --name workers-db \
  -e POSTGRES_USER=workers -e POSTGRES_PASSWORD=workers -e POSTGRES_DB=workers \
  -p 127.0.0.1:5432:5432 \
  -v workers-db-data:/var/lib/postgresql/data \
  -d postgres:17-trixie`
	out = runDB(dockerRun)
	if !regexp.MustCompile(`^[0-9a-f]{64}\n$`).MatchString(out) {
		t.Fatalf("docker run -d printed %q, want the new container's id", out)
	}
	capture(t, stage, "docker-run", "", dockerRun, out)
	waitPostgres(t, name)

	// The container runs, published on 127.0.0.1 only.
	exactly("docker-ps", "docker ps --filter name=workers-db --format '{{.Names}} {{.State}} {{.Ports}}'",
		"workers-db running 127.0.0.1:5432->5432/tcp\n", nil)

	const logs = "docker logs --tail 1 workers-db"
	containing("docker-logs", logs, nil, "LOG:  database system is ready to accept connections")
	containing("psql-whoami", "docker exec -it workers-db psql -U workers -c 'select current_user, current_database()'", nil,
		" workers      | workers\n(1 row)")

	// 3. The app against it, its manage commands one by one, then serving.
	dbEnv := append([]string{fmt.Sprintf("DATABASE_URL=postgres://workers:workers@127.0.0.1:%d/workers?sslmode=disable", dbPort)}, env...)
	for _, c := range []struct{ name, command, want string }{
		{"go-run-ready", "go run . ready", "database is ready"},
		{"go-run-create-db", "go run . create_db", "tables dropped and created empty"},
		{"go-run-seed-db", "go run . seed_db", fmt.Sprintf("seeded %d new workers", len(worker.Dummies()))},
	} {
		containing(c.name, c.command, dbEnv, c.want)
	}
	server = startServer(t, dir, dbEnv)
	waitWorkers(t, appPort, server)
	const readyz = "curl -s 127.0.0.1:8080/readyz"
	out = run(readyz, nil)
	if out != `{"status":"ready"}` {
		t.Fatalf("%s printed %q, want the database ready", readyz, out)
	}
	capture(t, stage, "curl-readyz", "", readyz, out+"\n")
	containing("psql-workers", "docker exec -it workers-db psql -U workers -c 'select id, name from workers order by id'", nil,
		fmt.Sprintf("  1 | %s\n", worker.Dummies()[0].Name), fmt.Sprintf("(%d rows)", len(worker.Dummies())))
	// A worker of the learner's own, added through the API.
	ada := addWorker(t, stage, fmt.Sprintf("127.0.0.1:%d", appPort))
	server.stop(t)

	// 4. docker stop: PostgreSQL gets the image's stop signal, shuts down cleanly and exits
	// 0, well before the grace period's SIGKILL (which would make it 137).
	start := time.Now()
	exactly("docker-stop", "docker stop workers-db", "workers-db\n", func() {
		took := time.Since(start)
		t.Logf("docker stop took %s", took.Round(time.Millisecond))
		if took >= 10*time.Second {
			t.Fatalf("docker stop took %s: the grace period ran out, PostgreSQL did not stop on its signal", took)
		}
	})
	exactly("docker-ps-exited", "docker ps -a --filter name=workers-db --format '{{.Names}} {{.State}}'",
		"workers-db exited\n", nil)
	// SIGINT sent, and a clean exit: a SIGKILL at the end of the grace period would be 137.
	exactly("docker-inspect-exit", "docker inspect --format 'stop signal: {{.Config.StopSignal}}, exit code: {{.State.ExitCode}}' workers-db",
		"stop signal: SIGINT, exit code: 0\n", nil)

	containing("docker-logs-stopped", logs, nil, "LOG:  database system is shut down")

	exactly("docker-rm", "docker rm workers-db", "workers-db\n", gone("container", "inspect", name))

	containing("docker-volume-ls", "docker volume ls --filter name=workers-db-data", nil, "local     workers-db-data\n")

	// 5. The same docker run again: a new container on the same volume finds the workers.
	out = runDB(dockerRun)
	if !regexp.MustCompile(`^[0-9a-f]{64}\n$`).MatchString(out) {
		t.Fatalf("docker run -d again printed %q, want the new container's id", out)
	}
	capture(t, stage, "docker-run-again", "", dockerRun, out)
	waitPostgres(t, name)
	containing("docker-logs-again", logs, nil, "LOG:  database system is ready to accept connections")
	containing("psql-count", "docker exec -it workers-db psql -U workers -c 'select count(*) from workers'", nil,
		fmt.Sprintf("     %d\n(1 row)", len(worker.Dummies())+1))
	// The app again, on the new container: the worker added through the API is still there.
	dbEnv = append([]string{fmt.Sprintf("DATABASE_URL=postgres://workers:workers@127.0.0.1:%d/workers?sslmode=disable", dbPort)}, env...)
	server = startServer(t, dir, dbEnv)
	waitWorkers(t, appPort, server)
	readWorkerBack(t, stage, "add-worker-kept", fmt.Sprintf("127.0.0.1:%d", appPort), ada)
	server.stop(t)

	exactly("docker-stop-rm", "docker stop workers-db && docker rm workers-db", "workers-db\nworkers-db\n",
		gone("container", "inspect", name))
	exactly("docker-volume-rm", "docker volume rm workers-db-data", "workers-db-data\n",
		gone("volume", "inspect", volume))
}

// logsFirst puts the app's log lines (time=…) before its other lines, each kind in the order
// it came.
func logsFirst(out string) string {
	var logs, rest []string
	for _, l := range strings.SplitAfter(out, "\n") {
		if strings.HasPrefix(l, "time=") {
			logs = append(logs, l)
		} else {
			rest = append(rest, l)
		}
	}
	return strings.Join(logs, "") + strings.Join(rest, "")
}

// postgresTimes are the times at the start of PostgreSQL's log lines.
var postgresTimes = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ [A-Z]+`)

// inTerminal runs command as shell does, but in a terminal of its own (a pseudo-terminal of
// 50 rows and 200 columns, made by util-linux's script), as a learner's `docker exec -it`
// runs in theirs. Its input is a pipe left open, as a terminal's is: at the end of its input
// script would type an end-of-file into the terminal, which docker exec -i passes on. The
// terminal's line ends are turned back into plain ones.
func inTerminal(t *testing.T, dir string, env []string, command string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), harness.CommandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "script", "-qec", "stty rows 50 cols 200; "+command, "/dev/null")
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "SHELL=/bin/sh"), env...)
	stdin, open, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	defer open.Close()
	cmd.Stdin = stdin
	out, err := cmd.CombinedOutput()
	if err != nil {
		err = fmt.Errorf("%s: %w", command, err)
	}
	return strings.ReplaceAll(string(out), "\r\n", "\n"), err
}

// waitPostgres waits until PostgreSQL in the container accepts connections over TCP: the
// server that the image starts for good, not the one it runs on a socket while it initialises.
func waitPostgres(t *testing.T, container string) {
	t.Helper()
	harness.Eventually(t, 2*time.Minute, func() error {
		if r := harness.Docker("exec", container, "pg_isready", "-h", "127.0.0.1", "-U", "workers"); r.Err != nil {
			return fmt.Errorf("pg_isready: %v %s", r.Err, r.Output())
		}
		return nil
	})
}

// background is `go run .` holding a terminal of its own.
type background struct {
	cmd    *exec.Cmd
	out    *harness.Buffer
	exited chan error
}

// startServer starts `go run .` in dir, in a process group of its own, as a terminal does.
func startServer(t *testing.T, dir string, env []string) *background {
	t.Helper()
	b := &background{cmd: exec.Command("go", "run", "."), out: &harness.Buffer{}, exited: make(chan error, 1)}
	b.cmd.Dir = dir
	b.cmd.Env = append(os.Environ(), env...)
	b.cmd.Stdout, b.cmd.Stderr = b.out, b.out
	b.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { b.exited <- b.cmd.Wait() }()
	t.Cleanup(func() {
		syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
		if t.Failed() {
			t.Logf("go run . printed:\n%s", b.out.String())
		}
	})
	return b
}

// stop is Ctrl-C in the server's terminal: the server finishes its requests and exits 0.
// `go run` itself, which got the Ctrl-C as well, then exits 1 whatever the server did; it
// says "exit status N" only when the server failed.
func (b *background) stop(t *testing.T) {
	t.Helper()
	if err := syscall.Kill(-b.cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-b.exited:
		if out := b.out.String(); !strings.Contains(out, "msg=stopped") || strings.Contains(out, "exit status") {
			t.Errorf("go run . after Ctrl-C: want the server stopped cleanly\n%s", out)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("go run . still runs 30 s after Ctrl-C\n%s", b.out.String())
	}
}

// waitWorkers waits until the server on port lists the workers.
func waitWorkers(t *testing.T, port int, b *background) {
	t.Helper()
	harness.Eventually(t, 3*time.Minute, func() error {
		select {
		case err := <-b.exited:
			t.Fatalf("go run . exited before serving: %v\n%s", err, b.out.String())
		default:
		}
		status, body, err := harness.TryGet(fmt.Sprintf("http://127.0.0.1:%d/api/v1/workers", port))
		if err != nil || status != 200 {
			return fmt.Errorf("GET /api/v1/workers: %d %s %v", status, body, err)
		}
		return nil
	})
}
