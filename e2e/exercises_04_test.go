package e2e

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"base-docker-and-compose/e2e/harness"
	"base-docker-and-compose/shared/worker"
)

// Stage 04's "Break it and see": the entrypoint mistakes its page has a learner make.

// A common entrypoint's mistake: it resets the database (create_db drops every table) at
// each start instead of creating only what is missing (init_db). A row added by hand is
// there until the app restarts, and gone after.
func TestExercise04CreateDBAtEveryStart(t *testing.T) {
	t.Parallel()
	const stage = "04-entrypoint"
	dir := breakStage(t, exercise{stage, "break-create-db", "entrypoint.sh", "\tapp init_db\n", "\tapp create_db\n"})
	p := stageProjectIn(t, dir)
	env := inProject(p)
	run := runner(t, dir, env)
	run("docker compose up --build --wait")

	// The page's steps: a row of our own, there before the restart.
	command := `docker compose exec db psql -U workers -d workers -c "INSERT INTO workers (name, email, role) VALUES ('Added By Hand', 'by.hand@example.com', 'tester')"`
	out := run(command)
	if strings.TrimSpace(out) != "INSERT 0 1" {
		t.Fatalf("%s: %q, want one row inserted", command, out)
	}
	capture(t, stage, "break-create-db-insert", p.Name, command, out)
	command, out = curlApp(t, p, "/api/v1/workers/6")
	var added worker.Worker
	if err := json.Unmarshal([]byte(out), &added); err != nil || added.Name != "Added By Hand" {
		t.Fatalf("worker 6 before the restart is %s (%v), want the row added by hand", out, err)
	}
	capture(t, stage, "break-create-db-before", "", command, out+"\n")

	run("docker compose restart app")
	// Until the server answers again (the restarted container may publish another port).
	run("docker compose up --wait")
	command, out = curlApp(t, p, "/api/v1/workers/6")
	if !strings.Contains(out, `"error":"worker not found"`) {
		t.Fatalf("after the restart worker 6 is %s, want not found: create_db at each start drops the rows", out)
	}
	capture(t, stage, "break-create-db", "", command, out+"\n")
	if n := len(listWorkers(t, p)); n != len(worker.Dummies()) {
		t.Errorf("after the restart: %d workers, want only the %d seeded again", n, len(worker.Dummies()))
	}

	// The page's undo: init_db back, and the rebuild it says; then a row survives a restart.
	replaceOnce(t, filepath.Join(dir, "entrypoint.sh"), "\tapp create_db\n", "\tapp init_db\n")
	run("docker compose up --build --wait")
	psql(t, p, "INSERT INTO workers (name, email, role) VALUES ('Kept', 'kept@example.com', 'tester')")
	p.MustCompose("restart", "app")
	p.Up()
	if got := psql(t, p, "SELECT count(*) FROM workers WHERE email = 'kept@example.com'"); got != "1" {
		t.Errorf("after the undo, the rebuild and a restart, the row added by hand: %s, want 1", got)
	}
}

// An entrypoint that runs its command without exec: the shell stays PID 1, with the app as
// its child. PID 1 ignores the SIGTERM of docker stop (it has no handler, and the kernel
// spares PID 1 signals it does not handle), so docker stop waits its grace period and kills
// the container: exit code 137 (128 + SIGKILL's 9), where the right entrypoint exits 0.
func TestExercise04NoExec(t *testing.T) {
	t.Parallel()
	const stage = "04-entrypoint"
	dir := breakStage(t, exercise{stage, "break-no-exec", "entrypoint.sh", `exec "$@"`, `"$@"`})
	p := stageProjectIn(t, dir)
	// The learner's grace period: Docker's default, which the page says the stop takes.
	const grace = 10 * time.Second
	env := inProject(p)
	if out, err := shell(t, dir, env, "docker compose up --build --wait"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}

	command := "docker compose exec app cat /proc/1/comm"
	out, err := shell(t, dir, env, command)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if comm := strings.TrimSpace(out); comm != "entrypoint.sh" {
		t.Fatalf("PID 1 is %q, want entrypoint.sh: without exec the shell stays PID 1", comm)
	}
	capture(t, stage, "break-no-exec", p.Name, command, out)

	start := time.Now()
	command = "docker compose stop app"
	out, err = shell(t, dir, env, command)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	stopped := time.Since(start)
	t.Logf("docker compose stop took %s", stopped.Round(time.Millisecond))
	// At least the grace period; the margin above it is Compose's own time on a busy machine.
	if stopped < grace || stopped > grace+10*time.Second {
		t.Fatalf("docker compose stop took %s, want the grace period (%s) and not much more: PID 1 ignored SIGTERM", stopped, grace)
	}
	// Compose 2.26 pads the state with a second space; later releases print one.
	if !regexp.MustCompile(`Container ` + regexp.QuoteMeta(p.Name+"-app-1") + `\s+Stopped`).MatchString(out) {
		t.Fatalf("%s:\n%s\nwant the app's container stopped", command, out)
	}
	capture(t, stage, "break-no-exec-stop-app", p.Name, command, out)
	command = "docker compose ps -a --format '{{.Service}}: {{.State}}, exit code {{.ExitCode}}' app"
	out, err = shell(t, dir, env, command)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if strings.TrimSpace(out) != "app: exited, exit code 137" {
		t.Fatalf("after docker compose stop: %q, want the app killed (exit code 137)", out)
	}
	capture(t, stage, "break-no-exec-stop", p.Name, command, out)

	// The page's undo: exec back, the rebuild, then down before the next stage.
	replaceOnce(t, filepath.Join(dir, "entrypoint.sh"), "\n\"$@\"\n", "\nexec \"$@\"\n")
	run := runner(t, dir, env)
	run("docker compose up --build --wait")
	if comm := p.Exec("app", "cat", "/proc/1/comm"); strings.TrimSpace(comm.Stdout) != "app" {
		t.Errorf("after the undo and the rebuild PID 1 is %q, want app", comm.Stdout)
	}
	run("docker compose down")
	if left := harness.MustDocker(t, "ps", "-a", "-q", "--filter", "label=com.docker.compose.project="+p.Name); left != "" {
		t.Errorf("containers of the project are left after docker compose down: %s", left)
	}
}
