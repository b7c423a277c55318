package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"base-docker-and-compose/e2e/harness"
)

// The stage READMEs show what a learner's commands print, as captured here by the tests,
// not typed by hand. A capture is normalised (the test's project name becomes the one a
// learner's project has, ephemeral ports become the stage's ports, times become fixed) and
// compared with docs/captured/<stage>/<name>.txt: a difference fails the test, because the
// docs no longer say what the code does. `make docs` (UPDATE_CAPTURES=1) rewrites them.

var normalisers = []struct {
	re   *regexp.Regexp
	with string
	// once: applied only where the pattern matches exactly once in the capture.
	once bool
}{
	// Terminal control sequences (compose clears its progress lines).
	{re: regexp.MustCompile(`\x1b\[[0-9;]*[A-Za-z]`)},
	// Compose 2.26 names only the first missing variable it meets, which varies from run to
	// run; Compose v5 names every one, in a fixed order, so its lines are kept as they are.
	{re: regexp.MustCompile(`error while interpolating services\.\S+: required variable \S+ is missing a value`),
		with: "error while interpolating services.db.environment.POSTGRES_USER: required variable POSTGRES_USER is missing a value",
		once: true},
	{re: regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z`), with: "2026-01-01T00:00:00Z"},
	{re: regexp.MustCompile(`127\.0\.0\.1:\d+->8080/tcp`), with: "127.0.0.1:8080->8080/tcp"},
	{re: regexp.MustCompile(`127\.0\.0\.1:\d+/api`), with: "127.0.0.1:8080/api"},
	{re: regexp.MustCompile(`http://127\.0\.0\.1:\d+`), with: "http://127.0.0.1:8080"},
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
		if n.once && len(n.re.FindAllStringIndex(text, 2)) != 1 {
			continue
		}
		text = n.re.ReplaceAllString(text, n.with)
	}
	file := filepath.Join("..", "docs", "captured", stage, name+".txt")
	update := os.Getenv("UPDATE_CAPTURES") == "1"
	if harness.Toolchain() == "floor" {
		// The pages show what the current Docker prints. Where the floor prints something
		// else, that text is kept apart, for the pages to say what an older Docker shows.
		floor := filepath.Join("..", "docs", "captured", "floor", stage, name+".txt")
		if update {
			if current, err := os.ReadFile(file); err == nil && string(current) == text {
				if err := os.Remove(floor); err != nil && !os.IsNotExist(err) {
					t.Fatal(err)
				}
				return
			}
			writeCapture(t, floor, text)
			return
		}
		if _, err := os.Stat(floor); err == nil {
			file = floor
		}
	} else if update {
		writeCapture(t, file, text)
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Errorf("%s: %v; run `make docs` to capture it", file, err)
		return
	}
	if string(want) != text {
		t.Errorf("%s is stale: the command now prints something else (run `make docs`):\n--- in the docs\n%s--- now\n%s", file, want, text)
	}
}

func writeCapture(t *testing.T, file, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
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
	}
	return stage
}

// psFormat is the `docker compose ps` the READMEs show: a line a service, with what does not
// change from run to run.
const psFormat = `{{.Service}}: {{.State}}, {{.Health}}, {{.Ports}}`

func psCommand() string { return fmt.Sprintf("docker compose ps --format '%s'", psFormat) }

// regexpEndpoint shortens Docker's endpoint ids in an error message.
var regexpEndpoint = regexp.MustCompile(`endpoint \S+ \([0-9a-f]+\)`)

// regexpHostPort and regexpLogTime normalise what an app run on the host prints.
var (
	regexpHostPort = regexp.MustCompile(`127\.0\.0\.1:\d+`)
	regexpLogTime  = regexp.MustCompile(`time=\S+`)
)
