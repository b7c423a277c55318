package e2e

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"base-docker-and-compose/e2e/harness"
	"base-docker-and-compose/shared/worker"
)

// Stage 03 as a learner runs it: compose up, the tables created and seeded by hand, the
// commands that look at a project (ps, logs, config, volume ls and inspect), data that
// outlives down/up and container re-creation, and is gone after down -v; the database is
// reachable from the app only. The page's commands run as written (shell), on the test's
// project (inProject); what names the test's volume is put back to the learner's name.
func TestStage03Compose(t *testing.T) {
	t.Parallel()
	const stage = "03-compose"
	p := stageProject(t, stage)
	env := inProject(p)
	run := runner(t, p.Dir, env)
	volume := p.Name + "-pgdata"
	learner := func(s string) string { return strings.ReplaceAll(s, volume, "workers-03-pgdata") }

	// The first up: it builds the image, creates the network, the volume and the containers,
	// and waits for both to be healthy. The build's progress and the network's and volume's
	// lines come in no fixed order, so the page shows the containers' lines, picked out by
	// grep (the command it shows, run here as written), with each run of Waiting and Healthy
	// lines in one order. The ps below checks that the up itself succeeded.
	command := "docker compose up --wait 2>&1 | grep Container"
	out := run(command)
	containerLines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	shown := steadyWaits(strings.Join(containerLines, "\n")) + "\n"
	for _, service := range []string{"db", "app"} {
		c := p.Name + "-" + service + "-1"
		for _, state := range []string{"Created", "Started", "Healthy"} {
			if !regexp.MustCompile(`(?m)^\s*Container ` + regexp.QuoteMeta(c) + `\s+` + state + `\s*$`).MatchString(shown) {
				t.Fatalf("%s does not say %s %s:\n%s", command, c, state, out)
			}
		}
	}
	capture(t, stage, "up-wait", p.Name, command, shown)

	command = psCommand()
	out = run(command)
	if !strings.Contains(out, "app: running, healthy, 127.0.0.1:") || !strings.Contains(out, "db: running, healthy, 5432/tcp") {
		t.Fatalf("%s:\n%s\nwant both services healthy, the app on 127.0.0.1, the database on no host port", command, out)
	}
	capture(t, stage, "ps", p.Name, command, out)

	// While a service starts, Docker probes it every 200ms (start_interval) until a probe passes;
	// once it is healthy, every 10s (interval). So the first probe after up --wait starts a
	// whole interval after the last one ended: the test waits for that probe, for each service.
	type probe struct{ Start, End time.Time }
	lastProbe := func(service string) (probe, error) {
		var log []probe
		id := p.MustCompose("ps", "-q", service)
		out := harness.MustDocker(t, "inspect", "-f", "{{json .State.Health.Log}}", id)
		if err := json.Unmarshal([]byte(out), &log); err != nil || len(log) == 0 {
			return probe{}, fmt.Errorf("the health log of %s: %q %v", service, out, err)
		}
		return log[len(log)-1], nil
	}
	healthy := map[string]probe{}
	for _, service := range []string{"db", "app"} {
		last, err := lastProbe(service)
		if err != nil {
			t.Fatal(err)
		}
		healthy[service] = last
	}
	harness.Eventually(t, 30*time.Second, func() error {
		for service, before := range healthy {
			next, err := lastProbe(service)
			if err != nil {
				return err
			}
			if !next.Start.After(before.Start) {
				return fmt.Errorf("%s has not been probed again since %s", service, before.Start)
			}
			// Its health log keeps the last five probes: next is the first after before,
			// unless several ran within the poll's 250 ms, which is the fault looked for.
			if gap := next.Start.Sub(before.End); gap < 9*time.Second {
				t.Errorf("%s was probed again %s after a probe that found it healthy: once healthy, the interval (10s) must apply, not start_interval", service, gap.Round(time.Millisecond))
			} else {
				t.Logf("%s probed again %s after up --wait's last probe", service, gap.Round(time.Millisecond))
			}
			delete(healthy, service)
		}
		return nil
	})

	// The app's logs before any request of a client: the line it wrote when it started
	// serving (the healthcheck's requests are logged at debug level, below the default).
	command = "docker compose logs app"
	out = run(command)
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], "app-1  | ") || !strings.Contains(lines[0], `msg="serving the workers API"`) {
		t.Fatalf("%s:\n%s\nwant the one line of the app starting to serve, prefixed with its service", command, out)
	}
	capture(t, stage, "logs", p.Name, command, out)

	// Before create_db the API says what to run, as JSON, not a bare 500.
	command, out = curlApp(t, p, "/api/v1/workers")
	var failure map[string]string
	if json.Unmarshal([]byte(out), &failure) != nil || !strings.Contains(failure["error"], "create_db") {
		t.Fatalf("before create_db the API said %q; want it to name create_db", out)
	}
	harness.GetJSON(t, apiURL(t, p, "/api/v1/workers"), 503, &failure)
	capture(t, stage, "before-create-db", "", command, out+"\n")

	want := map[string]string{"create_db": "tables dropped and created empty", "seed_db": fmt.Sprintf("seeded %d new workers", len(worker.Dummies()))}
	for _, cmd := range []string{"create_db", "seed_db"} {
		command := "docker compose exec app app " + cmd
		out := run(command)
		if strings.TrimSpace(out) != want[cmd] {
			t.Fatalf("%s: %q, want %q", command, out, want[cmd])
		}
		capture(t, stage, cmd, p.Name, command, out)
	}
	command, out = curlApp(t, p, "/api/v1/workers")
	var workers []worker.Worker
	if err := json.Unmarshal([]byte(out), &workers); err != nil || len(workers) != len(worker.Dummies()) {
		t.Fatalf("after create_db and seed_db: %v\n%s\nwant the %d dummy workers", err, out, len(worker.Dummies()))
	}
	capture(t, stage, "curl-workers", "", command, out+"\n")

	// What Compose made of the file, for the database: the project's name, the default
	// network and the named volume, with the name compose.yaml gives it.
	command = "docker compose config db"
	out = learner(run(command))
	for _, want := range []string{"name: " + p.Name + "\n", "name: " + p.Name + "_default", "name: workers-03-pgdata", "source: pgdata", "target: /var/lib/postgresql/data"} {
		if !strings.Contains(out, want) {
			t.Fatalf("%s does not say %q:\n%s", command, want, out)
		}
	}
	if strings.Contains(out, "app:") {
		t.Fatalf("%s shows the app service too:\n%s", command, out)
	}
	capture(t, stage, "config-db", p.Name, command, out)

	// The project's volumes, by Compose's label, and where the engine keeps the files.
	command = "docker volume ls --filter label=com.docker.compose.project=" + p.Name
	out = learner(run(command))
	if fields := strings.Fields(out); strings.Join(fields, " ") != "DRIVER VOLUME NAME local workers-03-pgdata" {
		t.Fatalf("%s:\n%s\nwant the one volume of the project", command, out)
	}
	capture(t, stage, "volume-ls", p.Name, command, out)
	command = "docker volume inspect --format '{{ .Mountpoint }}' " + volume
	out = run(command)
	// The engine's data root: /var/lib/docker unless the engine was told otherwise (the
	// tests' engine was), as on the machine of a learner with Docker Engine on Linux.
	root := harness.MustDocker(t, "info", "--format", "{{.DockerRootDir}}")
	if want := root + "/volumes/" + volume + "/_data"; strings.TrimSpace(out) != want {
		t.Fatalf("%s: %q, want %q", command, out, want)
	}
	capture(t, stage, "volume-inspect", p.Name, learner(command), learner(strings.Replace(out, root, "/var/lib/docker", 1)))

	// The data, read through a container: PostgreSQL's client in the database's.
	command = `docker compose exec db psql -U workers -d workers -c "SELECT id, name FROM workers ORDER BY id"`
	out = run(command)
	for _, w := range worker.Dummies() {
		if !strings.Contains(out, w.Name) {
			t.Fatalf("%s does not list %s:\n%s", command, w.Name, out)
		}
	}
	if !strings.Contains(out, fmt.Sprintf("(%d rows)", len(worker.Dummies()))) {
		t.Fatalf("%s:\n%s\nwant %d rows", command, out, len(worker.Dummies()))
	}
	capture(t, stage, "psql-select", p.Name, command, out)

	// A worker of the learner's own, added through the API, before the project goes down.
	ada := addWorker(t, stage, p.Addr("app", 8080))

	// down keeps the named volume; up again serves the same rows.
	command = "docker compose down"
	out = run(command)
	if strings.Contains(out, "Volume") || !strings.Contains(out, "Network "+p.Name+"_default") {
		t.Fatalf("%s:\n%s\nwant the network removed, and no volume", command, out)
	}
	if v := harness.MustDocker(t, "volume", "ls", "-q", "--filter", "name=^"+volume+"$"); v != volume {
		t.Fatalf("after down, the volume %s is not there: %q", volume, v)
	}
	capture(t, stage, "down", p.Name, command, out)
	run("docker compose up --wait")
	command, out = curlApp(t, p, "/api/v1/workers/1")
	var first worker.Worker
	if err := json.Unmarshal([]byte(out), &first); err != nil || first.Name != worker.Dummies()[0].Name {
		t.Fatalf("after down and up, worker 1 is %s (%v), want %s", out, err, worker.Dummies()[0].Name)
	}
	if n := len(listWorkers(t, p)); n != len(worker.Dummies())+1 {
		t.Errorf("after down and up: %d workers, want the %d seeded and the one added before", n, len(worker.Dummies()))
	}
	capture(t, stage, "after-down-up", "", command, out+"\n")
	readWorkerBack(t, stage, "add-worker-after-down", p.Addr("app", 8080), ada)
	// Re-created containers (a changed configuration, say) keep it too.
	p.Up("--force-recreate")
	if n := len(listWorkers(t, p)); n != len(worker.Dummies())+1 {
		t.Errorf("after re-creating the containers: %d workers, want %d", n, len(worker.Dummies())+1)
	}
	assertWorker(t, p.Addr("app", 8080), ada)

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
		t.Fatalf("with the database stopped: %d %s, want 503", status, body)
	}
	command, out = curlApp(t, p, "/api/v1/workers")
	if json.Unmarshal([]byte(out), &failure) != nil || failure["error"] == "" {
		t.Fatalf("with the database stopped, %s: %q, want a JSON error", command, out)
	}
	capture(t, "troubleshooting", "database-not-ready", "", command, out+"\n")
	p.Up()

	// down -v removes the data: a new up starts with no tables.
	p.MustCompose("down", "-v")
	if out := harness.MustDocker(t, "volume", "ls", "-q", "--filter", "name="+volume); out != "" {
		t.Errorf("down -v left the volume %s", out)
	}
	p.Up()
	harness.GetJSON(t, apiURL(t, p, "/api/v1/workers"), 503, &failure)
}

// The detailed reference file is valid and starts, with what its attributes promise.
func TestStage03ReferenceFile(t *testing.T) {
	t.Parallel()
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
