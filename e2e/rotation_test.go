package e2e

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"base-docker-and-compose/e2e/harness"
)

// rotation is the password rotation of a stage page: where the page shows it, and what it
// acts on.
type rotation struct {
	stage    string
	after    string   // the line of the page that the rotation's ```sh block follows
	profiles []string // the profiles the page's commands turn on
	apps     []string // the stage's app services, each published on a port of the test's own
	service  string   // the app that serves once the rotation is done
	file     string   // the file that holds the password, in the stage folder
	// stop, when set, is the line of the page that a ```sh block follows which stops what the
	// rotation left running.
	stop string
}

var rotations = []rotation{
	{stage: "05-env-vars", after: "## Rotating the password", apps: []string{"app"}, service: "app", file: ".env"},
	{stage: "06-profiles", after: "To rotate the password,", profiles: []string{"prod"},
		apps: []string{"app-dev", "app-prod"}, service: "app-prod", file: "secrets/db_password",
		stop: "If `up` or `psql` fails, the file still holds"},
}

// password reads the password the rotation's file holds.
func (r rotation) password(t *testing.T, dir string) string {
	t.Helper()
	if r.file == ".env" {
		return envValue(t, filepath.Join(dir, ".env"), "POSTGRES_PASSWORD")
	}
	data, err := os.ReadFile(filepath.Join(dir, r.file))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// project copies the stage, runs ./init-env.sh there (after edit, if any, has changed the
// .env it made), and leaves the project as the page leaves it just before the rotation: run
// once, with a row of the learner's own added, and then taken down (05's "Run it", 06's
// Part 3). It returns the project, its folder and the environment that points the page's
// commands at it. That environment names no profile: the page's own --profile flags, and
// COMPOSE_PROFILES=dev from .env, decide what runs, as on a learner's machine.
func (r rotation) project(t *testing.T, edit func(env string)) (*harness.Project, string, []string) {
	t.Helper()
	dir := copyStage(t, r.stage)
	initEnv(t, dir)
	if edit != nil {
		edit(filepath.Join(dir, ".env"))
	}
	p := stageProjectApps(t, dir, r.apps)
	p.Profiles = r.profiles
	p.Up()
	psqlAs(t, p, user(t, dir), "INSERT INTO workers (name, email, role) VALUES ('Kept Row', 'kept@example.com', 'tester')")
	p.MustCompose("down")
	env := append([]string{"COMPOSE_PROJECT_NAME=" + p.Name, "COMPOSE_FILE=" + strings.Join(p.Files, ":")}, p.Env...)
	return p, dir, env
}

// user is the database user of the .env in dir.
func user(t *testing.T, dir string) string {
	t.Helper()
	return envValue(t, filepath.Join(dir, ".env"), "POSTGRES_USER")
}

// psqlAs is psql as another database user.
func psqlAs(t *testing.T, p *harness.Project, user, sql string) string {
	t.Helper()
	r := p.Exec("db", "psql", "-U", user, "-d", "workers", "-tAc", sql)
	if r.Err != nil {
		t.Fatalf("psql %q: %v\n%s", sql, r.Err, r.Output())
	}
	return strings.TrimSpace(r.Stdout)
}

// The password rotation of the stage 05 and 06 pages, run as written: the page's ```sh block,
// with sh, in a copy of the stage, from the state the page leaves the project in just before
// it (taken down). The block starts the project itself; afterwards the rows are there, the app
// logs in with the new password, the old one is refused, the file that holds the password
// keeps its mode, no file of the stage folder keeps the old password (a copy that
// `sed -i.bak` leaves, say), and only the page's profile runs.
func TestPasswordRotationAsTheREADMEsSay(t *testing.T) {
	t.Parallel()
	for _, r := range rotations {
		t.Run(r.stage, func(t *testing.T) {
			block := readmeShellBlock(t, "../"+r.stage+"/README.md", r.after)
			p, dir, env := r.project(t, nil)
			old := r.password(t, dir)
			mode := fileMode(t, filepath.Join(dir, r.file))

			out, err := shell(t, dir, env, block)
			if err != nil {
				t.Fatalf("the page's rotation:\n%s\n%v\n%s", block, err, out)
			}
			if !strings.Contains(out, "ALTER ROLE") {
				t.Errorf("the rotation's output has no ALTER ROLE from psql:\n%s", out)
			}
			if strings.Contains(out, old) {
				t.Errorf("the rotation printed the old password:\n%s", out)
			}

			rotated := r.password(t, dir)
			if rotated == old || !strongPassword.MatchString(rotated) {
				t.Fatalf("after the rotation the password is %q, want a new strong one (it was %q)", rotated, old)
			}
			if strings.Contains(out, rotated) {
				t.Errorf("the rotation printed the new password:\n%s", out)
			}
			if now := fileMode(t, filepath.Join(dir, r.file)); now != mode {
				t.Errorf("after the rotation %s has mode %v, want %v as before", r.file, now, mode)
			}
			assertNoFileHolds(t, dir, old)
			if got := psql(t, p, "SELECT count(*) FROM workers WHERE email = 'kept@example.com'"); got != "1" {
				t.Errorf("after the rotation the row added before it: %s, want 1", got)
			}
			if n := len(listWorkersOf(t, p, r.service)); n == 0 {
				t.Errorf("after the rotation the API lists no workers")
			}
			assertServices(t, p, append([]string{"db"}, r.service)...)
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
			capture(t, r.stage, "rotate", p.Name, block, steadyWaits(out))

			if r.stop != "" {
				stop := readmeShellBlock(t, "../"+r.stage+"/README.md", r.stop)
				if out, err := shell(t, dir, env, stop); err != nil {
					t.Fatalf("%v\n%s", err, out)
				}
				assertServices(t, p)
			}
		})
	}
}

// The rotation stops at its first failing line, and the file is changed only after the
// database took the new password: here psql fails (the .env names another database user, so
// the page's `-U workers` has no role to log in as), after the block's first `up` started the
// project. The file stays as it was, byte for byte, no copy of it is left beside it, and the
// app still logs in with the password it had.
func TestPasswordRotationStopsAtItsFirstFailure(t *testing.T) {
	t.Parallel()
	for _, r := range rotations {
		t.Run(r.stage, func(t *testing.T) {
			block := readmeShellBlock(t, "../"+r.stage+"/README.md", r.after)
			p, dir, env := r.project(t, func(env string) {
				replaceOnce(t, env, "\nPOSTGRES_USER=workers\n", "\nPOSTGRES_USER=learner\n")
			})
			file := filepath.Join(dir, r.file)
			before, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}

			out, err := shell(t, dir, env, block)
			if err == nil {
				t.Fatalf("the rotation succeeded with no role workers in the database:\n%s", out)
			}
			if !strings.Contains(out, `role "workers" does not exist`) {
				t.Fatalf("the rotation failed, but not at psql:\n%s", out)
			}
			if after, _ := os.ReadFile(file); !bytes.Equal(after, before) {
				t.Errorf("%s changed although psql failed", r.file)
			}
			if _, err := os.Stat(file + ".bak"); !os.IsNotExist(err) {
				t.Errorf("%s.bak is there (%v): the lines after psql ran", r.file, err)
			}
			// The block's first line started the project, and the app still serves.
			if n := len(listWorkersOf(t, p, r.service)); n == 0 {
				t.Errorf("after the failed rotation the API lists no workers")
			}
			old := r.password(t, dir)
			if r := p.Exec("db", "env", "PGPASSWORD="+old, "psql", "-h", "127.0.0.1", "-U", "learner", "-d", "workers", "-tAc", "SELECT 1"); r.Err != nil {
				t.Errorf("after the failed rotation the password in %s no longer logs in: %v %s", filepath.Base(file), r.Err, r.Output())
			}
		})
	}
}

// waitLine is a line of `up --wait` that Compose prints for each container in turn while it
// waits: in no fixed order, since it waits for them all at once.
var waitLine = regexp.MustCompile(`^\s*Container \S+\s+(Waiting|Healthy)\s*$`)

// steadyWaits puts each run of waitLines in one order, the Waiting lines before the Healthy
// ones and each kind by container name, so that a capture of `up --wait` is the same from
// run to run. The lines themselves are kept, one for one.
func steadyWaits(out string) string {
	lines := strings.Split(out, "\n")
	for i := 0; i < len(lines); {
		j := i
		for j < len(lines) && waitLine.MatchString(lines[j]) {
			j++
		}
		if j == i {
			i++
			continue
		}
		run := lines[i:j]
		slices.SortStableFunc(run, func(a, b string) int {
			ka := strings.HasSuffix(strings.TrimSpace(a), "Healthy")
			kb := strings.HasSuffix(strings.TrimSpace(b), "Healthy")
			if ka != kb {
				if kb {
					return -1
				}
				return 1
			}
			return strings.Compare(a, b)
		})
		i = j
	}
	return strings.Join(lines, "\n")
}

// assertServices fails unless the project's containers, whatever their profile, are those of
// these services.
func assertServices(t *testing.T, p *harness.Project, want ...string) {
	t.Helper()
	out := harness.MustDocker(t, "ps", "-a", "--filter", "label=com.docker.compose.project="+p.Name,
		"--format", `{{.Label "com.docker.compose.service"}}`)
	got := strings.Fields(out)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("the project's containers are those of %v, want %v", got, want)
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

// steadyWaits orders each run of wait lines, and only those: the same lines in another
// order give the same text, and the lines around a run stay where they are.
func TestSteadyWaits(t *testing.T) {
	t.Parallel()
	a := " Container x-db-1 Started \n Container x-app-1 Waiting \n Container x-db-1 Waiting \n Container x-db-1 Healthy \n Container x-app-1 Healthy \nALTER ROLE"
	b := " Container x-db-1 Started \n Container x-db-1 Waiting \n Container x-app-1 Waiting \n Container x-app-1 Healthy \n Container x-db-1 Healthy \nALTER ROLE"
	want := " Container x-db-1 Started \n Container x-app-1 Waiting \n Container x-db-1 Waiting \n Container x-app-1 Healthy \n Container x-db-1 Healthy \nALTER ROLE"
	for _, in := range []string{a, b} {
		if got := steadyWaits(in); got != want {
			t.Errorf("steadyWaits(%q) = %q, want %q", in, got, want)
		}
	}
}
