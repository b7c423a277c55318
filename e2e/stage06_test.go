package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"base-docker-and-compose/e2e/harness"
	"base-docker-and-compose/shared/worker"
)

// stage06 copies 06-profiles, runs init-env.sh in the copy and returns its project, with
// the password init-env.sh generated.
func stage06(t *testing.T, profiles ...string) (*harness.Project, string, string) {
	t.Helper()
	dir := copyStage(t, "06-profiles")
	if r := (harness.Cmd{Dir: dir, Name: "./init-env.sh"}).Run(); r.Err != nil {
		t.Fatalf("init-env.sh: %v\n%s", r.Err, r.Output())
	}
	password, err := os.ReadFile(filepath.Join(dir, "secrets", "db_password"))
	if err != nil || !strongPassword.Match(password) {
		t.Fatalf("secrets/db_password: %q %v, want a strong password", password, err)
	}
	p := stageProjectApps(t, dir, []string{"app-dev", "app-prod"})
	p.Profiles = profiles
	return p, dir, string(password)
}

// The profiles select the services: no flag is dev (COMPOSE_PROFILES=dev in .env); --profile
// prod replaces it; the database is in both.
func TestStage06ProfilesSelectServices(t *testing.T) {
	p, _, _ := stage06(t)
	for _, tt := range []struct {
		profiles []string
		want     string
	}{
		{nil, "app-dev db"},
		{[]string{"prod"}, "app-prod db"},
		{[]string{"dev"}, "app-dev db"},
	} {
		p.Profiles = tt.profiles
		services := strings.Fields(p.MustCompose("config", "--services"))
		slices.Sort(services)
		if got := strings.Join(services, " "); got != tt.want {
			t.Errorf("profiles %v run %q, want %q", tt.profiles, got, tt.want)
		}
	}
}

// dev: healthy, seeded, debug logs, and a change to the source is picked up by
// `docker compose watch` without a manual rebuild.
func TestStage06Dev(t *testing.T) {
	p, dir, _ := stage06(t)
	p.Up()
	capture(t, "06-profiles", "ps-dev", p.Name, psCommand(), p.MustCompose("ps", "--format", psFormat))
	if n := len(listWorkersOf(t, p, "app-dev")); n != len(worker.Dummies()) {
		t.Fatalf("dev: %d workers, want %d", n, len(worker.Dummies()))
	}
	if logs := p.Compose("logs", "app-dev").Stdout; !strings.Contains(logs, "level=DEBUG") {
		t.Errorf("dev logs hold no debug line:\n%s", logs)
	}

	watch := exec.Command("docker", append(p.ComposeArgs(), "watch")...)
	watch.Dir = dir
	var watchOut bytes.Buffer
	watch.Stdout, watch.Stderr = &watchOut, &watchOut
	watch.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := watch.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-watch.Process.Pid, syscall.SIGTERM)
		watch.Wait()
		if t.Failed() {
			t.Logf("docker compose watch printed:\n%s", watchOut.String())
		}
	})
	time.Sleep(3 * time.Second) // watch sets up its file watches before it reacts to changes

	routes := filepath.Join(dir, "routes.go")
	src, err := os.ReadFile(routes)
	if err != nil {
		t.Fatal(err)
	}
	changed := bytes.Replace(src, []byte(`gin.H{"status": "ok"}`), []byte(`gin.H{"status": "ok", "changed": true}`), 1)
	if bytes.Equal(changed, src) {
		t.Fatal("routes.go has no healthz answer to change")
	}
	if err := os.WriteFile(routes, changed, 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	harness.Eventually(t, 4*time.Minute, func() error {
		addr := p.Compose("port", "app-dev", "8080").Stdout // re-created: a new host port
		status, body, err := harness.TryGet("http://" + strings.TrimSpace(addr) + "/healthz")
		if err != nil || status != 200 || !strings.Contains(string(body), `"changed":true`) {
			return fmt.Errorf("/healthz: %d %s %v", status, body, err)
		}
		return nil
	})
	t.Logf("the change was served %s after the file was saved", time.Since(start).Round(time.Second))
}

// prod: healthy on distroless, not root, no shell, read-only, no capabilities; the data
// survives down and up; docker stop is quick; the password is in no inspect and no image.
func TestStage06Prod(t *testing.T) {
	p, _, password := stage06(t, "prod")
	p.Up()
	capture(t, "06-profiles", "ps-prod", p.Name, psCommandProd(), p.MustCompose("ps", "--format", psFormat))
	if services := p.MustCompose("ps", "--services"); strings.Contains(services, "app-dev") {
		t.Errorf("--profile prod started the dev app:\n%s", services)
	}
	if n := len(listWorkersOf(t, p, "app-prod")); n != 0 {
		t.Errorf("prod before seeding: %d workers, want none (prod does not seed by itself)", n)
	}
	if r := p.Exec("app-prod", "app", "seed_db"); r.Err != nil || !strings.Contains(r.Stdout, "seeded 5 new workers") {
		t.Fatalf("exec app-prod app seed_db: %v\n%s", r.Err, r.Output())
	}
	if n := len(listWorkersOf(t, p, "app-prod")); n != len(worker.Dummies()) {
		t.Fatalf("prod after seed_db: %d workers, want %d", n, len(worker.Dummies()))
	}

	id := p.MustCompose("ps", "-q", "app-prod")
	image := p.Name + "-app-prod"
	size := harness.MustDocker(t, "image", "inspect", "-f", "{{.Size}}", image)
	t.Logf("prod image size: %s bytes", size)

	var hc struct {
		User           string
		ReadonlyRootfs bool
		CapDrop        []string
		SecurityOpt    []string
		Health         string
	}
	if err := json.Unmarshal([]byte(harness.MustDocker(t, "inspect", "-f",
		`{"User":{{json .Config.User}},"ReadonlyRootfs":{{.HostConfig.ReadonlyRootfs}},"CapDrop":{{json .HostConfig.CapDrop}},"SecurityOpt":{{json .HostConfig.SecurityOpt}},"Health":{{json .State.Health.Status}}}`, id)), &hc); err != nil {
		t.Fatal(err)
	}
	if hc.User == "" || hc.User == "0" || strings.HasPrefix(hc.User, "root") || hc.Health != "healthy" ||
		!hc.ReadonlyRootfs || strings.Join(hc.CapDrop, ",") != "ALL" || !strings.Contains(strings.Join(hc.SecurityOpt, ","), "no-new-privileges") {
		t.Errorf("prod container: %+v; want a non-root user, healthy, read-only, CapDrop ALL, no-new-privileges", hc)
	}
	if top := harness.MustDocker(t, "top", id, "-o", "pid,uid,comm"); !strings.Contains(top, "65532") {
		t.Errorf("the app process does not run as uid 65532:\n%s", top)
	}
	for _, shell := range []string{"sh", "/bin/sh", "bash"} {
		if r := p.Exec("app-prod", shell, "-c", "true"); r.Err == nil {
			t.Errorf("the prod image has a shell: %s", shell)
		}
	}
	if r := harness.Docker("cp", "../README.md", id+":/written"); r.Err == nil || !strings.Contains(r.Output(), "read-only") {
		t.Errorf("docker cp into the prod container: %v %s, want read-only refused", r.Err, r.Output())
	}
	logs := harness.Docker("logs", id) // the app logs to stderr
	if !strings.Contains(logs.Stderr, `"msg":"serving the workers API"`) {
		t.Errorf("the prod logs lack the start line:\n%s", logs.Output())
	}
	for _, line := range strings.Split(strings.TrimSpace(logs.Output()), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("a prod log line is not JSON: %s", line)
			break
		}
	}

	// The password: a file mounted from the secret, in no environment and no image.
	for _, service := range []string{"db", "app-prod"} {
		cid := p.MustCompose("ps", "-q", service)
		if inspect := harness.MustDocker(t, "inspect", cid); strings.Contains(inspect, password) {
			t.Errorf("docker inspect of %s shows the password", service)
		}
	}
	assertImageLacks(t, image, password)

	// docker stop: SIGTERM straight to the app (PID 1), which stops at once.
	assertStopsOnSIGTERM(t, id)

	// A full down and up keeps the data (the named volume), and seeds nothing twice.
	p.MustCompose("down")
	p.Up()
	if n := len(listWorkersOf(t, p, "app-prod")); n != len(worker.Dummies()) {
		t.Errorf("prod after down and up: %d workers, want the %d seeded before", n, len(worker.Dummies()))
	}
}
