package e2e

import (
	"strings"
	"testing"

	"base-docker-and-compose/e2e/bench"
	"base-docker-and-compose/shared/worker"
)

// Stage 03 as a learner runs it: compose up, the tables created and seeded by hand, data
// that outlives down/up and container re-creation, and is gone after down -v; the database
// is reachable from the app only.
func TestStage03Compose(t *testing.T) {
	p := stageProject(t, "03-compose")
	p.Up()

	// Before create_db the API says what to run, as JSON, not a bare 500.
	var failure map[string]string
	bench.GetJSON(t, apiURL(t, p, "/api/v1/workers"), 503, &failure)
	if !strings.Contains(failure["error"], "create_db") {
		t.Errorf("before create_db the API said %q; want it to name create_db", failure["error"])
	}

	for _, cmd := range []string{"create_db", "seed_db"} {
		if r := p.Exec("app", "app", cmd); r.Err != nil {
			t.Fatalf("exec app %s: %v\n%s", cmd, r.Err, r.Output())
		}
	}
	if n := len(listWorkers(t, p)); n != len(worker.Dummies()) {
		t.Fatalf("after create_db and seed_db: %d workers, want %d", n, len(worker.Dummies()))
	}

	// down keeps the named volume; up again serves the same rows.
	p.MustCompose("down")
	p.Up()
	if n := len(listWorkers(t, p)); n != len(worker.Dummies()) {
		t.Errorf("after down and up: %d workers, want the %d seeded before", n, len(worker.Dummies()))
	}
	// Re-created containers (a changed configuration, say) keep it too.
	p.Up("--force-recreate")
	if n := len(listWorkers(t, p)); n != len(worker.Dummies()) {
		t.Errorf("after re-creating the containers: %d workers, want %d", n, len(worker.Dummies()))
	}

	// The database publishes no port on the host.
	if r := p.Compose("port", "db", "5432"); r.Err == nil && strings.TrimSpace(r.Stdout) != "" && strings.TrimSpace(r.Stdout) != ":0" {
		t.Errorf("the database port is published on the host: %s", r.Stdout)
	}
	dbID := p.MustCompose("ps", "-q", "db")
	if bindings := bench.MustDocker(t, "inspect", "-f", "{{json .HostConfig.PortBindings}}", dbID); bindings != "{}" && bindings != "null" {
		t.Errorf("the database container has port bindings: %s", bindings)
	}
	if user := p.Exec("app", "id", "-u"); strings.TrimSpace(user.Stdout) == "0" {
		t.Errorf("the app runs as root")
	}

	// down -v removes the data: a new up starts with no tables.
	p.MustCompose("down", "-v")
	if out := bench.MustDocker(t, "volume", "ls", "-q", "--filter", "name="+p.Name+"-pgdata"); out != "" {
		t.Errorf("down -v left the volume %s", out)
	}
	p.Up()
	bench.GetJSON(t, apiURL(t, p, "/api/v1/workers"), 503, &failure)
}

// The detailed reference file is valid and starts, with what its attributes promise.
func TestStage03ReferenceFile(t *testing.T) {
	p := stageProject(t, "03-compose", "compose.reference.yaml")
	p.MustCompose("config", "-q")
	p.Up()
	for _, cmd := range []string{"create_db", "seed_db"} {
		if r := p.Exec("app", "app", cmd); r.Err != nil {
			t.Fatalf("exec app %s: %v\n%s", cmd, r.Err, r.Output())
		}
	}
	if n := len(listWorkers(t, p)); n != len(worker.Dummies()) {
		t.Errorf("%d workers, want %d", n, len(worker.Dummies()))
	}
	if r := p.Exec("app", "touch", "/usr/src/app/x"); r.Err == nil {
		t.Errorf("read_only: the app could write to its root filesystem")
	}
	if r := p.Exec("app", "cat", "/run/secrets/api_token", "/usr/share/doc/workers/README.md"); r.Err != nil ||
		!strings.Contains(r.Stdout, "not-a-real-token") || !strings.Contains(r.Stdout, "# Stage") {
		t.Errorf("the secret and the config are not mounted: %v\n%s", r.Err, r.Output())
	}
}
