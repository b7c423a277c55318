package e2e

import (
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
