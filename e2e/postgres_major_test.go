package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"base-docker-and-compose/e2e/harness"
	"base-docker-and-compose/shared/worker"
)

// The course stays on PostgreSQL 17: the data volume of stages 05 and 06 is mounted at
// /var/lib/postgresql/data, which the official images of 18 and later refuse (they keep their
// data under /var/lib/postgresql), and no major version reads another's data files. Their
// .env.template invites another POSTGRES_TAG, so their db service checks the image's major
// (PG_MAJOR) before it runs the image's entrypoint, and stops with a message on another one.
//
// No PostgreSQL 18 image can be pulled here. What POSTGRES_TAG selects instead is a 17 image
// that says it is 18 (ENV PG_MAJOR=18, which is what the check reads), under a postgres tag of
// the test's own: the learner's mistake is the same line of .env.

// postgresImageOfMajor builds postgres:<tag>, an image of postgres:17-trixie that says it is
// of another major, and returns the tag.
func postgresImageOfMajor(t *testing.T, major string) string {
	t.Helper()
	harness.RequireImage(t, "postgres:17-trixie")
	dir := t.TempDir()
	dockerfile := "FROM postgres:17-trixie\nENV PG_MAJOR=" + major + "\n"
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		t.Fatal(err)
	}
	tag := major + "-trixie-" + harness.UniqueName(t)
	harness.Build(t, dir, "postgres:"+tag)
	return tag
}

var postgresTagLine = regexp.MustCompile(`(?m)^POSTGRES_TAG=.*$`)

// setPostgresTag changes the POSTGRES_TAG line of a stage copy's .env, as a learner edits it.
func setPostgresTag(t *testing.T, dir, tag string) {
	t.Helper()
	edit(t, filepath.Join(dir, ".env"), func(s string) string {
		return postgresTagLine.ReplaceAllString(s, "POSTGRES_TAG="+tag)
	})
}

// guardMessage is the first line of the check's message, for an image of PostgreSQL 18.
const guardMessage = "compose.yaml: error: POSTGRES_TAG names PostgreSQL 18; this project is set up for PostgreSQL 17."

func TestTroubleshootingPostgresMajor(t *testing.T) {
	t.Parallel()
	tag := postgresImageOfMajor(t, "18")

	// Stage 05 as a learner meets it: the project up on 17, with data; POSTGRES_TAG changed
	// in .env; up again. The db container stops at once, and the app's dependency fails.
	t.Run("05-env-vars", func(t *testing.T) {
		dir := copyStage(t, "05-env-vars")
		initEnv(t, dir)
		p := stageProjectIn(t, dir)
		p.Up()
		env := inProject(p)
		learner := func(out string) string {
			return strings.ReplaceAll(strings.ReplaceAll(out, tag, "18-trixie"), p.Name, "05-env-vars")
		}

		setPostgresTag(t, dir, tag)
		out, err := shell(t, dir, env, "docker compose up --wait")
		if err == nil || !strings.Contains(out, p.Name+"-db-1 exited (1)") {
			t.Fatalf("up with POSTGRES_TAG=%s: %v\n%s\nwant the db container to exit with 1", tag, err, out)
		}
		capture(t, "troubleshooting", "postgres-major", "", "docker compose up --wait", learner(out))
		db := p.MustCompose("ps", "-a", "-q", "db")
		if image := harness.MustDocker(t, "inspect", "-f", "{{.Config.Image}}", db); image != "postgres:"+tag {
			t.Fatalf("the db container ran %s, want postgres:%s", image, tag)
		}
		out, err = shell(t, dir, env, "docker compose logs db")
		if err != nil || !strings.Contains(out, guardMessage) || !strings.Contains(out, "POSTGRES_TAG=17-trixie") {
			t.Fatalf("docker compose logs db: %v\n%s\nwant the check's message, naming the fix", err, out)
		}
		capture(t, "troubleshooting", "postgres-major-logs", "", "docker compose logs db", learner(out))

		// The fix the message gives: 17 again, and the data is all there.
		setPostgresTag(t, dir, "17-trixie")
		if out, err := shell(t, dir, env, "docker compose up --wait"); err != nil {
			t.Fatalf("up with POSTGRES_TAG=17-trixie again: %v\n%s", err, out)
		}
		if n := len(listWorkers(t, p)); n != len(worker.Dummies()) {
			t.Errorf("after going back to 17: %d workers, want the %d seeded before", n, len(worker.Dummies()))
		}
		// On 17 the check is invisible: the image's entrypoint exec'd PostgreSQL, which is
		// PID 1 and stops at once on docker stop (the image's stop signal, SIGINT).
		if comm := p.Exec("db", "cat", "/proc/1/comm"); strings.TrimSpace(comm.Stdout) != "postgres" {
			t.Errorf("PID 1 of db is %q, want postgres: the check must exec the image's entrypoint", comm.Stdout)
		}
		assertStopsOnSIGTERM(t, p.MustCompose("ps", "-q", "db"))
	})

	// Stage 06 has the same check; its password comes from a secret file.
	t.Run("06-profiles", func(t *testing.T) {
		p, dir, _ := stage06(t)
		setPostgresTag(t, dir, tag)
		r := p.Compose("up", "-d", "--wait", "db")
		if r.Err == nil {
			t.Fatalf("up db with POSTGRES_TAG=%s succeeded; want the check to stop it", tag)
		}
		if logs := p.Compose("logs", "db").Output(); !strings.Contains(logs, guardMessage) {
			t.Fatalf("the db logs lack the check's message:\n%s", logs)
		}
	})
}
