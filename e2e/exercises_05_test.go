package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"base-docker-and-compose/e2e/harness"
)

// Stage 05's "Break it and see": the .env mistakes its page has a learner make.

// generatedPassword stands, in an exercise's from, for the password init-env.sh generated.
const generatedPassword = "<the generated password>"

// breakEnv is breakStage for a change to .env, the file ./init-env.sh makes: it copies the
// stage, runs ./init-env.sh and makes the change in the .env it wrote. git diff would show a
// learner nothing (.gitignore keeps .env out of git), so the change is captured as what show,
// a command that prints the changed line, prints. It returns the copy's folder.
func breakEnv(t *testing.T, ex exercise, show string) string {
	t.Helper()
	dir := copyStage(t, ex.stage)
	initEnv(t, dir)
	password := envValue(t, filepath.Join(dir, ".env"), "POSTGRES_PASSWORD")
	replaceOnce(t, filepath.Join(dir, ex.file), strings.ReplaceAll(ex.from, generatedPassword, password), ex.to)
	out, err := shell(t, dir, nil, show)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if strings.Contains(out, password) {
		t.Fatalf("%s prints the generated password: show another line", show)
	}
	capture(t, ex.stage, ex.name+"-change", "", show, out)
	return dir
}

// A variable's name misspelt in .env: Compose reads ${POSTGRES_USER} and finds no value for
// it (a name that compose.yaml does not use is not an error), so it stops before it starts
// anything, naming the variable wherever compose.yaml uses it, with the compose file's hint.
func TestExercise05MisspeltVariable(t *testing.T) {
	t.Parallel()
	const stage = "05-env-vars"
	dir := breakEnv(t, exercise{stage, "break-env-typo", ".env", "\nPOSTGRES_USER=workers\n", "\nPOSTGRES_USERNAME=workers\n"},
		"grep POSTGRES_USER .env")
	p := stageProjectIn(t, dir)

	command := "docker compose up --wait"
	out, err := shell(t, dir, inProject(p), command)
	if err == nil || !strings.Contains(out, "required variable POSTGRES_USER is missing a value") {
		t.Fatalf("up with POSTGRES_USER misspelt in .env: %v\n%s\nwant Compose's required-variable error naming POSTGRES_USER", err, out)
	}
	for _, other := range []string{"POSTGRES_PASSWORD is missing", "POSTGRES_DB is missing"} {
		if strings.Contains(out, other) {
			t.Errorf("up names more than the misspelt variable (%q):\n%s", other, out)
		}
	}
	// The project's cleanup (docker compose down) needs a value too; it removes nothing.
	p.Env = append(p.Env, "POSTGRES_USER=workers")
	if ps := harness.MustDocker(t, "ps", "-a", "-q", "--filter", "label=com.docker.compose.project="+p.Name); ps != "" {
		t.Errorf("Compose created containers although a required variable has no value: %s", ps)
	}
	capture(t, stage, "break-env-typo", p.Name, command, firstOfMissing(t, out, "POSTGRES_USER"))
}

// .env taken out of .dockerignore: `COPY . .` copies it into the image, and the generated
// password with it, for anyone who gets the image (a registry, docker save) to read.
func TestExercise05EnvInTheImage(t *testing.T) {
	t.Parallel()
	const stage = "05-env-vars"
	dir := breakStage(t, exercise{stage, "break-dockerignore-env", ".dockerignore", "\n.env\n", "\n"})
	initEnv(t, dir)
	password := envValue(t, filepath.Join(dir, ".env"), "POSTGRES_PASSWORD")
	p := stageProjectIn(t, dir)
	env := inProject(p)
	if out, err := shell(t, dir, env, "docker compose build app"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}

	// The image Compose built, 05-env-vars-app for a learner, run without its entrypoint and
	// as root: .env keeps the mode init-env.sh gave it, 0600, and COPY makes root its owner,
	// which keeps the app's user out, not whoever runs the image.
	command := "docker run --rm -u root --entrypoint grep " + p.Name + "-app POSTGRES_PASSWORD .env"
	out, err := shell(t, dir, nil, command)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if strings.TrimSpace(out) != "POSTGRES_PASSWORD="+password {
		t.Fatalf("%s: %q, want the password init-env.sh generated: .env is in the image", command, out)
	}
	// The page shows a placeholder, not a password that was real.
	capture(t, stage, "break-dockerignore-env", p.Name, command,
		strings.ReplaceAll(out, password, generatedPassword))
}

// A password of one's own with a slash in it (as `openssl rand -base64` makes them), made as
// the page has it: after the learner has run the stage (the data volume holds the generated
// password), with a copy of .env kept first, by the page's own command. PostgreSQL would take
// the password, but in DATABASE_URL the slash ends the host part, so the URL no longer parses
// and the app stops before it connects. The page's restore, as written, then brings .env
// back byte for byte, and the app up again with the password the volume was created with.
func TestExercise05PasswordWithASlash(t *testing.T) {
	t.Parallel()
	const stage = "05-env-vars"
	const readme = "../" + stage + "/README.md"
	keep := readmeShellBlock(t, readme, "### A password with a slash")
	restore := readmeShellBlock(t, readme, "Put your password back")

	dir := copyStage(t, stage)
	initEnv(t, dir)
	envFile := filepath.Join(dir, ".env")
	generated, err := os.ReadFile(envFile)
	if err != nil {
		t.Fatal(err)
	}
	p := stageProjectIn(t, dir)
	p.Up() // the stage as the learner ran it: the volume is created with the generated password
	env := inProject(p)

	if out, err := shell(t, dir, env, keep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	password := envValue(t, envFile, "POSTGRES_PASSWORD")
	replaceOnce(t, envFile, "\nPOSTGRES_PASSWORD="+password+"\n", "\nPOSTGRES_PASSWORD=Pa55/word\n")
	const show = "grep POSTGRES_PASSWORD .env"
	out, err := shell(t, dir, nil, show)
	if err != nil || strings.TrimSpace(out) != "POSTGRES_PASSWORD=Pa55/word" {
		t.Fatalf("%s: %v\n%s", show, err, out)
	}
	capture(t, stage, "break-password-slash-change", "", show, out)

	if out, err := shell(t, dir, env, "docker compose up --wait"); err == nil || !strings.Contains(out, p.Name+"-app-1 exited (1)") {
		t.Fatalf("up with a slash in the password: %v\n%s\nwant the app to exit with 1", err, out)
	}
	command := "docker compose logs app"
	out, err = shell(t, dir, env, command)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, "not a valid URL (percent-encode special characters in the password)") {
		t.Errorf("the app's logs do not say that DATABASE_URL is not a valid URL:\n%s", out)
	}
	if strings.Contains(out, "Pa55/word") {
		t.Errorf("the app's logs show the password:\n%s", out)
	}
	capture(t, stage, "break-password-slash", p.Name, command, out)

	if out, err := shell(t, dir, env, restore); err != nil {
		t.Fatalf("the page's restore:\n%s\n%v\n%s", restore, err, out)
	}
	if now, _ := os.ReadFile(envFile); !bytes.Equal(now, generated) {
		t.Errorf("after the restore .env is not the one init-env.sh made")
	}
	if _, err := os.Stat(filepath.Join(dir, ".env.backup-mine")); !os.IsNotExist(err) {
		t.Errorf(".env.backup-mine is still there after the restore (%v)", err)
	}
	out, err = shell(t, dir, env, psCommand())
	if err != nil || !strings.Contains(out, "app: running, healthy") || !strings.Contains(out, "db: running, healthy") {
		t.Fatalf("%s: %v\n%s\nwant app and db healthy", psCommand(), err, out)
	}
	if n := len(listWorkers(t, p)); n == 0 {
		t.Errorf("after the restore the API lists no workers")
	}
	capture(t, stage, "break-password-slash-restored", p.Name, psCommand(), out)

	// The page ends here: its down, before the next stage, leaves nothing of the project.
	down := readmeShellBlock(t, readme, "Take the project down before the next stage")
	if down != "docker compose down" {
		t.Fatalf("the page ends with %q, want docker compose down", down)
	}
	if out, err := shell(t, dir, env, down); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if left := harness.MustDocker(t, "ps", "-a", "-q", "--filter", "label=com.docker.compose.project="+p.Name); left != "" {
		t.Errorf("containers of the project are left after %s: %s", down, left)
	}
}
