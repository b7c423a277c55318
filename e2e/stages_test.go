package e2e

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"base-docker-and-compose/e2e/bench"
	"base-docker-and-compose/shared/worker"
)

// stageProject is the compose project of a stage folder (03-compose, …) under the test's
// own name: the app on an ephemeral port of 127.0.0.1, its image and the data volume named
// after the project, so that a test never touches a learner's containers, images or data.
func stageProject(t *testing.T, stage string, files ...string) *bench.Project {
	t.Helper()
	return stageProjectIn(t, "../"+stage, files...)
}

// stageProjectIn is stageProject for a stage folder at dir, a copy made by copyStage say.
func stageProjectIn(t *testing.T, dir string, files ...string) *bench.Project {
	t.Helper()
	return stageProjectApps(t, dir, []string{"app"}, files...)
}

// stageProjectApps is stageProjectIn for a project whose app services have these names.
func stageProjectApps(t *testing.T, dir string, apps []string, files ...string) *bench.Project {
	t.Helper()
	bench.RequireImage(t, "postgres:17-trixie")
	bench.RequireImage(t, "golang:1.26-trixie")
	p := bench.NewProject(t, dir, files...)
	override := "services:\n"
	for _, app := range apps {
		override += fmt.Sprintf("  %s:\n    image: !reset null\n    ports: !override\n      - \"127.0.0.1::8080\"\n", app)
	}
	p.Override(override + fmt.Sprintf("volumes:\n  pgdata:\n    name: %s-pgdata\n", p.Name))
	return p
}

// apiURL is the URL of a path of the project's app service, on its published port.
func apiURL(t *testing.T, p *bench.Project, path string) string {
	t.Helper()
	return apiURLOf(t, p, "app", path)
}

// apiURLOf is apiURL for an app service of another name.
func apiURLOf(t *testing.T, p *bench.Project, service, path string) string {
	t.Helper()
	return "http://" + p.Addr(service, 8080) + path
}

// listWorkers fetches /api/v1/workers and checks the status.
func listWorkers(t *testing.T, p *bench.Project) []worker.Worker {
	t.Helper()
	return listWorkersOf(t, p, "app")
}

// listWorkersOf is listWorkers for an app service of another name.
func listWorkersOf(t *testing.T, p *bench.Project, service string) []worker.Worker {
	t.Helper()
	var workers []worker.Worker
	bench.GetJSON(t, apiURLOf(t, p, service, "/api/v1/workers"), 200, &workers)
	return workers
}

// copyStage copies a stage folder and the shared module (the files git tracks or would
// track: no .env, no build output) into a temporary folder, and returns the stage's copy.
// Tests whose commands write into the stage folder (init-env.sh writes .env) run there,
// so that they never touch a learner's own files.
func copyStage(t *testing.T, stage string) string {
	t.Helper()
	root := t.TempDir()
	r := bench.Cmd{Dir: "..", Name: "git", Args: []string{"ls-files", "--cached", "--others", "--exclude-standard", "--", stage, "shared"}}.Run()
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
