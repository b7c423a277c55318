package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"base-docker-and-compose/e2e/harness"
	"base-docker-and-compose/shared/worker"
)

// The errors of docs/troubleshooting.md, made to happen as a learner makes them: in the
// stage's own image or compose project (a copy of the stage folder, with the learner's
// mistake made in it), with the command the page shows, run as it shows it. Only random
// names, ports, paths and times are replaced in what it printed.

// stageImage builds the image of a stage folder (the real one, or a copy made by copyStage)
// as its Dockerfile says: the shared module as the named build context "shared".
func stageImage(t *testing.T, dir string) string {
	t.Helper()
	harness.RequireImage(t, "golang:1.26-trixie")
	tag := harness.UniqueName(t) + ":test"
	harness.Build(t, dir, tag, "--build-context", "shared="+filepath.Join(dir, "..", "shared"))
	return tag
}

// edit rewrites a file of a stage copy, and fails the test when the edit changes nothing.
func edit(t *testing.T, file string, change func(string) string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	changed := change(string(data))
	if changed == string(data) {
		t.Fatalf("%s: the learner's mistake changes nothing in it", file)
	}
	info, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(changed), info.Mode().Perm()); err != nil {
		t.Fatal(err)
	}
}

// Stage 04's image with the mistakes learners make with its entrypoint, built from a copy of
// the stage and run as `docker run --rm workers-app`.
func TestTroubleshootingEntrypointErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		mistake func(t *testing.T, dir string)
		run     string // docker run's options before the image
		capture bool
		want    string
		fix     func(t *testing.T, dir string) // the page's fix, run on the broken copy
	}{
		// entrypoint.sh saved with Windows line endings: its first line names /bin/sh\r.
		{name: "crlf", capture: true,
			mistake: func(t *testing.T, dir string) {
				edit(t, filepath.Join(dir, "entrypoint.sh"), func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") })
			},
			want: "exec /usr/local/bin/entrypoint.sh: no such file or directory",
			fix:  fixCRLF},
		// COPY without --chmod=755: the file keeps the mode it has in the build context, and
		// Git checks entrypoint.sh out without the execute bit (it is committed as 100644).
		// ENTRYPOINT ["entrypoint.sh"] is looked up in PATH, where such a file does not count.
		{name: "no-exec-bit", capture: true,
			mistake: dropChmod,
			want:    `exec: "entrypoint.sh": executable file not found in $PATH`},
		// The same, with the entrypoint named by its full path: no PATH lookup; exec refuses it.
		{name: "no-exec-bit-full-path", capture: true,
			mistake: func(t *testing.T, dir string) {
				dropChmod(t, dir)
				edit(t, filepath.Join(dir, "Dockerfile"), func(s string) string {
					return strings.Replace(s, `ENTRYPOINT ["entrypoint.sh"]`, `ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]`, 1)
				})
			},
			want: `exec: "/usr/local/bin/entrypoint.sh": permission denied`},
		// The image is right, but a bind mount puts the host's file, mode and all, over it.
		{name: "bind-mount-without-exec-bit",
			run:  "-v ./entrypoint.sh:/usr/local/bin/entrypoint.sh:ro",
			want: `exec: "entrypoint.sh": executable file not found in $PATH`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyStage(t, "04-entrypoint")
			// As Git checks it out: no execute bit (copyStage keeps the working tree's mode).
			if err := os.Chmod(filepath.Join(dir, "entrypoint.sh"), 0o644); err != nil {
				t.Fatal(err)
			}
			if tt.mistake != nil {
				tt.mistake(t, dir)
			}
			image := pageBuild04(t, dir)
			command := strings.Join(strings.Fields("docker run --rm "+tt.run), " ")
			out, err := shell(t, dir, nil, command+" "+image)
			if err == nil || !strings.Contains(out, tt.want) {
				t.Fatalf("%s: %v\n%s\nwant %q", command, err, out, tt.want)
			}
			if tt.capture {
				capture(t, "troubleshooting", tt.name, image, command+" workers-app", out)
			}
			if tt.fix != nil {
				tt.fix(t, dir)
			}
		})
	}
}

// build04 is the command docs/troubleshooting.md gives to build stage 04's image in a
// learner's copy of the folder, the one its Dockerfile's first lines give.
const build04 = "docker build --build-context shared=../shared -t workers-app ."

// pageBuild04 runs the page's build04 as written in the stage copy dir, but for the tag: a
// learner may own workers-app, so the image is tagged with the test's own name, which the
// captures map back to workers-app. It returns that tag.
func pageBuild04(t *testing.T, dir string) string {
	t.Helper()
	harness.RequireImage(t, "golang:1.26-trixie")
	page, err := os.ReadFile("../docs/troubleshooting.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), "`"+build04+"`") {
		t.Fatalf("docs/troubleshooting.md does not give the build %q", build04)
	}
	tag := harness.UniqueName(t) + ":test"
	t.Cleanup(func() { harness.Docker("image", "rm", "-f", tag) })
	if out, err := shell(t, dir, nil, strings.Replace(build04, " workers-app ", " "+tag+" ", 1)); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return tag
}

// crlfFix is the command docs/troubleshooting.md gives for a script saved with Windows line
// endings, as the page writes it: tr reads '\r' alike on Linux and macOS, where a sed -i
// one-liner is GNU sed's alone.
const crlfFix = `tr -d '\r' < entrypoint.sh > entrypoint.sh.lf && mv entrypoint.sh.lf entrypoint.sh`

// rebuild04 is the page's command, after the fix, that builds the image again and starts
// the stage's project.
const rebuild04 = "docker compose up --build --wait"

// fixCRLF runs the page's fix in the stage copy whose entrypoint.sh has CRLF endings, and
// checks that it gives back the stage's own script byte for byte, and that the page's rebuild
// then runs it: the entrypoint starts the app, which serves the workers.
func fixCRLF(t *testing.T, dir string) {
	t.Helper()
	page, err := os.ReadFile("../docs/troubleshooting.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), "\n"+crlfFix+"\n") {
		t.Fatalf("docs/troubleshooting.md does not give the fix %q on a line of its own", crlfFix)
	}
	if !strings.Contains(string(page), "Then build the image again\n(`"+rebuild04+"`): the entrypoint starts.") {
		t.Fatalf("docs/troubleshooting.md does not give the rebuild %q after the fix", rebuild04)
	}
	if out, err := shell(t, dir, nil, crlfFix); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	fixed, err := os.ReadFile(filepath.Join(dir, "entrypoint.sh"))
	if err != nil {
		t.Fatal(err)
	}
	original, err := os.ReadFile("../04-entrypoint/entrypoint.sh")
	if err != nil {
		t.Fatal(err)
	}
	if string(fixed) != string(original) {
		t.Fatalf("after %s, entrypoint.sh is not the stage's script with LF endings:\n%q", crlfFix, fixed)
	}
	if _, err := os.Stat(filepath.Join(dir, "entrypoint.sh.lf")); !os.IsNotExist(err) {
		t.Errorf("%s left entrypoint.sh.lf behind (%v)", crlfFix, err)
	}
	p := stageProjectIn(t, dir)
	if out, err := shell(t, dir, inProject(p), rebuild04); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if logs := p.MustCompose("logs", "app"); strings.Contains(logs, "no such file or directory") || !strings.Contains(logs, "entrypoint: starting: app") {
		t.Fatalf("after %s the entrypoint did not start the app; its logs:\n%s", rebuild04, logs)
	}
	if n := len(listWorkers(t, p)); n != len(worker.Dummies()) {
		t.Errorf("after %s: %d workers, want the %d dummies", rebuild04, n, len(worker.Dummies()))
	}
}

// dropChmod writes stage 04's COPY of entrypoint.sh without --chmod=755.
func dropChmod(t *testing.T, dir string) {
	t.Helper()
	edit(t, filepath.Join(dir, "Dockerfile"), func(s string) string {
		return strings.Replace(s, "COPY --chmod=755 entrypoint.sh ", "COPY entrypoint.sh ", 1)
	})
}

// Stage 02's image started on a host port that another container publishes already.
func TestTroubleshootingPortInUse(t *testing.T) {
	t.Parallel()
	harness.RequireImage(t, "debian:trixie-slim")
	image := stageImage(t, "../02-dockerizing")
	hostPort := fmt.Sprintf("127.0.0.1:%d", harness.FreePort(t))
	harness.RunContainer(t, "-p", hostPort+":8080", "debian:trixie-slim", "sleep", "infinity")
	name := harness.UniqueName(t)
	t.Cleanup(func() { harness.Docker("rm", "-f", name) })
	out, err := shell(t, "../02-dockerizing", nil, fmt.Sprintf("docker run -d --name %s -p %s:8080 %s", name, hostPort, image))
	if err == nil || !strings.Contains(out, "port is already allocated") {
		t.Fatalf("a second container on the same port: %v\n%s\nwant port is already allocated", err, out)
	}
	out = strings.ReplaceAll(out, hostPort, "127.0.0.1:8080")
	out = regexpEndpoint.ReplaceAllString(out, "endpoint workers-app (…)")
	capture(t, "troubleshooting", "port-in-use", name, "docker run -d --name workers-app -p 127.0.0.1:8080:8080 workers-app", out)
}

// go-sqlite3 without cgo: the shared module uses its error type, which only its cgo code
// defines, so the build fails at once instead of at run time.
func TestTroubleshootingCgoOff(t *testing.T) {
	t.Parallel()
	// The binary a build that did succeed would write (.gitignore keeps it out of git).
	t.Cleanup(func() { os.Remove("../01-starting-point/01-starting-point") })
	out, err := shell(t, "../01-starting-point", nil, "CGO_ENABLED=0 go build .")
	if err == nil || !strings.Contains(out, "undefined: sqlite3.Error") {
		t.Fatalf("a CGO_ENABLED=0 build: %v\n%s\nwant go-sqlite3's missing cgo types", err, out)
	}
	capture(t, "troubleshooting", "cgo-off", "", "CGO_ENABLED=0 go build .", out)

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

// Stage 05 with a new password in .env while the data volume keeps the one it was created
// with: ./init-env.sh --force (the way init-env.sh's own refusal names), then up again. The
// app, re-created with the new password, cannot log in and exits; its logs say why.
func TestTroubleshootingPasswordChanged(t *testing.T) {
	t.Parallel()
	dir := copyStage(t, "05-env-vars")
	initEnv := func(args ...string) {
		if r := (harness.Cmd{Dir: dir, Name: "./init-env.sh", Args: args}).Run(); r.Err != nil {
			t.Fatalf("init-env.sh %v: %v\n%s", args, r.Err, r.Output())
		}
	}
	initEnv()
	p := stageProjectIn(t, dir)
	p.Up()
	initEnv("--force")

	env := inProject(p)
	if out, err := shell(t, dir, env, "docker compose up --wait"); err == nil || !strings.Contains(out, p.Name+"-app-1 exited (1)") {
		t.Fatalf("up with the new password: %v\n%s\nwant the app to exit with 1", err, out)
	}
	out, err := shell(t, dir, env, "docker compose logs app")
	if err != nil || !strings.Contains(out, `password authentication failed for user "workers"`) {
		t.Fatalf("docker compose logs app: %v\n%s\nwant the rejected login", err, out)
	}
	capture(t, "troubleshooting", "password-changed", "", "docker compose logs app", out)
}

// Stage 06 without secrets/db_password (a copy of the folder that left the secrets/ folder
// behind, or the file deleted) after a first up: the data volume is there, the file is not.
// Docker cannot mount the secret, and says which file.
func TestTroubleshootingSecretMissing(t *testing.T) {
	t.Parallel()
	p, dir, _ := stage06(t)
	p.Up()
	p.MustCompose("down") // the data volume stays
	if err := os.Remove(filepath.Join(dir, "secrets", "db_password")); err != nil {
		t.Fatal(err)
	}
	out, err := shell(t, dir, inProject(p), "docker compose up --wait")
	if err == nil || !strings.Contains(out, "bind source path does not exist") || !strings.Contains(out, "secrets/db_password") {
		t.Fatalf("up without the secret file: %v\n%s\nwant Docker's error naming secrets/db_password", err, out)
	}
	out = strings.ReplaceAll(out, dir, "/home/you/base-docker-and-compose/06-profiles")
	out = strings.ReplaceAll(out, p.Name+"-pgdata", "workers-06-pgdata")
	out = strings.ReplaceAll(out, p.Name, "06-profiles")
	capture(t, "troubleshooting", "secret-missing", "", "docker compose up --wait", out)
}
