package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"base-docker-and-compose/e2e/harness"
	"base-docker-and-compose/shared/worker"
)

// Stage 03 as a learner runs it: compose up, the tables created and seeded by hand, data
// that outlives down/up and container re-creation, and is gone after down -v; the database
// is reachable from the app only.
func TestStage03Compose(t *testing.T) {
	p := stageProject(t, "03-compose")
	p.Up()

	capture(t, "03-compose", "ps", p.Name, psCommand(), p.MustCompose("ps", "--format", psFormat))

	// While a service starts, Docker probes it every 200ms (start_interval) until a probe passes;
	// once it is healthy, every 10s (interval). So in the seconds after up --wait, none runs.
	lastProbe := func(service string) string {
		var log []struct{ Start string }
		out := harness.MustDocker(t, "inspect", "-f", "{{json .State.Health.Log}}", p.MustCompose("ps", "-q", service))
		if err := json.Unmarshal([]byte(out), &log); err != nil || len(log) == 0 {
			t.Fatalf("the health log of %s: %q %v", service, out, err)
		}
		return log[len(log)-1].Start
	}
	probed := map[string]string{"db": lastProbe("db"), "app": lastProbe("app")}
	time.Sleep(3 * time.Second)
	for service, last := range probed {
		if now := lastProbe(service); now != last {
			t.Errorf("%s was probed again (%s, after %s) within 3 s of being healthy: start_interval must apply only while it starts", service, now, last)
		}
	}

	// Before create_db the API says what to run, as JSON, not a bare 500.
	_, body := harness.Get(t, apiURL(t, p, "/api/v1/workers"))
	capture(t, "03-compose", "before-create-db", "", "curl -s 127.0.0.1:8080/api/v1/workers", string(body)+"\n")
	var failure map[string]string
	harness.GetJSON(t, apiURL(t, p, "/api/v1/workers"), 503, &failure)
	if !strings.Contains(failure["error"], "create_db") {
		t.Errorf("before create_db the API said %q; want it to name create_db", failure["error"])
	}

	for _, cmd := range []string{"create_db", "seed_db"} {
		r := p.Exec("app", "app", cmd)
		if r.Err != nil {
			t.Fatalf("exec app %s: %v\n%s", cmd, r.Err, r.Output())
		}
		capture(t, "03-compose", cmd, "", "docker compose exec app app "+cmd, r.Stdout)
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

	// The database publishes no port on the host: Docker knows its port 5432 (the image
	// exposes it) and binds no host address to it. (`docker compose port db 5432` is no test
	// of that: what it prints for an unpublished port differs from one Compose to another.)
	dbID := p.MustCompose("ps", "-q", "db")
	var ports map[string][]struct{ HostIp, HostPort string }
	if err := json.Unmarshal([]byte(harness.MustDocker(t, "inspect", "-f", "{{json .NetworkSettings.Ports}}", dbID)), &ports); err != nil {
		t.Fatal(err)
	}
	if _, ok := ports["5432/tcp"]; !ok {
		t.Errorf("the database container does not list its port 5432: %v", ports)
	}
	for port, bindings := range ports {
		if len(bindings) > 0 {
			t.Errorf("the database port %s is published on the host: %v", port, bindings)
		}
	}
	if bindings := harness.MustDocker(t, "inspect", "-f", "{{json .HostConfig.PortBindings}}", dbID); bindings != "{}" && bindings != "null" {
		t.Errorf("the database container has port bindings: %s", bindings)
	}
	if user := p.Exec("app", "id", "-u"); strings.TrimSpace(user.Stdout) == "0" {
		t.Errorf("the app runs as root")
	}

	// With the database gone (stopped, or not ready yet when only depends_on orders the
	// start), the app answers 503 with a JSON error, and serves again once it is back.
	p.MustCompose("stop", "db")
	status, body := harness.Get(t, apiURL(t, p, "/api/v1/workers"))
	if status != 503 {
		t.Errorf("with the database stopped: %d %s, want 503", status, body)
	}
	capture(t, "troubleshooting", "database-not-ready", "", "curl -s 127.0.0.1:8080/api/v1/workers", string(body)+"\n")
	p.Up()

	// down -v removes the data: a new up starts with no tables.
	p.MustCompose("down", "-v")
	if out := harness.MustDocker(t, "volume", "ls", "-q", "--filter", "name="+p.Name+"-pgdata"); out != "" {
		t.Errorf("down -v left the volume %s", out)
	}
	p.Up()
	harness.GetJSON(t, apiURL(t, p, "/api/v1/workers"), 503, &failure)
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
