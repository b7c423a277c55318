package e2e

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"base-docker-and-compose/e2e/harness"
)

// The password rotation of the stage 05 and 06 READMEs, run as written: the shell block of
// the README, in a copy of the stage, with COMPOSE_PROJECT_NAME and COMPOSE_FILE pointing
// `docker compose` at the test's project. The rows stay, the app logs in with the new
// password after being re-created, and the old one no longer works. The file that holds the
// password keeps its mode, and no file of the stage folder keeps the old password (a copy
// that `sed -i.bak` leaves, say).
func TestPasswordRotationAsTheREADMEsSay(t *testing.T) {
	for _, tt := range []struct {
		stage, after, service string
		apps, profiles        []string
		file                  string // the file that holds the password, in the stage folder
		password              func(dir string) string
	}{
		{"05-env-vars", "## Rotating the password", "app", []string{"app"}, nil, ".env",
			func(dir string) string { return envValue(t, filepath.Join(dir, ".env"), "POSTGRES_PASSWORD") }},
		{"06-profiles", "To rotate it,", "app-prod", []string{"app-dev", "app-prod"}, []string{"prod"}, "secrets/db_password",
			func(dir string) string {
				data, _ := os.ReadFile(filepath.Join(dir, "secrets", "db_password"))
				return string(data)
			}},
	} {
		t.Run(tt.stage, func(t *testing.T) {
			block := readmeShellBlock(t, "../"+tt.stage+"/README.md", tt.after)
			dir := copyStage(t, tt.stage)
			initEnv(t, dir)
			p := stageProjectApps(t, dir, tt.apps)
			p.Profiles = tt.profiles
			p.Up()
			psql(t, p, "INSERT INTO workers (name, email, role) VALUES ('Kept Row', 'kept@example.com', 'tester')")
			rows := psql(t, p, "SELECT count(*) FROM workers")
			old := tt.password(dir)
			mode := fileMode(t, filepath.Join(dir, tt.file))

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
			if now := fileMode(t, filepath.Join(dir, tt.file)); now != mode {
				t.Errorf("after the rotation %s has mode %v, want %v as before", tt.file, now, mode)
			}
			assertNoFileHolds(t, dir, old)
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

// fileMode is the permission bits of file.
func fileMode(t *testing.T, file string) fs.FileMode {
	t.Helper()
	info, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	return info.Mode().Perm()
}

// assertNoFileHolds fails for each file under dir whose content holds secret.
func assertNoFileHolds(t *testing.T, dir, secret string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.Contains(string(data), secret) {
			rel, _ := filepath.Rel(dir, path)
			t.Errorf("after the rotation %s still holds the old password", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
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
