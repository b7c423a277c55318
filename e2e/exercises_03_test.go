package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"base-docker-and-compose/e2e/harness"
	"base-docker-and-compose/shared/worker"
)

// Stage 03's "Break it and see".

// `docker compose down -v` (a habit from "clean everything up") removes the named volume
// with the database's files: the next up starts an empty database, and the API asks for
// create_db again. This mistake is a command, not a change to a file: nothing to diff.
func TestExercise03DownV(t *testing.T) {
	t.Parallel()
	const stage = "03-compose"
	dir := copyStage(t, stage)
	p := stageProjectIn(t, dir)
	p.Up()
	for _, cmd := range []string{"create_db", "seed_db"} {
		if r := p.Exec("app", "app", cmd); r.Err != nil {
			t.Fatalf("exec app %s: %v\n%s", cmd, r.Err, r.Output())
		}
	}
	if n := len(listWorkers(t, p)); n != len(worker.Dummies()) {
		t.Fatalf("after create_db and seed_db: %d workers, want %d", n, len(worker.Dummies()))
	}

	command := "docker compose down -v"
	out, err := shell(t, dir, inProject(p), command)
	volume := p.Name + "-pgdata"
	if err != nil || !strings.Contains(out, "Volume "+volume) {
		t.Fatalf("%v\n%s\nwant the volume %s removed", err, out, volume)
	}
	if v := harness.MustDocker(t, "volume", "ls", "-q", "--filter", "name=^"+volume+"$"); v != "" {
		t.Fatalf("after down -v, the volume %s is still there", v)
	}
	// The test's volume has a name of its own; the page shows the learner's.
	capture(t, stage, "break-down-v-down", p.Name, command, strings.ReplaceAll(inOneOrder(out), volume, "workers-03-pgdata"))
	if out, err := shell(t, dir, inProject(p), "docker compose up --wait"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	command = "curl -s " + strings.TrimPrefix(apiURL(t, p, "/api/v1/workers"), "http://")
	out, err = shell(t, dir, nil, command)
	var failure map[string]string
	if err != nil || json.Unmarshal([]byte(out), &failure) != nil || !strings.Contains(failure["error"], "create_db") {
		t.Fatalf("%v\n%s\nwant the API to ask for create_db: the data is gone", err, out)
	}
	status, _ := harness.Get(t, apiURL(t, p, "/api/v1/workers"))
	if status != 503 {
		t.Fatalf("after down -v and up: status %d, want 503", status)
	}
	capture(t, stage, "break-down-v", p.Name, command, out)
	// That plain `down` keeps the data is TestStage03Compose's.
}

// ports: ["8080:8080"], without an address, publishes the API on every interface of the
// machine (0.0.0.0, and [::] where the engine has IPv6), not on this machine only.
func TestExercise03PortsAllInterfaces(t *testing.T) {
	t.Parallel()
	harness.RequireImage(t, "postgres:17-trixie")
	harness.RequireImage(t, "golang:1.26-trixie")
	const stage = "03-compose"

	// What Compose makes of the stage's line, and of the learner's: no host address is
	// every interface.
	hostIP := func(dir string) string {
		t.Helper()
		var config struct {
			Services map[string]struct {
				Ports []struct {
					HostIP string `json:"host_ip"`
				}
			}
		}
		out := harness.Cmd{Dir: dir, Name: "docker", Args: []string{"compose", "config", "--format", "json"}}.Run()
		if out.Err != nil || json.Unmarshal([]byte(out.Stdout), &config) != nil || len(config.Services["app"].Ports) != 1 {
			t.Fatalf("docker compose config in %s: %v\n%s", dir, out.Err, out.Output())
		}
		return config.Services["app"].Ports[0].HostIP
	}
	if ip := hostIP(filepath.Join("..", stage)); ip != "127.0.0.1" {
		t.Errorf("the stage publishes the app on %q, want 127.0.0.1", ip)
	}
	dir := breakStage(t, exercise{stage, "break-ports-all-interfaces", "compose.yaml", `"127.0.0.1:8080:8080"`, `"8080:8080"`})
	if ip := hostIP(dir); ip != "" {
		t.Errorf("the learner's line publishes the app on %q, want no address", ip)
	}

	// The learner's line as it is, but for the host port: 8080 may be taken on this machine,
	// so a free one takes its place (and the capture shows it as 8080). No override of ports
	// here, unlike stageProjectIn's, which would put 127.0.0.1 back.
	learners, err := os.ReadFile(filepath.Join(dir, "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	p := harness.NewProject(t, dir)
	p.Override(fmt.Sprintf("services:\n  app:\n    image: !reset null\nvolumes:\n  pgdata:\n    name: %s-pgdata\n", p.Name))
	ports, out, err := harness.WithFreePorts(t, 1, func(ports []int) (string, error) {
		mine := strings.Replace(string(learners), `"8080:8080"`, fmt.Sprintf(`"%d:8080"`, ports[0]), 1)
		if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(mine), 0o644); err != nil {
			t.Fatal(err)
		}
		r := p.Compose("up", "-d", "--build", "--wait")
		return r.Output(), r.Err
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	port := ports[0]

	command := psCommand()
	out, err = shell(t, dir, inProject(p), command)
	if err != nil || !strings.Contains(out, fmt.Sprintf("0.0.0.0:%d->8080/tcp", port)) || strings.Contains(out, "127.0.0.1") {
		t.Fatalf("%v\n%s\nwant the app published on 0.0.0.0", err, out)
	}
	capture(t, stage, "break-ports-all-interfaces", p.Name, command, asPort8080(out, port))

	// The page's last step: the project taken down, nothing of it left running.
	if out, err := shell(t, dir, inProject(p), "docker compose down"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	assertServices(t, p)
}

// inOneOrder puts the lines of `docker compose down -v` about the network and the volume in
// one order: Compose removes them at the same time, after the containers, so their lines
// come interleaved in any order from one run to the next. The containers' lines stay as they
// came, then the network's, then the volume's, each Removing before its Removed: one of the
// orders a learner sees.
func inOneOrder(out string) string {
	var containers, networks, volumes []string
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		switch f := strings.Fields(l); {
		case len(f) > 0 && f[0] == "Network":
			networks = append(networks, l)
		case len(f) > 0 && f[0] == "Volume":
			volumes = append(volumes, l)
		default:
			containers = append(containers, l)
		}
	}
	return strings.Join(append(append(containers, networks...), volumes...), "\n") + "\n"
}
