package e2e

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	_ "github.com/lib/pq"

	"base-docker-and-compose/e2e/harness"
)

// The harness's proof: the base images keep the contract the course relies on, whether they
// are the official images or the stand-ins baked by images/base-images.sh.

func TestPostgresImageKeepsTheOfficialContract(t *testing.T) {
	t.Parallel()
	harness.RequireImage(t, "postgres:17-trixie")
	p := harness.NewProject(t, "testdata/postgres")
	p.Up()

	if got := strings.TrimSpace(p.Exec("db", "psql", "-U", "smoke", "-d", "smokedb", "-tAc", "select 1").Stdout); got != "1" {
		t.Fatalf("select 1 through psql printed %q", got)
	}
	if got := strings.TrimSpace(p.Exec("db", "stat", "-c", "%U", "/proc/1").Stdout); got != "postgres" {
		t.Errorf("the server runs as %q, want postgres", got)
	}

	addr := p.Addr("db", 5432)
	count := func(password string) (int, error) {
		db, err := sql.Open("postgres", fmt.Sprintf("postgres://smoke:%s@%s/smokedb?sslmode=disable&connect_timeout=5", password, addr))
		if err != nil {
			return 0, err
		}
		defer db.Close()
		var n int
		err = db.QueryRow("select count(*) from init_runs").Scan(&n)
		return n, err
	}
	if n, err := count("smoke-password"); err != nil || n != 1 {
		t.Fatalf("over TCP with the password: init_runs has %d rows, err %v; want 1 row", n, err)
	}
	if _, err := count("wrong"); err == nil || !strings.Contains(err.Error(), "password authentication failed") {
		t.Errorf("a wrong password over TCP: err = %v, want password authentication failed", err)
	}

	// SIGTERM-style stop is clean and quick; a restart keeps the data and does not init again.
	start := time.Now()
	p.MustCompose("stop", "db")
	stopped := time.Since(start)
	id := p.MustCompose("ps", "-a", "-q", "db")
	if code := harness.MustDocker(t, "inspect", "-f", "{{.State.ExitCode}}", id); code != "0" {
		t.Errorf("exit code after stop = %s, want 0", code)
	}
	if logs := p.Logs(); !strings.Contains(logs, "database system is shut down") {
		t.Errorf("no clean shutdown in the logs:\n%s", logs)
	}
	t.Logf("stop took %s", stopped.Round(time.Millisecond))
	if stopped > 5*time.Second {
		t.Errorf("stop took %s; a clean fast shutdown takes about a second", stopped)
	}
	p.Up()
	addr = p.Addr("db", 5432)
	if n, err := count("smoke-password"); err != nil || n != 1 {
		t.Fatalf("after a restart: init_runs has %d rows, err %v; want the same 1 row", n, err)
	}
}

func TestGolangImageBuildsCgo(t *testing.T) {
	t.Parallel()
	harness.RequireImage(t, "golang:1.26-trixie")
	tag := harness.UniqueName(t) + ":test"
	harness.Build(t, "testdata/cgo-sqlite", tag)
	out := harness.MustDocker(t, "run", "--rm", tag)
	if !strings.HasPrefix(out, "sqlite 3.") {
		t.Errorf("the cgo program printed %q, want sqlite 3.x", out)
	}

	tools := harness.MustDocker(t, "run", "--rm", "golang:1.26-trixie", "sh", "-c",
		"go version && gcc --version | head -n1 && make --version | head -n1 && git --version && curl --version | head -n1 && ps --version")
	for _, want := range []string{"go version go1.26", "gcc", "GNU Make", "git version", "curl", "procps"} {
		if !strings.Contains(tools, want) {
			t.Errorf("golang:1.26-trixie lacks %q:\n%s", want, tools)
		}
	}
}

func TestDistrolessStaticRunsAsNonroot(t *testing.T) {
	t.Parallel()
	harness.RequireImage(t, "gcr.io/distroless/static-debian13:nonroot")
	tag := harness.UniqueName(t) + ":test"
	harness.Build(t, "testdata/distroless", tag)
	out := harness.MustDocker(t, "run", "--rm", tag)
	want := "uid=65532 user=nonroot home=/home/nonroot certs=true tz=ok shell=false"
	if out != want {
		t.Errorf("on distroless static the check printed\n%q, want\n%q", out, want)
	}
}
