package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"base-docker-and-compose/e2e/harness"
)

// The errors of docs/troubleshooting.md, made to happen, so that the page quotes what Docker
// and the app really print.

// entrypointImage builds an image whose entrypoint script has the given content and mode.
func entrypointImage(t *testing.T, script string, chmod bool) string {
	t.Helper()
	harness.RequireImage(t, "debian:trixie-slim")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "entrypoint.sh"), []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	copyLine := "COPY entrypoint.sh /usr/local/bin/entrypoint.sh"
	if chmod {
		copyLine = "COPY --chmod=755 entrypoint.sh /usr/local/bin/entrypoint.sh"
	}
	dockerfile := "FROM debian:trixie-slim\n" + copyLine + "\nENTRYPOINT [\"entrypoint.sh\"]\n"
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		t.Fatal(err)
	}
	tag := harness.UniqueName(t) + ":test"
	harness.Build(t, dir, tag)
	return tag
}

func TestTroubleshootingEntrypointErrors(t *testing.T) {
	tests := []struct {
		name, script string
		chmod        bool
		want         string
	}{
		{"crlf", "#!/bin/sh\r\necho ready\r\n", true, "exec /usr/local/bin/entrypoint.sh: no such file or directory"},
		// ENTRYPOINT ["entrypoint.sh"] is looked up in PATH, where a file without the
		// execute bit does not count.
		{"no-exec-bit", "#!/bin/sh\necho ready\n", false, `exec: "entrypoint.sh": executable file not found in $PATH`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			image := entrypointImage(t, tt.script, tt.chmod)
			r := harness.Docker("run", "--rm", image)
			if r.Err == nil || !strings.Contains(r.Output(), tt.want) {
				t.Fatalf("docker run: %v\n%s\nwant %q", r.Err, r.Output(), tt.want)
			}
			capture(t, "troubleshooting", tt.name, image, "docker run --rm workers-app", r.Output())
		})
	}
}

func TestTroubleshootingPortInUse(t *testing.T) {
	harness.RequireImage(t, "debian:trixie-slim")
	port := harness.FreePort(t)
	publish := fmt.Sprintf("127.0.0.1:%d:8080", port)
	harness.RunContainer(t, "-p", publish, "debian:trixie-slim", "sleep", "infinity")
	second := harness.UniqueName(t)
	t.Cleanup(func() { harness.Docker("rm", "-f", second) })
	r := harness.Docker("run", "-d", "--name", second, "-p", publish, "debian:trixie-slim", "sleep", "1")
	if r.Err == nil || !strings.Contains(r.Stderr, "port is already allocated") {
		t.Fatalf("a second container on the same port: %v %s, want port is already allocated", r.Err, r.Output())
	}
	out := strings.ReplaceAll(r.Stderr, fmt.Sprint(port), "8080")
	out = regexpEndpoint.ReplaceAllString(out, "endpoint workers-app (…)")
	capture(t, "troubleshooting", "port-in-use", second, "docker run -d --name workers-app -p 127.0.0.1:8080:8080 workers-app", out)
}

// buildApp builds stage 01's binary on this machine.
func buildApp(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "app")
	if r := (harness.Cmd{Dir: "../01-starting-point", Name: "go", Args: []string{"build", "-o", bin, "."}}).Run(); r.Err != nil {
		t.Fatalf("go build: %v\n%s", r.Err, r.Output())
	}
	return bin
}

// go-sqlite3 without cgo: the shared module uses its error type, which only its cgo code
// defines, so the build fails at once instead of at run time.
func TestTroubleshootingCgoOff(t *testing.T) {
	r := harness.Cmd{Dir: "../01-starting-point", Env: []string{"CGO_ENABLED=0"}, Name: "go", Args: []string{"build", "-o", filepath.Join(t.TempDir(), "app"), "."}}.Run()
	if r.Err == nil || !strings.Contains(r.Stderr, "undefined: sqlite3.Error") {
		t.Fatalf("a CGO_ENABLED=0 build: %v\n%s\nwant go-sqlite3's missing cgo types", r.Err, r.Output())
	}
	capture(t, "troubleshooting", "cgo-off", "", "CGO_ENABLED=0 go build .", r.Stderr)

	// A program that names none of those types builds, and fails when it opens a database.
	bin := filepath.Join(t.TempDir(), "cgo-sqlite")
	build := harness.Cmd{Dir: "testdata/cgo-sqlite", Env: []string{"CGO_ENABLED=0", "GOWORK=off"}, Name: "go", Args: []string{"build", "-o", bin, "."}}.Run()
	if build.Err != nil {
		t.Fatalf("go build: %v\n%s", build.Err, build.Output())
	}
	run := harness.Cmd{Name: bin}.Run()
	want := "Binary was compiled with 'CGO_ENABLED=0', go-sqlite3 requires cgo to work. This is a stub"
	if run.Err == nil || !strings.Contains(run.Output(), want) {
		t.Errorf("a CGO_ENABLED=0 program using go-sqlite3: %v %q, want %q", run.Err, run.Output(), want)
	}
}

// A password that is not the one the database was initialised with.
func TestTroubleshootingPasswordChanged(t *testing.T) {
	url, _ := startPostgres(t)
	wrong := strings.Replace(url, "smoke-password", "a-new-password", 1)
	r := harness.Cmd{Env: []string{"DATABASE_URL=" + wrong, "READY_TIMEOUT=2s"}, Name: buildApp(t), Args: []string{"ready"}}.Run()
	if r.Err == nil || !strings.Contains(r.Stderr, "password authentication failed") {
		t.Fatalf("ready with a wrong password: %v\n%s", r.Err, r.Output())
	}
	out := regexpHostPort.ReplaceAllString(r.Stderr, "db:5432")
	out = strings.ReplaceAll(strings.ReplaceAll(out, "smokedb", "workers"), "smoke", "workers")
	out = regexpLogTime.ReplaceAllString(out, "time=2026-01-01T00:00:00.000Z")
	capture(t, "troubleshooting", "password-changed", "", "docker compose exec app app ready", out)
}

// Stage 06 with .env but without secrets/db_password (a copy of the folder that left the
// secrets/ folder behind, say): Docker cannot mount the secret, and says which file.
func TestTroubleshootingSecretMissing(t *testing.T) {
	p, dir, _ := stage06(t)
	if err := os.Remove(filepath.Join(dir, "secrets", "db_password")); err != nil {
		t.Fatal(err)
	}
	r := p.Compose("up", "-d", "--wait", "db")
	out := grepLines(r.Stderr, "Error response from daemon")
	if r.Err == nil || !strings.Contains(out, "bind source path does not exist") || !strings.Contains(out, "secrets/db_password") {
		t.Fatalf("up without the secret file: %v\n%s\nwant Docker's error naming secrets/db_password", r.Err, r.Output())
	}
	capture(t, "troubleshooting", "secret-missing", "", "docker compose up --wait", strings.ReplaceAll(out, dir, "/home/you/base-docker-and-compose/06-profiles"))
}
