package harness

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Project is one compose project under a name unique to the test, taken down with its
// volumes when the test ends, with its logs printed first when the test failed.
type Project struct {
	t     testing.TB
	Name  string
	Dir   string   // where compose runs: the stage folder
	Files []string // -f files, relative to Dir; empty means compose's default file
	Env   []string // extra environment for every compose command
	// Profiles become --profile flags of every compose command.
	Profiles []string

	tempDirs []string // removed after the project is down
}

// NewProject prepares a compose project in dir. Nothing starts until Up.
func NewProject(t testing.TB, dir string, files ...string) *Project {
	t.Helper()
	p := &Project{t: t, Name: UniqueName(t), Dir: dir, Files: files}
	cleanup(t, func() {
		if t.Failed() {
			t.Logf("compose logs of %s:\n%s", p.Name, p.Logs())
		}
		if WantPlatform() != "" {
			// By the project's label: compose ps would need the project's files to load still.
			r := Docker("ps", "--all", "--quiet", "--filter", "label=com.docker.compose.project="+p.Name)
			if r.Err != nil {
				t.Errorf("the containers of %s, to check their platform: %v\n%s", p.Name, r.Err, r.Output())
			}
			CheckPlatform(t, lines(r.Stdout)...)
		}
		p.Down()
		for _, dir := range p.tempDirs {
			os.RemoveAll(dir)
		}
	})
	return p
}

func (p *Project) args(args ...string) []string {
	all := []string{"compose", "-p", p.Name}
	for _, f := range p.Files {
		all = append(all, "-f", f)
	}
	for _, profile := range p.Profiles {
		all = append(all, "--profile", profile)
	}
	return append(all, args...)
}

// ComposeArgs are the arguments of `docker` that run compose on this project, for a command
// a test runs itself (one that stays in the foreground, such as watch).
func (p *Project) ComposeArgs() []string { return p.args() }

// Compose runs `docker compose -p NAME [-f FILE...] ARGS...` in the project folder.
func (p *Project) Compose(args ...string) Result {
	return Cmd{Dir: p.Dir, Env: p.Env, Name: "docker", Args: p.args(args...)}.Run()
}

// MustCompose is Compose that fails the test, with the output, when the command fails.
func (p *Project) MustCompose(args ...string) string {
	p.t.Helper()
	r := p.Compose(args...)
	if r.Err != nil {
		p.t.Fatalf("%v\n%s", r.Err, r.Output())
	}
	return strings.TrimSpace(r.Stdout)
}

// Up builds what needs building and starts the services, waiting until every one is
// running and, where it has a healthcheck, healthy.
func (p *Project) Up(args ...string) {
	p.t.Helper()
	start := time.Now()
	p.MustCompose(append([]string{"up", "-d", "--build", "--wait"}, args...)...)
	p.t.Logf("%s up in %s", p.Name, time.Since(start).Round(time.Millisecond))
}

// UpOnFreePorts is Up with each of vars, variables the compose file publishes a host port
// from, set to a port of FreePort's; when Docker finds one taken meanwhile, it runs up
// again on new ports (WithFreePorts). It returns the ports, in the order of vars.
func (p *Project) UpOnFreePorts(vars ...string) []int {
	p.t.Helper()
	env := p.Env
	ports, out, err := WithFreePorts(p.t, len(vars), func(ports []int) (string, error) {
		p.Env = env
		for i, v := range vars {
			p.Env = append(p.Env, fmt.Sprintf("%s=%d", v, ports[i]))
		}
		r := p.Compose("up", "-d", "--build", "--wait")
		return r.Output(), r.Err
	})
	if err != nil {
		p.t.Fatalf("%v\n%s", err, out)
	}
	return ports
}

// Exec runs a command in a running service container (no TTY).
func (p *Project) Exec(service string, cmd ...string) Result {
	return p.Compose(append([]string{"exec", "-T", service}, cmd...)...)
}

// Logs returns the last lines of every service's logs.
func (p *Project) Logs() string {
	return p.Compose("logs", "--no-color", "--timestamps", "--tail", "200").Output()
}

// Down removes the project's containers, networks and volumes, and the images it built.
func (p *Project) Down() {
	if r := p.Compose("down", "-v", "--remove-orphans", "--rmi", "local", "-t", "5"); r.Err != nil {
		p.t.Logf("down: %v\n%s", r.Err, r.Output())
	}
}

// Addr returns the host address of a service port, as published by compose. Only a port
// published on 127.0.0.1 is accepted: the harness never dials any other address.
func (p *Project) Addr(service string, port int) string {
	p.t.Helper()
	out := p.MustCompose("port", service, strconv.Itoa(port))
	addr, err := loopbackAddr(out)
	if err != nil {
		p.t.Fatalf("port %d of %s: %v", port, service, err)
	}
	return addr
}

// loopbackAddr checks that host:port names 127.0.0.1.
func loopbackAddr(hostport string) (string, error) {
	host, port, err := net.SplitHostPort(strings.TrimSpace(hostport))
	if err != nil {
		return "", fmt.Errorf("not a host:port: %q", hostport)
	}
	if host != "127.0.0.1" {
		return "", fmt.Errorf("published on %s, not 127.0.0.1: publish it as 127.0.0.1::PORT", host)
	}
	if n, err := strconv.Atoi(port); err != nil || n == 0 {
		return "", fmt.Errorf("no host port in %q", hostport)
	}
	return net.JoinHostPort(host, port), nil
}

// Override adds a compose file with these contents after the project's own, as
// `docker compose -f compose.yaml -f override.yaml` does. Tests use it to publish ports on
// ephemeral host ports and to give named volumes names of their own, so that they never
// collide with each other or with a learner's project.
func (p *Project) Override(yaml string) {
	p.t.Helper()
	// Not t.TempDir: that is removed before the project's cleanup, whose down needs the file.
	dir, err := os.MkdirTemp("", "bdc-override-")
	if err != nil {
		p.t.Fatal(err)
	}
	p.tempDirs = append(p.tempDirs, dir)
	file := filepath.Join(dir, "override.yaml")
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		p.t.Fatal(err)
	}
	if len(p.Files) == 0 {
		p.Files = []string{"compose.yaml"}
	}
	p.Files = append(p.Files, file)
}
