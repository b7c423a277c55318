package e2e

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"base-docker-and-compose/e2e/harness"
)

// Stage 02's "Break it and see". The image and container are named as run-dockered.sh names
// them (workers-02-app on the page), under the test's own name here.

// buildStage02 runs the page's build command in a stage 02 copy, tagging the image tag, and
// removes the image when the test ends.
func buildStage02(t *testing.T, dir, tag string) {
	t.Helper()
	harness.RequireImage(t, "golang:1.26-trixie")
	t.Cleanup(func() { harness.Docker("image", "rm", "-f", tag) })
	start := time.Now()
	if out, err := shell(t, dir, nil, "docker build --build-context shared=../shared -t "+tag+" ."); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	t.Logf("built %s in %s", tag, time.Since(start).Round(time.Millisecond))
}

// runStage02 runs the page's `docker run -d --name NAME IMAGE [ARGS]` and removes the
// container when the test ends.
func runStage02(t *testing.T, dir, name, image string, args ...string) {
	t.Helper()
	t.Cleanup(func() { harness.Docker("rm", "-f", "-v", name) })
	command := strings.Join(append([]string{"docker run -d --name", name, image}, args...), " ")
	if out, err := shell(t, dir, nil, command); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}

// The shell form `CMD app` starts `/bin/sh -c app`: the shell is PID 1 and the app its child.
// `docker stop` sends SIGTERM to PID 1; a shell that is PID 1 has no handler for it, so the
// kernel drops it, nothing stops, and Docker kills the container with SIGKILL after its
// 10 s grace (exit status 137). The exec form, as the stage has it, makes the app PID 1.
func TestExercise02ShellFormCMD(t *testing.T) {
	t.Parallel()
	const stage = "02-dockerizing"
	dir := breakStage(t, exercise{stage, "break-shell-form-cmd", "Dockerfile", `CMD ["app"]`, `CMD app`})
	name := harness.UniqueName(t)
	app := name + "-app"
	buildStage02(t, dir, app)
	runStage02(t, dir, app, app)

	command := "docker exec " + app + " ps -p 1 -o args"
	out, err := shell(t, dir, nil, command)
	if err != nil || !strings.Contains(out, "/bin/sh -c app") {
		t.Fatalf("%v\n%s\nwant PID 1 to be /bin/sh -c app", err, out)
	}
	capture(t, stage, "break-shell-form-cmd", name, command, out)

	command = "docker stop " + app + " && docker inspect -f '{{.State.ExitCode}}' " + app
	start := time.Now()
	out, err = shell(t, dir, nil, command)
	took := time.Since(start)
	t.Logf("docker stop took %s", took.Round(time.Millisecond))
	if err != nil || !strings.HasSuffix(strings.TrimSpace(out), "\n137") {
		t.Fatalf("%v\n%s\nwant the container killed (exit status 137)", err, out)
	}
	// Docker's default grace is 10 s; bound it loosely, both ways.
	if took < 8*time.Second || took > 30*time.Second {
		t.Errorf("docker stop took %s, want about the 10 s grace", took)
	}
	capture(t, stage, "break-shell-form-cmd-stop", name, command, out)

	// The same image with its command in exec form (docker run's arguments are): the app is
	// PID 1, and stops on SIGTERM at once.
	execForm := name + "-exec"
	runStage02(t, dir, execForm, app, "app")
	if out := harness.MustDocker(t, "exec", execForm, "ps", "-p", "1", "-o", "args="); out != "app" {
		t.Errorf("in exec form, PID 1 is %q, want app", out)
	}
	assertStopsOnSIGTERM(t, execForm)
}

// -p 8080:8080, without an address, publishes the port on every interface of the machine
// (0.0.0.0, and [::] where the engine has IPv6): anyone on the network reaches the API. The
// test publishes on a free port instead of 8080, and shows it as 8080; it never dials it.
func TestExercise02PublishAllInterfaces(t *testing.T) {
	t.Parallel()
	harness.RequireImage(t, "postgres:17-trixie")
	harness.RequireImage(t, "golang:1.26-trixie")
	const stage = "02-dockerizing"
	dir := breakStage(t, exercise{stage, "break-publish-all-interfaces", "run-dockered.sh",
		`--publish "127.0.0.1:$PORT:8080"`, `--publish "$PORT:8080"`})
	name := harness.UniqueName(t)
	// Not shell: the test's context is cancelled before its cleanups run.
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("containers:\n%s\nlogs of %s-db:\n%s", harness.Docker("ps", "-a", "--filter", "name="+name, "--format", "{{.Names}} {{.Status}} {{.Networks}}").Output(),
				name, harness.Docker("logs", "--tail", "30", name+"-db").Output())
		}
		harness.Cmd{Dir: dir, Env: []string{"NAME=" + name}, Name: "./run-dockered.sh", Args: []string{"down"}}.Run()
	})
	ports, out, err := harness.WithFreePorts(t, 1, func(ports []int) (string, error) {
		return shell(t, dir, []string{"NAME=" + name, fmt.Sprintf("PORT=%d", ports[0])}, "./run-dockered.sh")
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	port := ports[0]

	command := "docker port " + name + "-app 8080"
	out, err = shell(t, dir, nil, command)
	if err != nil || !strings.Contains(out, fmt.Sprintf("0.0.0.0:%d", port)) || strings.Contains(out, "127.0.0.1") {
		t.Fatalf("%v\n%s\nwant the port published on 0.0.0.0", err, out)
	}
	capture(t, stage, "break-publish-all-interfaces", name, command, asPort8080(out, port))
}

// asPort8080 shows a test's host port as the page's 8080, wherever a binding names it
// (0.0.0.0:PORT, [::]:PORT, …): the normalisers of capture_test.go know 127.0.0.1 only.
func asPort8080(out string, port int) string {
	return regexp.MustCompile(fmt.Sprintf(`:%d\b`, port)).ReplaceAllString(out, ":8080")
}
