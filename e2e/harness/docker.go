package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// CommandTimeout bounds one docker command; builds of a stage image take well under it.
const CommandTimeout = 10 * time.Minute

// Result is what one command printed, each stream apart, and how it ended.
type Result struct {
	Stdout, Stderr string
	Err            error
}

// Output is stdout, then stderr, as they are, for a test's own messages and checks. It is not
// what a terminal shows (there the two streams come interleaved): a capture of what a learner
// sees runs the command with shell() instead.
func (r Result) Output() string {
	if r.Stdout == "" || r.Stderr == "" || strings.HasSuffix(r.Stdout, "\n") {
		return r.Stdout + r.Stderr
	}
	return r.Stdout + "\n" + r.Stderr
}

// ExitCode is the command's exit status: 0 when it succeeded, -1 when it did not run or was
// ended by a signal.
func (r Result) ExitCode() int {
	if r.Err == nil {
		return 0
	}
	var exit *exec.ExitError
	if errors.As(r.Err, &exit) {
		return exit.ExitCode()
	}
	return -1
}

// Cmd describes a command to run.
type Cmd struct {
	Dir   string
	Env   []string // added to the environment of this process
	Stdin string
	Name  string
	Args  []string
}

// Run runs the command with the CommandTimeout and returns what it printed.
func (c Cmd) Run() Result {
	ctx, cancel := context.WithTimeout(context.Background(), CommandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.Name, c.Args...)
	cmd.Dir = c.Dir
	cmd.Env = append(os.Environ(), c.Env...)
	if c.Stdin != "" {
		cmd.Stdin = strings.NewReader(c.Stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		err = fmt.Errorf("%s %s: %w", c.Name, strings.Join(c.Args, " "), err)
	}
	return Result{Stdout: stdout.String(), Stderr: stderr.String(), Err: err}
}

// Docker runs `docker ARGS...`.
func Docker(args ...string) Result { return Cmd{Name: "docker", Args: args}.Run() }

// MustDocker runs `docker ARGS...` and fails the test, with its output, when it fails.
func MustDocker(t testing.TB, args ...string) string {
	t.Helper()
	r := Docker(args...)
	if r.Err != nil {
		t.Fatalf("%v\n%s", r.Err, r.Output())
	}
	return strings.TrimSpace(r.Stdout)
}

// MustTop runs `docker top ID -o COLUMNS`, the engine's ps of a container's processes, and
// fails the test when it fails. docker top runs ps on the engine's machine, not in the
// container: a machine without ps (a minimal one) is named, with the fix.
func MustTop(t testing.TB, id, columns string) string {
	t.Helper()
	r := Docker("top", id, "-o", columns)
	if r.Err != nil {
		if strings.Contains(r.Output(), `"ps": executable file not found`) {
			t.Fatalf("docker top runs ps on the engine's machine, and that machine has no ps: install procps there\n%s", r.Output())
		}
		t.Fatalf("%v\n%s", r.Err, r.Output())
	}
	return strings.TrimSpace(r.Stdout)
}

// RequireImage fails the test when a base image is missing, and says how to make it.
func RequireImage(t testing.TB, tag string) {
	t.Helper()
	if Docker("image", "inspect", tag).Err != nil {
		t.Fatalf("image %s is missing: run `make base-images` (it pulls or bakes the course's base images)", tag)
	}
}

// Build builds an image from dir (a Dockerfile inside it unless -f is in args) and removes
// it when the test ends.
func Build(t testing.TB, dir, tag string, args ...string) {
	t.Helper()
	all := append([]string{"build", "--label", Owner(), "-t", tag}, args...)
	all = append(all, dir)
	start := time.Now()
	MustDocker(t, all...)
	t.Logf("built %s in %s", tag, time.Since(start).Round(time.Millisecond))
	cleanup(t, func() { Docker("image", "rm", "-f", tag) })
}

// RunContainer starts `docker run -d` with the owner label and removes the container when
// the test ends. It returns the container id.
func RunContainer(t testing.TB, args ...string) string {
	t.Helper()
	all := append([]string{"run", "-d", "--label", Owner()}, args...)
	id := MustDocker(t, all...)
	cleanup(t, func() {
		if t.Failed() {
			t.Logf("logs of container %.12s:\n%s", id, Docker("logs", "--tail", "200", id).Output())
		}
		CheckPlatform(t, id)
		Docker("rm", "-f", "-v", id)
	})
	return id
}

// UniqueName is a docker-safe name unique to this process and test, with the owner pid,
// so that a later run can tell a crashed run's leftovers from a live run's resources.
func UniqueName(t testing.TB) string {
	n := seq.Add(1)
	name := strings.ToLower(t.Name())
	name = strings.Map(func(r rune) rune {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			return r
		}
		return '-'
	}, name)
	if len(name) > 30 {
		name = name[:30]
	}
	return fmt.Sprintf("%s%d-%d-%s", namePrefix, os.Getpid(), n, strings.Trim(name, "-"))
}

// CreateContainer creates (does not start) a container of image, to inspect or export its
// filesystem, and removes it when the test ends.
func CreateContainer(t testing.TB, image string) string {
	t.Helper()
	id := MustDocker(t, "create", "--label", Owner(), image)
	cleanup(t, func() { Docker("rm", "-f", "-v", id) })
	return id
}
