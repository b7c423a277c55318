package e2e

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"base-docker-and-compose/e2e/harness"
)

// The "Break it and see" exercises of 06-profiles, each in a copy of the stage with .env
// and the secret made by its init-env.sh.

// The production image's HEALTHCHECK written with curl, as the dev service's is: distroless
// has no curl, so every probe fails, the app never becomes healthy although it serves, and
// `up --wait` fails. Running the probe's command by hand says why.
func TestExercise06HealthcheckWithCurl(t *testing.T) {
	t.Parallel()
	dir := breakStage(t, exercise{
		stage: "06-profiles", name: "break-healthcheck-curl", file: "Dockerfile.prod",
		from: `CMD ["app", "healthcheck"]`, to: `CMD ["curl", "-fsS", "http://127.0.0.1:8080/healthz"]`,
	})
	initEnv(t, dir)
	p := stageProjectApps(t, dir, []string{"app-dev", "app-prod"})
	p.Profiles = []string{"prod"}
	// The image's probe, every second instead of every 10 s, after a start period of 1 s
	// instead of 10 (a probe that fails in it does not count), so that the container is
	// unhealthy after some 4 s rather than 40: the same failure, sooner. Only the timing
	// changes; the probe's command and its retries come from the image.
	p.Override("services:\n  app-prod:\n    healthcheck:\n      interval: 1s\n      start_period: 1s\n")
	// The learner's rebuild (the page says to run it first), here apart from the capture,
	// whose output would otherwise be BuildKit's, step by step.
	p.MustCompose("build", "app-prod")
	env := inProject(p)

	out, err := shell(t, dir, env, "docker compose --profile prod up --wait")
	if err == nil || !strings.Contains(out, p.Name+"-app-prod-1 is unhealthy") {
		t.Fatalf("up --wait with a curl healthcheck: %v\n%s\nwant app-prod unhealthy", err, out)
	}
	id := p.MustCompose("ps", "-q", "app-prod")
	if test := harness.MustDocker(t, "inspect", "-f", "{{json .Config.Healthcheck.Test}}", id); !strings.Contains(test, "curl") {
		t.Fatalf("the healthcheck of app-prod is %s, want the image's curl", test)
	}
	if log := harness.MustDocker(t, "inspect", "-f", "{{json .State.Health.Log}}", id); !strings.Contains(log, `exec: \"curl\": executable file not found in $PATH`) {
		t.Errorf("the health log does not say curl is missing:\n%s", log)
	}
	// The app itself serves: only its probe fails.
	if status, body := harness.Get(t, apiURLOf(t, p, "app-prod", "/healthz")); status != 200 {
		t.Errorf("/healthz of the unhealthy app: %d %s, want 200", status, body)
	}

	out, err = shell(t, dir, env, psCommandProd())
	if err != nil || !strings.Contains(out, "app-prod: running, unhealthy") {
		t.Fatalf("%s: %v\n%s\nwant app-prod running and unhealthy", psCommandProd(), err, out)
	}
	capture(t, "06-profiles", "break-healthcheck-curl", p.Name, psCommandProd(), out)

	const probe = "docker compose --profile prod exec app-prod curl -fsS http://127.0.0.1:8080/healthz"
	out, err = shell(t, dir, env, probe)
	if err == nil || !strings.Contains(out, `exec: "curl": executable file not found in $PATH`) {
		t.Fatalf("%s: %v\n%s\nwant curl not found", probe, err, out)
	}
	capture(t, "06-profiles", "break-healthcheck-curl-exec", p.Name, probe, out)

	// The page's fix: the line back, production rebuilt and healthy, then taken down, so
	// that nothing holds the port for the next stage.
	replaceOnce(t, filepath.Join(dir, "Dockerfile.prod"), `CMD ["curl", "-fsS", "http://127.0.0.1:8080/healthz"]`, `CMD ["app", "healthcheck"]`)
	fix := strings.Split(readmeShellBlock(t, "../06-profiles/README.md", "`CMD [\"app\", \"healthcheck\"]` (the binary"), "\n")
	if len(fix) != 2 {
		t.Fatalf("the page's fix is %q, want the rebuild and the down", fix)
	}
	run := runner(t, dir, env)
	run(fix[0])
	out = run(psCommandProd())
	if !strings.Contains(out, "app-prod: running, healthy") {
		t.Errorf("after the fix: %s\nwant app-prod healthy", out)
	}
	run(fix[1])
	if left := harness.MustDocker(t, "ps", "-a", "-q", "--filter", "label=com.docker.compose.project="+p.Name); left != "" {
		t.Errorf("containers of the project are left after %s: %s", fix[1], left)
	}
}

// app-prod without its `profiles:` line: a service with no profile belongs to every one, so
// the dev profile (.env's COMPOSE_PROFILES=dev, a plain `docker compose up`) runs both apps,
// and both publish the same port of this machine: one of them cannot start.
func TestExercise06ProdWithoutProfile(t *testing.T) {
	t.Parallel()
	dir := breakStage(t, exercise{
		stage: "06-profiles", name: "break-no-profile", file: "compose.yaml",
		from: "    profiles: [prod]\n", to: "",
	})
	initEnv(t, dir)
	harness.RequireImage(t, "postgres:17-trixie")
	harness.RequireImage(t, "golang:1.26-trixie")
	p := harness.NewProject(t, dir)
	// The project's own names for its images and volume, as stageProjectApps gives; the
	// ports stay those of compose.yaml, both apps on APP_PORT, here a free port of 127.0.0.1.
	p.Override(fmt.Sprintf("services:\n  app-dev:\n    image: !reset null\n  app-prod:\n    image: !reset null\nvolumes:\n  pgdata:\n    name: %s-pgdata\n", p.Name))
	appPort := harness.FreePort(t)
	p.Env = []string{fmt.Sprintf("APP_PORT=%d", appPort)}
	env := inProject(p)

	// Sorted: compose lists services that depend on the same one in no fixed order.
	const command = "docker compose config --services | sort"
	out, err := shell(t, dir, env, command)
	if err != nil {
		t.Fatalf("%s: %v\n%s", command, err, out)
	}
	if services := strings.Fields(out); !slices.Contains(services, "app-prod") || !slices.Contains(services, "app-dev") {
		t.Fatalf("%s: %q, want app-dev and app-prod in the dev profile", command, services)
	}
	capture(t, "06-profiles", "break-no-profile", p.Name, command, out)

	// What that does: both apps start, on one port. Which one gets it first varies, so this
	// output is checked, not captured.
	if r := p.Compose("build"); r.Err != nil {
		t.Fatalf("build: %v\n%s", r.Err, r.Output())
	}
	out, err = shell(t, dir, env, "docker compose up --wait")
	if err == nil || !strings.Contains(out, fmt.Sprintf("Bind for 127.0.0.1:%d failed: port is already allocated", appPort)) {
		t.Fatalf("docker compose up --wait with both apps: %v\n%s\nwant one app refused the port", err, out)
	}
	// The page's down, before the fix: it removes both apps, the database and the network.
	down := readmeShellBlock(t, "../06-profiles/README.md", "fails: the second app cannot get the port")
	if out, err := shell(t, dir, env, down); err != nil {
		t.Fatalf("%s: %v\n%s", down, err, out)
	}
	if left := harness.MustDocker(t, "ps", "-a", "-q", "--filter", "label=com.docker.compose.project="+p.Name); left != "" {
		t.Errorf("containers of the project are left after %s: %s", down, left)
	}
}
