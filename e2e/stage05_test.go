package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"base-docker-and-compose/e2e/harness"
	"base-docker-and-compose/shared/worker"
)

// initEnv runs ./init-env.sh in a copy of stage 05 or 06, as a learner does before a first up.
func initEnv(t *testing.T, dir string) {
	t.Helper()
	if r := (harness.Cmd{Dir: dir, Name: "./init-env.sh"}).Run(); r.Err != nil {
		t.Fatalf("init-env.sh: %v\n%s", r.Err, r.Output())
	}
}

// envValue reads NAME=value from an env file.
func envValue(t *testing.T, file, name string) string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, name+"="); ok {
			return v
		}
	}
	t.Fatalf("%s has no %s", file, name)
	return ""
}

var strongPassword = regexp.MustCompile(`^[A-Za-z0-9]{32}$`)

// missingVariable is Compose's error for a required variable that has no value.
var missingVariable = regexp.MustCompile(`(?m)^error while interpolating services\.\S+: required variable (\S+) is missing a value(.*)$`)

// firstOfMissing checks that every variable out says is missing is one of missing, the ones
// the test left without a value. Compose v5 names each of them, in a fixed order, and its
// output is returned as it is. Compose 2.26 names only the first one it meets, and which it
// meets first varies from run to run: that one line, once checked, is shown as the error for
// missing[0] where compose.yaml first uses it, so that the capture does not change from run
// to run. A variable that is not missing (a name misspelt by the stage, say) is never hidden.
func firstOfMissing(t *testing.T, out string, missing ...string) string {
	t.Helper()
	found := missingVariable.FindAllStringSubmatch(out, -1)
	if len(found) == 0 {
		t.Fatalf("no required-variable error in:\n%s", out)
	}
	for _, m := range found {
		if !slices.Contains(missing, m[1]) {
			t.Fatalf("Compose says %s is missing a value, which the test gave one:\n%s", m[1], out)
		}
	}
	if len(found) > 1 {
		return out
	}
	return missingVariable.ReplaceAllString(out, "error while interpolating services.db.environment."+missing[0]+
		": required variable "+missing[0]+" is missing a value$2")
}

// init-env.sh as a learner runs it: a strong password each time, never an .env overwritten
// without --force, and with --force the old one kept.
func TestStage05InitEnv(t *testing.T) {
	t.Parallel()
	dir := copyStage(t, "05-env-vars")
	env := filepath.Join(dir, ".env")
	initEnv := func(args ...string) harness.Result {
		return harness.Cmd{Dir: dir, Name: "./init-env.sh", Args: args}.Run()
	}

	// The first run, as a terminal shows it.
	out, err := shell(t, dir, nil, "./init-env.sh")
	if err != nil || !strings.Contains(out, "created .env") {
		t.Fatalf("init-env.sh: %v\n%s\nwant it to say it created .env", err, out)
	}
	first, _ := os.ReadFile(env)
	password := envValue(t, env, "POSTGRES_PASSWORD")
	if !strongPassword.MatchString(password) || !strings.ContainsAny(password, "0123456789") ||
		strings.ToLower(password) == password || strings.ToUpper(password) == password {
		t.Errorf("generated password %q: want 32 letters and digits with a lower, an upper and a digit", password)
	}
	if info, _ := os.Stat(env); info.Mode().Perm() != 0o600 {
		t.Errorf(".env has mode %v, want 0600", info.Mode().Perm())
	}
	capture(t, "05-env-vars", "init-env", "", "./init-env.sh", out)

	out, err = shell(t, dir, nil, "./init-env.sh")
	if err == nil || !strings.Contains(out, "exists already") || !strings.Contains(out, "--force") {
		t.Errorf("a second init-env.sh: %v\n%s\nwant a refusal that names --force", err, out)
	}
	if again, _ := os.ReadFile(env); !bytes.Equal(again, first) {
		t.Errorf("a refused init-env.sh changed .env")
	}
	capture(t, "05-env-vars", "init-env-again", "", "./init-env.sh", out)

	if r := initEnv("--force"); r.Err != nil {
		t.Fatalf("init-env.sh --force: %v\n%s", r.Err, r.Output())
	}
	if next := envValue(t, env, "POSTGRES_PASSWORD"); next == password || !strongPassword.MatchString(next) {
		t.Errorf("the password of a second run is %q, want a new strong one (the first was %q)", next, password)
	}
	backups, _ := filepath.Glob(env + ".backup-*")
	if len(backups) != 1 {
		t.Fatalf("backups after --force: %v, want one", backups)
	}
	if kept, _ := os.ReadFile(backups[0]); !bytes.Equal(kept, first) {
		t.Errorf("the backup does not hold the first .env")
	}
}

// Stage 05 with Compose: no .env, a clear stop; after init-env.sh, the API serves; nothing
// of .env ends up in the image.
func TestStage05EnvVars(t *testing.T) {
	t.Parallel()
	dir := copyStage(t, "05-env-vars")
	// Stage 04's project, running as its page's exercises leave it before their last down;
	// the page's Before you start stops it.
	prev := stageProjectIn(t, beside(t, dir, "04-entrypoint"))
	prev.Up()
	beforeYouStart(t, "../05-env-vars/README.md", prev.Dir, dir, prev)

	// The page's Run it, line by line as written, in its order.
	p := stageProjectIn(t, dir)
	env := inProject(p)
	command := "docker compose up --wait"
	out, err := shell(t, dir, env, command)
	if err == nil || !strings.Contains(out, "POSTGRES_") || !strings.Contains(out, "run ./init-env.sh to create .env") {
		t.Fatalf("up without .env: %v\n%s\nwant a failure that says to run ./init-env.sh", err, out)
	}
	capture(t, "05-env-vars", "up-without-env", p.Name, command,
		firstOfMissing(t, out, "POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"))
	run := runner(t, dir, env)
	if out := run("./init-env.sh"); !strings.Contains(out, "created .env") {
		t.Fatalf("./init-env.sh: %q, want it to say it created .env", out)
	}
	run("docker compose up --wait")
	// Into a pipe, not a terminal, curl adds its progress meter: the body is the last line.
	var listed []worker.Worker
	out = strings.TrimSpace(run("curl " + p.Addr("app", 8080) + "/api/v1/workers"))
	if json.Unmarshal([]byte(out[strings.LastIndex(out, "\n")+1:]), &listed) != nil || len(listed) != len(worker.Dummies()) {
		t.Errorf("after init-env.sh and up, curl: %s, want the %d dummy workers", out, len(worker.Dummies()))
	}
	// A worker of the learner's own, through the API.
	addWorker(t, "05-env-vars", p.Addr("app", 8080))
	// The page's next line: a second ./init-env.sh, refused (TestStage05InitEnv captures it).
	if out, err := shell(t, dir, env, "./init-env.sh"); err == nil || !strings.Contains(out, "exists already") {
		t.Errorf("a second ./init-env.sh: %v\n%s\nwant the refusal", err, out)
	}

	// The password is in the containers' environment by design at this stage (stage 06
	// moves it to a secret file), but never in the image: not in a layer, not in its history.
	password := envValue(t, filepath.Join(dir, ".env"), "POSTGRES_PASSWORD")
	assertImageLacks(t, p.Name+"-app", password)
}
