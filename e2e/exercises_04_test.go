package e2e

import (
	"strings"
	"testing"
	"time"

	"base-docker-and-compose/e2e/harness"
	"base-docker-and-compose/shared/worker"
)

// Stage 04's "Break it and see": the entrypoint mistakes its page has a learner make.

// The seed's mistake: the entrypoint resets the database (create_db drops every table) at
// each start instead of creating only what is missing (init_db). A row added by hand is
// there until the app restarts, and gone after.
func TestExercise04CreateDBAtEveryStart(t *testing.T) {
	const stage = "04-entrypoint"
	dir := breakStage(t, exercise{stage, "break-create-db", "entrypoint.sh", "\tapp init_db\n", "\tapp create_db\n"})
	p := stageProjectIn(t, dir)
	p.Up()
	env := inProject(p)
	run := func(command string) string {
		t.Helper()
		out, err := shell(t, dir, env, command)
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return out
	}

	// The page's steps: a row of our own, there before the restart.
	run(`docker compose exec db psql -U workers -d workers -c "INSERT INTO workers (name, email, role) VALUES ('Added By Hand', 'by.hand@example.com', 'tester')"`)
	var added worker.Worker
	harness.GetJSON(t, apiURL(t, p, "/api/v1/workers/6"), 200, &added)
	if added.Name != "Added By Hand" {
		t.Fatalf("worker 6 before the restart is %+v, want the row added by hand", added)
	}

	run("docker compose restart app")
	// Until the server answers again (the restarted container may publish another port).
	p.MustCompose("up", "-d", "--wait")
	command := "curl -s 127.0.0.1:8080/api/v1/workers/6"
	out, err := shell(t, "", nil, "curl -s "+p.Addr("app", 8080)+"/api/v1/workers/6")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	capture(t, stage, "break-create-db", "", command, out+"\n")
	if !strings.Contains(out, `"error":"worker not found"`) {
		t.Errorf("after the restart worker 6 is %s, want not found: create_db at each start drops the rows", out)
	}
	if n := len(listWorkers(t, p)); n != len(worker.Dummies()) {
		t.Errorf("after the restart: %d workers, want only the %d seeded again", n, len(worker.Dummies()))
	}
}

// An entrypoint that runs its command without exec: the shell stays PID 1, with the app as
// its child. PID 1 ignores the SIGTERM of docker stop (it has no handler, and the kernel
// spares PID 1 signals it does not handle), so docker stop waits its grace period and kills
// the container: exit code 137 (128 + SIGKILL's 9), where the right entrypoint exits 0.
func TestExercise04NoExec(t *testing.T) {
	const stage = "04-entrypoint"
	dir := breakStage(t, exercise{stage, "break-no-exec", "entrypoint.sh", `exec "$@"`, `"$@"`})
	p := stageProjectIn(t, dir)
	// A shorter grace period than Docker's 10 s, so that the test does not wait that long.
	// What the page's commands print does not depend on it.
	const grace = 3 * time.Second
	p.Override("services:\n  app:\n    stop_grace_period: 3s\n")
	p.Up()
	env := inProject(p)

	command := "docker compose exec app cat /proc/1/comm"
	out, err := shell(t, dir, env, command)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	capture(t, stage, "break-no-exec", p.Name, command, out)
	if comm := strings.TrimSpace(out); comm != "entrypoint.sh" {
		t.Errorf("PID 1 is %q, want entrypoint.sh: without exec the shell stays PID 1", comm)
	}

	start := time.Now()
	if out, err := shell(t, dir, env, "docker compose stop app"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	stopped := time.Since(start)
	t.Logf("docker compose stop took %s", stopped.Round(time.Millisecond))
	if stopped < grace-500*time.Millisecond {
		t.Errorf("docker compose stop took %s, want the grace period (%s): PID 1 ignored SIGTERM", stopped, grace)
	}
	command = "docker compose ps -a --format '{{.Service}}: {{.State}}, exit code {{.ExitCode}}' app"
	out, err = shell(t, dir, env, command)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	capture(t, stage, "break-no-exec-stop", p.Name, command, out)
	if strings.TrimSpace(out) != "app: exited, exit code 137" {
		t.Errorf("after docker compose stop: %q, want the app killed (exit code 137)", out)
	}
}
