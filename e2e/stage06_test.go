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
	t.Parallel()
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

// dev, as Parts 1 and 2 of the page run it: healthy, seeded, debug logs; then
// `docker compose up --watch` as written, holding its terminal, picks up the page's change
// to routes.go (made with the page's own command) and its undo without a manual rebuild;
// Ctrl-C (SIGINT to its process group, as a terminal sends it) ends it, and the page's
// `docker compose down` leaves nothing of the project running, so its port is free for
// Part 3.
func TestStage06Dev(t *testing.T) {
	t.Parallel()
	const readme = "../06-profiles/README.md"
	change := readmeShellBlock(t, readme, "In a second terminal, in `06-profiles`")
	undo := readmeShellBlock(t, readme, "Undo the change")
	down := readmeShellBlock(t, readme, "To stop, press Ctrl-C")
	if down != "docker compose down" {
		t.Fatalf("the page stops development with %q, want docker compose down", down)
	}

	p, dir, _ := stage06(t)
	// Stage 05's project, running; the page's Before you start stops it.
	prevDir := beside(t, dir, "05-env-vars")
	initEnv(t, prevDir)
	prev := stageProjectIn(t, prevDir)
	prev.Up()
	beforeYouStart(t, readme, prevDir, dir, prev)
	p.Up()
	env := inProject(p)
	ps, err := shell(t, dir, env, psCommand())
	if err != nil || !strings.Contains(ps, "app-dev: running, healthy, 127.0.0.1:") || !strings.Contains(ps, "db: running, healthy, 5432/tcp") || strings.Contains(ps, "app-prod") {
		t.Fatalf("%s: %v\n%s\nwant app-dev and db healthy, the app on 127.0.0.1, no app-prod", psCommand(), err, ps)
	}
	if n := len(listWorkersOf(t, p, "app-dev")); n != len(worker.Dummies()) {
		t.Fatalf("dev: %d workers, want %d", n, len(worker.Dummies()))
	}
	if logs := p.Compose("logs", "app-dev").Stdout; !strings.Contains(logs, "level=DEBUG") {
		t.Errorf("dev logs hold no debug line:\n%s", logs)
	}
	capture(t, "06-profiles", "ps-dev", p.Name, psCommand(), ps)
	// A worker of the learner's own, through the dev app's API.
	addWorker(t, "06-profiles", p.Addr("app-dev", 8080))
	if out, err := shell(t, dir, env, "docker compose down"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}

	// Part 2: the watch, in a terminal of its own.
	watch := exec.Command("sh", "-c", "docker compose up --watch")
	watch.Dir = dir
	watch.Env = append(os.Environ(), env...)
	var watchOut harness.Buffer
	watch.Stdout, watch.Stderr = &watchOut, &watchOut
	watch.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := watch.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- watch.Wait() }()
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			syscall.Kill(-watch.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		if t.Failed() {
			t.Logf("docker compose up --watch printed:\n%s", watchOut.String())
		}
	})
	healthz := func(want func(body string) bool) string {
		t.Helper()
		var last string
		harness.Eventually(t, 4*time.Minute, func() error {
			addr := p.Compose("port", "app-dev", "8080").Stdout // re-created: a new host port
			status, body, err := harness.TryGet("http://" + strings.TrimSpace(addr) + "/healthz")
			if err != nil || status != 200 || !want(string(body)) {
				return fmt.Errorf("/healthz: %d %s %v", status, body, err)
			}
			last = strings.TrimSpace(addr)
			return nil
		})
		return last
	}
	changed := func(body string) bool { return strings.Contains(body, `"changed":true`) }
	healthz(func(body string) bool { return !changed(body) })
	// The watch sets up its file watches once the services are up, before it reacts to a change.
	harness.Eventually(t, time.Minute, func() error {
		if !strings.Contains(watchOut.String(), "Watch enabled") {
			return fmt.Errorf("up --watch has not said that the watch is on")
		}
		return nil
	})

	if out, err := shell(t, dir, nil, change); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	start := time.Now()
	addr := healthz(changed)
	t.Logf("the change was served %s after the file was saved", time.Since(start).Round(time.Second))
	const curl = "curl -s 127.0.0.1:8080/healthz"
	out, err := shell(t, dir, nil, strings.Replace(curl, "127.0.0.1:8080", addr, 1))
	if err != nil || !changed(out) {
		t.Fatalf("%s: %v\n%s\nwant the changed answer", curl, err, out)
	}
	capture(t, "06-profiles", "watch-changed", p.Name, curl, out)

	if out, err := shell(t, dir, nil, undo); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	healthz(func(body string) bool { return !changed(body) })
	if src, _ := os.ReadFile(filepath.Join(dir, "routes.go")); bytes.Contains(src, []byte("changed")) {
		t.Errorf("the page's undo left routes.go changed")
	}

	// Ctrl-C: the watch and its containers stop.
	syscall.Kill(-watch.Process.Pid, syscall.SIGINT)
	select {
	case <-exited:
		stopped = true
	case <-time.After(time.Minute):
		t.Fatalf("up --watch still runs a minute after Ctrl-C")
	}
	if running := harness.MustDocker(t, "ps", "-q", "--filter", "label=com.docker.compose.project="+p.Name); running != "" {
		t.Errorf("containers of the project still run after Ctrl-C: %s", running)
	}
	if out, err := shell(t, dir, env, down); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if left := harness.MustDocker(t, "ps", "-a", "-q", "--filter", "label=com.docker.compose.project="+p.Name); left != "" {
		t.Errorf("containers of the project are left after %s: %s", down, left)
	}
}

// prod: healthy on distroless, not root, no shell, read-only, no capabilities; the data
// survives down and up; docker stop is quick; the password is in no inspect and no image.
func TestStage06Prod(t *testing.T) {
	t.Parallel()
	p, dir, password := stage06(t, "prod")
	p.Up()
	ps, err := shell(t, dir, inProject(p), psCommandProd())
	if err != nil || !strings.Contains(ps, "app-prod: running, healthy, 127.0.0.1:") || !strings.Contains(ps, "db: running, healthy, 5432/tcp") || strings.Contains(ps, "app-dev") {
		t.Fatalf("%s: %v\n%s\nwant app-prod and db healthy, the app on 127.0.0.1, no app-dev", psCommandProd(), err, ps)
	}
	capture(t, "06-profiles", "ps-prod", p.Name, psCommandProd(), ps)
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
	if top := harness.MustTop(t, id, "pid,uid,comm"); !strings.Contains(top, "65532") {
		t.Errorf("the app process does not run as uid 65532:\n%s", top)
	}
	// No shell: the runtime finds no such program to start, not a shell that started and
	// failed. Docker answers 127 for that; Engine 26.1 with Compose 2.26 answers 126, with
	// "OCI runtime exec failed" before the same message.
	for _, shell := range []string{"sh", "/bin/sh", "bash"} {
		r := p.Exec("app-prod", shell, "-c", "true")
		notFound := "executable file not found in $PATH"
		if strings.HasPrefix(shell, "/") {
			notFound = "no such file or directory"
		}
		if r.Err == nil || (r.ExitCode() != 127 && r.ExitCode() != 126) || !strings.Contains(r.Output(), fmt.Sprintf("exec: %q", shell)) || !strings.Contains(r.Output(), notFound) {
			t.Errorf("exec %s -c true in the prod container: %v (exit status %d)\n%s\nwant exit status 127 (126 on Engine 26.1) and %q", shell, r.Err, r.ExitCode(), r.Output(), notFound)
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
