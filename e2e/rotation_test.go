package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"base-docker-and-compose/e2e/harness"
)

// The password rotation of the stage 05 and 06 READMEs, run as written: the shell block of
// the README, in a copy of the stage, with COMPOSE_PROJECT_NAME and COMPOSE_FILE pointing
// `docker compose` at the test's project. The rows stay, the app logs in with the new
// password after being re-created, and the old one no longer works.
func TestPasswordRotationAsTheREADMEsSay(t *testing.T) {
	for _, tt := range []struct {
		stage, after, service string
		apps, profiles        []string
		password              func(dir string) string
	}{
		{"05-env-vars", "## Rotating the password", "app", []string{"app"}, nil,
			func(dir string) string { return envValue(t, filepath.Join(dir, ".env"), "POSTGRES_PASSWORD") }},
		{"06-profiles", "To rotate it,", "app-prod", []string{"app-dev", "app-prod"}, []string{"prod"},
			func(dir string) string {
				data, _ := os.ReadFile(filepath.Join(dir, "secrets", "db_password"))
				return string(data)
			}},
	} {
		t.Run(tt.stage, func(t *testing.T) {
			block := readmeShellBlock(t, "../"+tt.stage+"/README.md", tt.after)
			dir := copyStage(t, tt.stage)
			if r := (harness.Cmd{Dir: dir, Name: "./init-env.sh"}).Run(); r.Err != nil {
				t.Fatalf("init-env.sh: %v\n%s", r.Err, r.Output())
			}
			p := stageProjectApps(t, dir, tt.apps)
			p.Profiles = tt.profiles
			p.Up()
			psql(t, p, "INSERT INTO workers (name, email, role) VALUES ('Kept Row', 'kept@example.com', 'tester')")
			rows := psql(t, p, "SELECT count(*) FROM workers")
			old := tt.password(dir)

			env := []string{"COMPOSE_PROJECT_NAME=" + p.Name, "COMPOSE_FILE=" + strings.Join(p.Files, ":")}
			if len(tt.profiles) > 0 {
				env = append(env, "COMPOSE_PROFILES="+strings.Join(tt.profiles, ","))
			}
			r := harness.Cmd{Dir: dir, Env: env, Name: "sh", Args: []string{"-euc", block}}.Run()
			if r.Err != nil {
				t.Fatalf("the README's rotation:\n%s\n%v\n%s", block, r.Err, r.Output())
			}

			rotated := tt.password(dir)
			if rotated == old || !strongPassword.MatchString(rotated) {
				t.Fatalf("after the rotation the password is %q, want a new strong one (it was %q)", rotated, old)
			}
			if got := psql(t, p, "SELECT count(*) FROM workers"); got != rows {
				t.Errorf("after the rotation: %s rows, want %s", got, rows)
			}
			if n := len(listWorkersOf(t, p, tt.service)); n == 0 {
				t.Errorf("after the rotation the API lists no workers")
			}
			// The old password is refused over TCP, as the app connects; the new one is not.
			for _, try := range []struct {
				password string
				ok       bool
			}{{old, false}, {rotated, true}} {
				r := p.Exec("db", "env", "PGPASSWORD="+try.password, "psql", "-h", "127.0.0.1", "-U", "workers", "-d", "workers", "-tAc", "SELECT 1")
				if (r.Err == nil) != try.ok {
					t.Errorf("logging in with the %s password: %v %s", map[bool]string{true: "new", false: "old"}[try.ok], r.Err, r.Output())
				}
			}
		})
	}
}

// readmeShellBlock is the first ```sh block after the line that starts with after.
func readmeShellBlock(t *testing.T, readme, after string) string {
	t.Helper()
	data, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	i := strings.Index(text, "\n"+after)
	if i < 0 {
		t.Fatalf("%s has no line starting with %q", readme, after)
	}
	_, rest, ok := strings.Cut(text[i:], "\n```sh\n")
	block, _, closed := strings.Cut(rest, "\n```")
	if !ok || !closed {
		t.Fatalf("%s has no ```sh block after %q", readme, after)
	}
	return block
}
