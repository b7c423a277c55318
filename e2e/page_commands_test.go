package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"base-docker-and-compose/e2e/harness"
)

// runner returns a function that runs a page's command as written (shell), in dir with env
// (inProject's, for a page's `docker compose`), and returns what it printed; a command that
// fails stops the test, with its output.
func runner(t *testing.T, dir string, env []string) func(command string) string {
	return func(command string) string {
		t.Helper()
		out, err := shell(t, dir, env, command)
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return out
	}
}

// curlApp runs a page's `curl -s 127.0.0.1:8080PATH` on the port the project's app has now
// (a restarted or re-created container may publish another), and returns the command as the
// page shows it and what curl printed.
func curlApp(t *testing.T, p *harness.Project, path string) (command, out string) {
	t.Helper()
	return "curl -s 127.0.0.1:8080" + path, runner(t, "", nil)("curl -s " + p.Addr("app", 8080) + path)
}

// Typed top to bottom, the pages hand the learner from one folder to the next: the root
// README's `cd ..` after its Start here, and each stage's "Before you start" `cd`, from the
// previous stage's folder (or, for stage 01, from the repository's root), land in the stage's
// own folder; the `cd` the pages give for the repository's root does too.
func TestPagesChangeFolder(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	pwd := func(from, block string) string {
		t.Helper()
		first, _, _ := strings.Cut(block, "\n")
		if !strings.HasPrefix(first, "cd ") {
			t.Fatalf("the block %q does not start with cd", block)
		}
		out, err := shell(t, filepath.Join(root, from), nil, first+" && pwd")
		if err != nil {
			t.Fatalf("%s, from %s: %v\n%s", first, from, err, out)
		}
		return strings.TrimSpace(out)
	}
	if got := pwd("01-starting-point", readmeShellBlock(t, "../README.md", "It answers with the workers as JSON.")); got != root {
		t.Errorf("the root README's cd after Start here lands in %s, want the repository's root", got)
	}
	for _, s := range []struct{ stage, previous string }{
		{"01-starting-point", ""},
		{"02-dockerizing", "01-starting-point"},
		{"03-compose", "02-dockerizing"},
		{"07-swarm", "06-profiles"},
		{"08-shipping", "07-swarm"},
	} {
		page := "../" + s.stage + "/README.md"
		block := readmeShellBlock(t, page, "**Before you start:**")
		want := filepath.Join(root, s.stage)
		if got := pwd(s.previous, block); got != want {
			t.Errorf("%s's first cd, from %q, lands in %s, want %s", s.stage, s.previous, got, want)
		}
		if s.previous == "" {
			continue
		}
		// The page's words for the repository's root.
		data, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		fromRoot := "from the repository's root, it is `cd " + s.stage + "`"
		if !strings.Contains(strings.Join(strings.Fields(string(data)), " "), fromRoot) {
			t.Errorf("%s does not say %q", page, fromRoot)
		}
		if got := pwd("", "cd "+s.stage); got != want {
			t.Errorf("cd %s from the root lands in %s", s.stage, got)
		}
	}
}
