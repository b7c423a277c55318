package e2e

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"base-docker-and-compose/e2e/harness"
	"base-docker-and-compose/shared/worker"
)

// stageProject is the compose project of a stage folder (03-compose, …) under the test's
// own name: the app on an ephemeral port of 127.0.0.1, its image and the data volume named
// after the project, so that a test never touches a learner's containers, images or data.
func stageProject(t *testing.T, stage string, files ...string) *harness.Project {
	t.Helper()
	return stageProjectIn(t, "../"+stage, files...)
}

// stageProjectIn is stageProject for a stage folder at dir, a copy made by copyStage say.
func stageProjectIn(t *testing.T, dir string, files ...string) *harness.Project {
	t.Helper()
	return stageProjectApps(t, dir, []string{"app"}, files...)
}

// stageProjectApps is stageProjectIn for a project whose app services have these names.
func stageProjectApps(t *testing.T, dir string, apps []string, files ...string) *harness.Project {
	t.Helper()
	harness.RequireImage(t, "postgres:17-trixie")
	harness.RequireImage(t, "golang:1.26-trixie")
	p := harness.NewProject(t, dir, files...)
	override := "services:\n"
	for _, app := range apps {
		override += fmt.Sprintf("  %s:\n    image: !reset null\n    ports: !override\n      - \"127.0.0.1::8080\"\n", app)
	}
	p.Override(override + fmt.Sprintf("volumes:\n  pgdata:\n    name: %s-pgdata\n", p.Name))
	return p
}

// apiURL is the URL of a path of the project's app service, on its published port.
func apiURL(t *testing.T, p *harness.Project, path string) string {
	t.Helper()
	return apiURLOf(t, p, "app", path)
}

// apiURLOf is apiURL for an app service of another name.
func apiURLOf(t *testing.T, p *harness.Project, service, path string) string {
	t.Helper()
	return "http://" + p.Addr(service, 8080) + path
}

// listWorkers fetches /api/v1/workers and checks the status.
func listWorkers(t *testing.T, p *harness.Project) []worker.Worker {
	t.Helper()
	return listWorkersOf(t, p, "app")
}

// listWorkersOf is listWorkers for an app service of another name.
func listWorkersOf(t *testing.T, p *harness.Project, service string) []worker.Worker {
	t.Helper()
	var workers []worker.Worker
	harness.GetJSON(t, apiURLOf(t, p, service, "/api/v1/workers"), 200, &workers)
	return workers
}

// copyStage copies a stage folder and the shared module (the files git tracks or would
// track: no .env, no build output) into a temporary folder, and returns the stage's copy.
// Tests whose commands write into the stage folder (init-env.sh writes .env) run there,
// so that they never touch a learner's own files.
func copyStage(t *testing.T, stage string) string {
	t.Helper()
	root := t.TempDir()
	r := harness.Cmd{Dir: "..", Name: "git", Args: []string{"ls-files", "--cached", "--others", "--exclude-standard", "--", stage, "shared"}}.Run()
	if r.Err != nil {
		t.Fatalf("%v\n%s", r.Err, r.Output())
	}
	for _, file := range strings.Fields(r.Stdout) {
		src := filepath.Join("..", file)
		info, err := os.Stat(src)
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted in the working tree
		} else if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(root, file)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, info.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(root, stage)
}

// assertImageLacks fails when the image's history, configuration or any of its files holds
// secret, or when it holds an .env file or a secret file.
func assertImageLacks(t *testing.T, image, secret string) {
	t.Helper()
	if history := harness.MustDocker(t, "history", "--no-trunc", image); strings.Contains(history, secret) {
		t.Errorf("the history of %s holds the secret", image)
	}
	if inspect := harness.MustDocker(t, "image", "inspect", image); strings.Contains(inspect, secret) {
		t.Errorf("the configuration of %s holds the secret", image)
	}
	export := harness.Cmd{Name: "docker", Args: []string{"export", harness.CreateContainer(t, image)}}.Run()
	if export.Err != nil {
		t.Fatalf("docker export: %v", export.Err)
	}
	tr := tar.NewReader(strings.NewReader(export.Stdout))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return
		} else if err != nil {
			t.Fatal(err)
		}
		if base := filepath.Base(h.Name); base == ".env" || strings.HasPrefix(base, ".env.backup") || base == "db_password" {
			t.Errorf("%s holds %s", image, h.Name)
		}
		if data, _ := io.ReadAll(tr); bytes.Contains(data, []byte(secret)) {
			t.Errorf("the file %s of %s holds the secret", h.Name, image)
		}
	}
}

// assertStopsOnSIGTERM runs docker stop and fails unless the container exits 0. Docker sends
// SIGTERM, then SIGKILL after a 10 s grace: an app that ignores SIGTERM, or a shell entrypoint
// that did not exec it, is killed and exits 137; one that handles it exits 0. How long docker
// stop took is logged, not held: on a machine busy with both engines' tests, the floor's
// engine was seen to return 10 s after the app had logged that it stopped, with exit code 0.
func assertStopsOnSIGTERM(t *testing.T, id string) {
	t.Helper()
	start := time.Now()
	harness.MustDocker(t, "stop", id)
	t.Logf("docker stop took %s", time.Since(start).Round(time.Millisecond))
	if code := harness.MustDocker(t, "inspect", "-f", "{{.State.ExitCode}}", id); code != "0" {
		t.Errorf("the container exited with %s after docker stop, want 0: 137 is SIGKILL at the end of the grace period, so SIGTERM was not handled", code)
	}
}

// psql runs SQL in the project's db service as the stages' database user, and returns what
// it printed, unaligned and without headers.
func psql(t *testing.T, p *harness.Project, sql string) string {
	t.Helper()
	r := p.Exec("db", "psql", "-U", "workers", "-d", "workers", "-tAc", sql)
	if r.Err != nil {
		t.Fatalf("psql %q: %v\n%s", sql, r.Err, r.Output())
	}
	return strings.TrimSpace(r.Stdout)
}
