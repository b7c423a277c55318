package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"base-docker-and-compose/e2e/harness"
)

// The stage READMEs show what a learner's commands print, as captured here by the tests,
// not typed by hand. A capture is normalised (the test's project name becomes the one a
// learner's project has, ephemeral ports become the stage's ports, times become fixed) and
// compared with docs/captured/<stage>/<name>.txt. At the pinned level (`make ci`,
// E2E_PINNED=1) a difference fails the test, because the docs no longer say what the code
// does; `make docs` (UPDATE_CAPTURES=1) rewrites them. On any other engine (`make test` on
// Docker Desktop, a distribution's dockerd) Docker's own wording, sizes and versions may
// differ from the pinned toolchain's: a difference is printed as a unified diff and named in
// make's summary (.ci/e2e-summary.sh), and the test goes on to what it asserts.

var normalisers = []struct {
	re   *regexp.Regexp
	with string
}{
	// Terminal control sequences (compose clears its progress lines).
	{re: terminalControl},
	// The machine's DNS server, in an error of a lookup that could not be made offline.
	{re: regexp.MustCompile(`lookup (\S+) on [0-9.]+:53`), with: "lookup $1 on <your DNS server>:53"},
	{re: regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z`), with: "2026-01-01T00:00:00Z"},
	{re: regexp.MustCompile(`127\.0\.0\.1:\d+->8080/tcp`), with: "127.0.0.1:8080->8080/tcp"},
	{re: regexp.MustCompile(`127\.0\.0\.1:\d+/api`), with: "127.0.0.1:8080/api"},
	{re: regexp.MustCompile(`http://127\.0\.0\.1:\d+`), with: "http://127.0.0.1:8080"},
	// A container id on a line of its own (`docker run -d` prints it), BuildKit's step times,
	// and the random end of the name `docker compose run` gives its container.
	{re: regexp.MustCompile(`(?m)^[0-9a-f]{64}$`), with: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
	{re: regexp.MustCompile(`(?m)^(#\d+ DONE) \d+\.\d+s$`), with: "$1 0.0s"},
	{re: regexp.MustCompile(`-run-[0-9a-f]{12}\b`), with: "-run-…"},
}

// capture records what a learner's command printed, for the stage README's expected output.
// project, when set, is replaced by the name a learner's copy of the project has.
func capture(t *testing.T, stage, name, project, command, output string) {
	t.Helper()
	text := "$ " + command + "\n" + strings.TrimRight(output, "\n") + "\n"
	if project != "" {
		text = strings.ReplaceAll(text, project, learnerProject(stage))
	}
	for _, n := range normalisers {
		text = n.re.ReplaceAllString(text, n.with)
	}
	file := filepath.Join("..", "docs", "captured", stage, name+".txt")
	update := os.Getenv("UPDATE_CAPTURES") == "1"
	if update && !harness.Pinned() {
		// The pages show what the pinned current toolchain prints, to every reader: another
		// engine's text (its versions, its image store's sizes) would replace it for all.
		t.Errorf("UPDATE_CAPTURES=1, but %s is not recorded: captures are recorded only at the pinned level "+
			"(E2E_PINNED=1 on the engine .ci/provision-docker.sh started; `make docs` there), and %s", file, harness.UnpinnedReason())
		return
	}
	if harness.Toolchain() == "floor" {
		// The pages show what the current Docker prints. Where the floor prints something
		// else, that text is kept apart, for the pages to say what an older Docker shows.
		floor := filepath.Join("..", "docs", "captured", "floor", stage, name+".txt")
		if update {
			whenPassed(t, func() {
				if current, err := os.ReadFile(file); err == nil && string(current) == text {
					if err := os.Remove(floor); err != nil && !os.IsNotExist(err) {
						t.Error(err)
					}
					return
				}
				writeCapture(t, floor, text)
			})
			return
		}
		if _, err := os.Stat(floor); err == nil {
			file = floor
		}
	} else if update {
		whenPassed(t, func() { writeCapture(t, file, text) })
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Errorf("%s: %v; run `make docs` to capture it", file, err)
		return
	}
	if string(want) == text {
		return
	}
	// E2E_PINNED=1 demands the pinned level: on an engine that is not the pinned one, the
	// toolchain's test fails and says why, and a capture that differs fails as well.
	if os.Getenv("E2E_PINNED") == "1" {
		t.Errorf("%s is stale: the command now prints something else (run `make docs`):\n%s", file, unifiedDiff(t, string(want), text))
		return
	}
	t.Logf("%s %s\n%s", captureDiffers, strings.TrimPrefix(filepath.ToSlash(file), "../"), unifiedDiff(t, string(want), text))
}

// captureDiffers starts the line that names a capture that differs on an unpinned engine;
// .ci/e2e-summary.sh lists them from the log by it.
const captureDiffers = "capture differs on this unpinned engine, not failed:"

// unifiedDiff is `diff -u` of the capture in the docs and the one just made, or a note of why
// it could not be made.
func unifiedDiff(t *testing.T, docs, now string) string {
	t.Helper()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "docs"), filepath.Join(dir, "now")
	for file, text := range map[string]string{a: docs, b: now} {
		if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
			return "(no diff: " + err.Error() + ")"
		}
	}
	// diff exits 1 when the files differ: only its output matters.
	out, err := exec.Command("diff", "-u", "--label", "in the docs", "--label", "on this engine", a, b).CombinedOutput()
	if len(out) == 0 && err != nil {
		return "(no diff: " + err.Error() + ")"
	}
	return string(out)
}

// whenPassed runs write when the test ends, if it passed; else it says which capture it kept.
func whenPassed(t *testing.T, write func()) {
	t.Cleanup(func() {
		if t.Failed() || t.Skipped() {
			t.Log("the test failed: a capture it made is not recorded")
			return
		}
		write()
	})
}

func writeCapture(t *testing.T, file, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Error(err)
		return
	}
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Error(err)
	}
}

// learnerProject is the name Compose gives a learner's project: that of its folder, unless
// the stage's compose file says otherwise.
func learnerProject(stage string) string {
	switch stage {
	case "02-dockerizing":
		return "workers-02" // run-dockered.sh's NAME
	case "troubleshooting":
		return "workers-app"
	case "07-swarm":
		return "workers" // the stack's name in the README
	case "profiling":
		return "06-profiles" // docs/profiling.md runs 06-profiles' project
	case "cleanup":
		return "cleanup" // docs/cleanup.md names each stage's project itself
	}
	return stage
}

// psFormat is the `docker compose ps` the READMEs show: a line a service, with what does not
// change from run to run.
const psFormat = `{{.Service}}: {{.State}}, {{.Health}}, {{.Ports}}`

func psCommand() string { return fmt.Sprintf("docker compose ps --format '%s'", psFormat) }

// psCommandProd is psCommand with the prod profile on, as the pages run it for production.
func psCommandProd() string {
	return fmt.Sprintf("docker compose --profile prod ps --format '%s'", psFormat)
}

// regexpEndpoint shortens Docker's endpoint ids in an error message.
var regexpEndpoint = regexp.MustCompile(`endpoint \S+ \([0-9a-f]+\)`)

// shell runs command, the text a page shows, as it shows it: with sh, in dir, with the
// environment of this process and env. It returns what a terminal would show, stdout and
// stderr together in the order they came, and the exit status as an error.
func shell(t *testing.T, dir string, env []string, command string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), harness.CommandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", command)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		err = fmt.Errorf("%s: %w", command, err)
	}
	// A terminal acts on control sequences and shows none of them (Compose 2.26 starts each
	// log line with one that clears the line).
	return terminalControl.ReplaceAllString(out.String(), ""), err
}

// terminalControl is a terminal's control sequence: CSI, its parameters, one letter.
var terminalControl = regexp.MustCompile(`\x1b\[[0-9;]*[A-Za-z]`)

// inProject is the environment that points a plain `docker compose` at the test's project,
// as rotation_test.go does: a page's command then runs as written, with no -p or -f of the
// test's added, on the test's project name and override file.
func inProject(p *harness.Project) []string {
	env := append([]string{"COMPOSE_PROJECT_NAME=" + p.Name}, p.Env...)
	if len(p.Files) > 0 {
		env = append(env, "COMPOSE_FILE="+strings.Join(p.Files, ":"))
	}
	if len(p.Profiles) > 0 {
		env = append(env, "COMPOSE_PROFILES="+strings.Join(p.Profiles, ","))
	}
	return env
}
