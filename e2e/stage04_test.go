package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"base-docker-and-compose/e2e/harness"
	"base-docker-and-compose/shared/worker"
)

// Stage 04 as a learner runs it: up with no manual step serves the seeded workers; the
// entrypoint never drops data; it waits for a database that comes late and gives up with a
// message when none comes; the app is PID 1, not root, and stops at once.
func TestStage04Entrypoint(t *testing.T) {
	t.Parallel()
	// Stage 03's project, running as its page leaves it; the page's Before you start stops it.
	prev := stageProject(t, "03-compose")
	prev.Up()
	p := stageProject(t, "04-entrypoint")
	beforeYouStart(t, "../04-entrypoint/README.md", prev.Dir, p.Dir, prev)
	// The pages' commands, run as written (shell), on the test's project (inProject).
	env := inProject(p)
	if out, err := shell(t, p.Dir, env, "docker compose up --wait"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	command := "docker compose logs --no-log-prefix app | grep entrypoint:"
	out, err := shell(t, p.Dir, env, command)
	if err != nil || !strings.Contains(out, "entrypoint: seeding the dummy workers\nentrypoint: starting: app") {
		t.Fatalf("%v\n%s\nwant the entrypoint to say it seeded, then started the app", err, out)
	}
	capture(t, "04-entrypoint", "entrypoint-logs", p.Name, command, out)
	if n := len(listWorkers(t, p)); n != len(worker.Dummies()) {
		t.Fatalf("after up: %d workers, want the %d seeded by the entrypoint", n, len(worker.Dummies()))
	}
	// curl on this machine, on the port the test's project publishes the app on.
	out, err = shell(t, "", nil, "curl -s "+p.Addr("app", 8080)+"/api/v1/workers")
	var listed []worker.Worker
	if err != nil || json.Unmarshal([]byte(out), &listed) != nil || len(listed) != len(worker.Dummies()) {
		t.Fatalf("%v\n%s\nwant the %d dummy workers", err, out, len(worker.Dummies()))
	}
	capture(t, "04-entrypoint", "curl-workers", "", "curl -s 127.0.0.1:8080/api/v1/workers", out+"\n")
	// A worker of the learner's own, through the API.
	ada := addWorker(t, "04-entrypoint", p.Addr("app", 8080))

	// Rows of our own (the API's, and one by psql) must survive a restart of the app: an
	// entrypoint that runs create_db drops every table at each start; this one only creates
	// what is missing.
	psql(t, p, "INSERT INTO workers (name, email, role) VALUES ('Added By Hand', 'by.hand@example.com', 'tester')")
	p.MustCompose("restart", "app")
	p.Up()
	if n := len(listWorkers(t, p)); n != len(worker.Dummies())+2 {
		t.Errorf("after restarting the app: %d workers, want %d (the seeded ones and ours)", n, len(worker.Dummies())+2)
	}
	assertWorker(t, p.Addr("app", 8080), ada)

	// PID 1 is the app itself (the entrypoint exec'd it), running as a non-root user.
	if comm := p.Exec("app", "cat", "/proc/1/comm"); strings.TrimSpace(comm.Stdout) != "app" {
		t.Errorf("PID 1 is %q, want app: the entrypoint must exec the command", comm.Stdout)
	}
	if uid := p.Exec("app", "stat", "-c", "%u", "/proc/1"); strings.TrimSpace(uid.Stdout) == "0" || uid.Err != nil {
		t.Errorf("PID 1 runs as uid %q, want a non-root user (%v)", uid.Stdout, uid.Err)
	}

	// docker stop: SIGTERM reaches the app, which stops at once.
	assertStopsOnSIGTERM(t, p.MustCompose("ps", "-q", "app"))

	// A database that starts late: the entrypoint waits for it, then the app serves.
	p.MustCompose("stop", "db")
	p.MustCompose("up", "-d", "--no-deps", "--force-recreate", "app")
	harness.Eventually(t, 30*time.Second, func() error {
		if logs := p.Compose("logs", "app").Stdout; !strings.Contains(logs, "waiting for PostgreSQL at db:5432") {
			return fmt.Errorf("the entrypoint does not say it waits:\n%s", logs)
		}
		return nil
	})
	// Still waiting, not failed: each failed try is followed by a `sleep 1` and another try,
	// in the app's container, which keeps running meanwhile. Three of them are three tries.
	waiting := p.MustCompose("ps", "-q", "app")
	sleeps := map[string]bool{}
	harness.Poll(t, 30*time.Second, 200*time.Millisecond, func() error {
		top := harness.Docker("top", waiting, "-o", "pid,args")
		if top.Err != nil {
			return fmt.Errorf("docker top: %v %s (the app is %s)", top.Err, top.Output(),
				p.Compose("ps", "-a", "--format", "{{.State}}", "app").Stdout)
		}
		for _, line := range strings.Split(top.Stdout, "\n") {
			if f := strings.Fields(line); len(f) > 1 {
				if args := harness.ProgramArgs(f[1:]); len(args) == 2 && args[0] == "sleep" && args[1] == "1" {
					sleeps[f[0]] = true
				}
			}
		}
		if len(sleeps) < 3 {
			return fmt.Errorf("the entrypoint has waited %d times, want 3:\n%s", len(sleeps), top.Stdout)
		}
		return nil
	})
	if state := p.MustCompose("ps", "-a", "--format", "{{.State}}", "app"); state != "running" {
		t.Fatalf("while the database is stopped the app is %q, want running (waiting)", state)
	}
	p.MustCompose("start", "db")
	p.Up()
	if n := len(listWorkers(t, p)); n != len(worker.Dummies())+2 {
		t.Errorf("after the late database: %d workers, want %d", n, len(worker.Dummies())+2)
	}

	// No database at all: the wait times out with a message and a non-zero exit.
	command = "docker compose run --rm --no-deps -e SQL_HOST=nowhere -e WAIT_TIMEOUT=2 app"
	out, err = shell(t, p.Dir, env, command)
	if err == nil {
		t.Fatalf("the entrypoint succeeded with no database:\n%s", out)
	}
	if !strings.Contains(out, "nowhere:5432 did not accept connections within 2s") {
		t.Fatalf("the timeout's message does not say what failed:\n%s", out)
	}
	capture(t, "04-entrypoint", "wait-timeout", p.Name, command, out)

	// The reset the learner runs on purpose: create_db empties the tables, and the
	// entrypoint seeds them again at the app's next start.
	run := runner(t, p.Dir, env)
	command = "docker compose exec app app create_db"
	out = run(command)
	if strings.TrimSpace(out) != "tables dropped and created empty" {
		t.Fatalf("%s: %q", command, out)
	}
	capture(t, "04-entrypoint", "reset-create-db", p.Name, command, out)
	command, out = curlApp(t, p, "/api/v1/workers")
	if out != "[]" {
		t.Fatalf("after create_db the API lists %s, want []", out)
	}
	capture(t, "04-entrypoint", "reset-empty", "", command, out+"\n")
	run("docker compose restart app")
	run("docker compose up --wait")
	command, out = curlApp(t, p, "/api/v1/workers/1")
	var first worker.Worker
	if err := json.Unmarshal([]byte(out), &first); err != nil || first.Name != worker.Dummies()[0].Name {
		t.Fatalf("after the restart, worker 1 is %s (%v), want %s, seeded again by the entrypoint", out, err, worker.Dummies()[0].Name)
	}
	capture(t, "04-entrypoint", "reset-reseeded", "", command, out+"\n")

	// docker compose stop: the app gets SIGTERM itself and exits 0, at once.
	start := time.Now()
	command = "docker compose stop app"
	out = run(command)
	stopped := time.Since(start)
	t.Logf("%s took %s", command, stopped.Round(time.Millisecond))
	// Unhandled, SIGTERM would leave the app running until Docker's 10 s grace period ends
	// and SIGKILL (exit code 137, checked below); the command's own time is no finer a
	// measure on a busy machine.
	if stopped >= 10*time.Second {
		t.Fatalf("%s took %s, the whole grace period: SIGTERM was not handled", command, stopped)
	}
	// Compose 2.26 pads its columns with more spaces than v5: compare the words.
	if !strings.Contains(strings.Join(strings.Fields(out), " "), "Container "+p.Name+"-app-1 Stopped") {
		t.Fatalf("%s:\n%s\nwant the app's container stopped", command, out)
	}
	capture(t, "04-entrypoint", "stop", p.Name, command, out)
	command = "docker compose ps -a --format '{{.Service}}: {{.State}}, exit code {{.ExitCode}}' app"
	out = run(command)
	if strings.TrimSpace(out) != "app: exited, exit code 0" {
		t.Fatalf("after docker compose stop: %q, want the app exited on its own (exit code 0)", out)
	}
	capture(t, "04-entrypoint", "stop-exit-code", p.Name, command, out)
}

// beforeYouStart runs a stage page's "Before you start" block as the learner types it, one
// line at a time, each in the folder the line before it leaves them in: first, from the
// previous stage's folder (prevDir), `cd ../<this stage>`, which must find this stage's folder
// (dir) beside it; then, from there, `(cd ../<previous stage> && docker compose down)` on the
// test's copy of the previous project (prev, running), which must leave none of it behind.
func beforeYouStart(t *testing.T, readme, prevDir, dir string, prev *harness.Project) {
	t.Helper()
	lines := strings.Split(readmeShellBlock(t, readme, "**Before you start:**"), "\n")
	if len(lines) != 2 || lines[0] != "cd ../"+filepath.Base(dir) ||
		lines[1] != "(cd ../"+filepath.Base(prevDir)+" && docker compose down)" {
		t.Fatalf("%s: Before you start is %q, want the cd into %s, then the previous stage's down", readme, lines, filepath.Base(dir))
	}
	if out, err := shell(t, prevDir, nil, lines[0]); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if out, err := shell(t, dir, inProject(prev), lines[1]); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if left := harness.MustDocker(t, "ps", "-a", "-q", "--filter", "label=com.docker.compose.project="+prev.Name); left != "" {
		t.Errorf("containers of the previous stage are left after %s: %s", lines[1], left)
	}
}

// beside puts a copy of stage's folder next to dir (a stage copy), as in the learner's
// checkout, so that `cd ../<stage>` from one reaches the other; it returns the copy.
func beside(t *testing.T, dir, stage string) string {
	t.Helper()
	moved := filepath.Join(filepath.Dir(dir), stage)
	if err := os.Rename(copyStage(t, stage), moved); err != nil {
		t.Fatal(err)
	}
	return moved
}
