package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"base-docker-and-compose/e2e/harness"
)

// docs/profiling.md, as a learner follows it in 06-profiles: the prod service with the override
// file docs/profiling.yaml, the profiler reached from a container that shares the app's network
// namespace, a CPU profile taken under load and read with go tool pprof on the host, and the
// two ways the page breaks it.
func TestProfilingAsTheDocsSay(t *testing.T) {
	t.Parallel()
	p, dir, _ := stage06(t, "prod")
	override, err := os.ReadFile("../docs/profiling.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The page runs it from 06-profiles as ../docs/profiling.yaml.
	if err := os.MkdirAll(filepath.Join(dir, "..", "docs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "..", "docs", "profiling.yaml"), override, 0o644); err != nil {
		t.Fatal(err)
	}
	p.Files = append(p.Files, "../docs/profiling.yaml")
	p.Up()
	id := p.MustCompose("ps", "-q", "app-prod")
	sidecar := func(args ...string) []string {
		return append([]string{"run", "--rm", "--network", "container:" + id, "golang:1.26-trixie"}, args...)
	}
	const inNetns = "docker run --rm --network container:$(docker compose --profile prod ps -q app-prod) golang:1.26-trixie "

	t.Run("the profiler answers in the app's network namespace", func(t *testing.T) {
		command := inNetns + "curl -fsS http://localhost:6060/debug/pprof/cmdline"
		out, err := shell(t, dir, inProject(p), command)
		if err != nil || out != "app" {
			t.Fatalf("%s: %v %q, want the app's command line, app", command, err, out)
		}
		capture(t, "profiling", "cmdline", p.Name, command, out)
	})

	t.Run("the API's published port does not serve it", func(t *testing.T) {
		status, body := harness.Get(t, apiURLOf(t, p, "app-prod", "/debug/pprof/"))
		if status != 404 {
			t.Fatalf("GET /debug/pprof/ on the API's port: %d %s, want 404", status, body)
		}
		const command = "curl -s http://127.0.0.1:8080/debug/pprof/"
		out, err := shell(t, dir, nil, strings.Replace(command, "127.0.0.1:8080", p.Addr("app-prod", 8080), 1))
		if err != nil || out != string(body) {
			t.Fatalf("%s: %v %q, want the 404's body, %s", command, err, out, body)
		}
		capture(t, "profiling", "api-port", p.Name, command, out+"\n")
	})

	t.Run("a CPU profile under load names the app's functions", func(t *testing.T) {
		// The page's load: one curl, 20 000 requests in a row (URL globbing), in the same
		// namespace; the page also gives wrk for those who have it.
		load := harness.MustDocker(t, append([]string{"run", "-d", "--rm", "--network", "container:" + id, "golang:1.26-trixie"},
			"sh", "-c", `curl -s "http://127.0.0.1:8080/api/v1/workers?[1-20000]" >/dev/null`)...)
		t.Cleanup(func() { harness.Docker("rm", "-f", load) })
		file := filepath.Join(t.TempDir(), "cpu.pprof")
		cmd := exec.Command("docker", sidecar("curl", "-fsS", "http://localhost:6060/debug/pprof/profile?seconds=5")...)
		profile, err := cmd.Output()
		if err != nil {
			t.Fatalf("fetch the profile: %v", err)
		}
		if err := os.WriteFile(file, profile, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("go", "tool", "pprof", "-top", "-cum", file).CombinedOutput()
		if err != nil {
			t.Fatalf("go tool pprof: %v\n%s", err, out)
		}
		for _, want := range []string{"flat%", "main.handlers.listWorkers", "database.(*Store).ListWorkers"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("go tool pprof -top -cum does not show %q:\n%s", want, out)
			}
		}
	})

	t.Run("break it: the profiler on every interface", func(t *testing.T) {
		start := time.Now()
		// The page's command as written, with no -f: compose.yaml and the test's override
		// for its names, without docs/profiling.yaml.
		const command = "docker compose --profile prod run --rm -e PPROF_ADDR=0.0.0.0:6060 app-prod"
		plain := *p
		plain.Files = slices.DeleteFunc(slices.Clone(p.Files), func(f string) bool { return f == "../docs/profiling.yaml" })
		out, err := shell(t, dir, inProject(&plain), command)
		if err == nil {
			t.Fatalf("the app started with PPROF_ADDR=0.0.0.0:6060:\n%s", out)
		}
		want := `PPROF_ADDR="0.0.0.0:6060": the profiler must listen on the loopback interface only; use 127.0.0.1:6060`
		if !strings.Contains(out, want) {
			t.Fatalf("%s:\n%s\nwant %q", command, out, want)
		}
		capture(t, "profiling", "every-interface", p.Name, command, out)
		t.Logf("refused in %s", time.Since(start).Round(time.Millisecond))
	})
}
