package e2e

import (
	"fmt"
	"testing"

	"base-docker-and-compose/e2e/bench"
	"base-docker-and-compose/shared/worker"
)

// stageProject is the compose project of a stage folder (03-compose, …) under the test's
// own name: the app on an ephemeral port of 127.0.0.1, its image and the data volume named
// after the project, so that a test never touches a learner's containers, images or data.
func stageProject(t *testing.T, stage string, files ...string) *bench.Project {
	t.Helper()
	bench.RequireImage(t, "postgres:17-trixie")
	bench.RequireImage(t, "golang:1.26-trixie")
	p := bench.NewProject(t, "../"+stage, files...)
	p.Override(fmt.Sprintf(`services:
  app:
    image: !reset null
    ports: !override
      - "127.0.0.1::8080"
volumes:
  pgdata:
    name: %s-pgdata
`, p.Name))
	return p
}

// apiURL is the URL of a path of the project's app, on its published port.
func apiURL(t *testing.T, p *bench.Project, path string) string {
	t.Helper()
	return "http://" + p.Addr("app", 8080) + path
}

// listWorkers fetches /api/v1/workers and checks the status.
func listWorkers(t *testing.T, p *bench.Project) []worker.Worker {
	t.Helper()
	var workers []worker.Worker
	bench.GetJSON(t, apiURL(t, p, "/api/v1/workers"), 200, &workers)
	return workers
}
