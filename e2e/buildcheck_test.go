package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"base-docker-and-compose/e2e/harness"
)

// `docker build --check` runs BuildKit's Dockerfile rules without building anything. The
// static checks run it on every Dockerfile of the course; this test records what the stage
// 02 lesson shows, and proves the check fails on a mistake learners make: the shell form of
// CMD, which starts the app under /bin/sh -c, so `docker stop` signals the shell, not the app.
func TestBuildCheck(t *testing.T) {
	t.Parallel()
	// A learner's older Docker (buildx before 0.15) has no --check: on an engine the course
	// does not pin, that is a reason to skip, not a failure. A pinned run always has it.
	if !harness.Pinned() && !strings.Contains(harness.Docker("build", "--help").Stdout, "--check") {
		t.Skip("this engine's docker build has no --check (buildx 0.15 or newer has it)")
	}
	harness.RequireImage(t, "golang:1.26-trixie")
	dir := copyStage(t, "02-dockerizing")
	// -q: the progress lines (with their timings) stay out; the findings are on stdout.
	args := []string{"build", "--check", "-q", "--build-context", "shared=../shared", "."}
	command := "docker " + strings.Join(args, " ")

	out, err := shell(t, dir, nil, command)
	if err != nil || !strings.Contains(out, "Check complete, no warnings found.") {
		t.Fatalf("%s on stage 02's Dockerfile: %v\n%s\nwant no finding", command, err, out)
	}
	capture(t, "02-dockerizing", "build-check", "", command, out)

	dockerfile := filepath.Join(dir, "Dockerfile")
	data, err := os.ReadFile(dockerfile)
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(data), `CMD ["app"]`, `CMD app`, 1)
	if broken == string(data) {
		t.Fatalf(`stage 02's Dockerfile has no CMD ["app"] line to break`)
	}
	if err := os.WriteFile(dockerfile, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = shell(t, dir, nil, command)
	if err == nil || !strings.Contains(out, "JSONArgsRecommended") {
		t.Fatalf("%s with CMD in shell form: %v\n%s\nwant a failure naming JSONArgsRecommended", command, err, out)
	}
	capture(t, "02-dockerizing", "build-check-shell-form", "", command, out)
}
