//go:build bench

package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"base-docker-and-compose/e2e/harness"
)

// server is one HTTP server the bench loads: the app, or the ceiling beside it.
type server struct {
	pid       string // its container's main process, on the host: its network namespace
	published string // http://127.0.0.1:port, through Docker's published port
}

// netnsURL is the server's own loopback address, as wrk sees it inside the container's
// network namespace (WrkInNetns).
const netnsURL = "http://127.0.0.1:8080"

func serverOf(t *testing.T, id, published string) server {
	t.Helper()
	return server{pid: harness.MustDocker(t, "inspect", "-f", "{{.State.Pid}}", id), published: published}
}

// startCeiling builds and runs the ceiling (testdata/ceiling): a static Go server that
// answers every request with body, the app's own list answer, on the app's base images and
// through the same kind of published port. Nothing answers that request faster here.
func startCeiling(t *testing.T, body []byte) server {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"Dockerfile", "main.go"} {
		data, err := os.ReadFile(filepath.Join("testdata", "ceiling", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "body.json"), body, 0o644); err != nil {
		t.Fatal(err)
	}
	tag := harness.UniqueName(t)
	harness.Build(t, dir, tag)
	port := harness.FreePort(t)
	id := harness.RunContainer(t, "--read-only", "-p", fmt.Sprintf("127.0.0.1:%d:8080", port), tag)
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitHealthz(t, url+"/")
	if _, got := harness.Get(t, url+"/"); !bytes.Equal(got, body) {
		t.Fatalf("the ceiling answers %d bytes, not the app's %d", len(got), len(body))
	}
	return serverOf(t, id, url)
}

// containerCPU is the CPU time, in seconds, that a container's processes have used so far,
// read from the cgroup of its main process: cpuacct.usage (nanoseconds) on cgroup v1, as this
// machine has, or usage_usec in cpu.stat on cgroup v2.
func containerCPU(t *testing.T, pid string) float64 {
	t.Helper()
	data, err := os.ReadFile("/proc/" + pid + "/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	// read is the number in file: alone in it (v1), or on its line named by key (v2).
	read := func(file, key string) float64 {
		text, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(text)), "\n") {
			if v, ok := strings.CutPrefix(line, key); ok {
				if n, err := strconv.ParseFloat(v, 64); err == nil {
					return n
				}
			}
		}
		t.Fatalf("no CPU usage in %s: %q", file, text)
		return 0
	}
	var v2 string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		// hierarchy-ID:controllers:path
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		if slices.Contains(strings.Split(parts[1], ","), "cpuacct") {
			return read(filepath.Join("/sys/fs/cgroup", parts[1], parts[2], "cpuacct.usage"), "") / 1e9
		}
		if parts[0] == "0" && parts[1] == "" {
			v2 = parts[2]
		}
	}
	if v2 == "" {
		t.Fatalf("/proc/%s/cgroup: %q has neither a cpuacct nor a cgroup v2 line", pid, data)
	}
	return read(filepath.Join("/sys/fs/cgroup", v2, "cpu.stat"), "usage_usec ") / 1e6
}

// profileFigure is a CPU profile of the app taken under load, as docs/profiling.md takes one.
type profileFigure struct {
	route    string
	requests int    // answered while the profile ran
	flat     string // go tool pprof -top: where the CPU is spent, from its "Duration: …" line
	cum      string // go tool pprof -top -cum: which calls it is spent under
}

// benchProfiles restarts the app with its profiler on (PPROF_ADDR) and takes a 10 s CPU
// profile of each route while wrk loads it with 16 clients from inside the container's network
// namespace. The profile is fetched with the command docs/profiling.md gives: curl in a
// container that shares the app's network namespace, the only place the profiler answers.
func benchProfiles(t *testing.T, p *harness.Project, routes []string) []profileFigure {
	p.Override("services:\n  app-prod:\n    environment:\n      PPROF_ADDR: 127.0.0.1:6060\n")
	p.MustCompose("up", "-d", "--wait", "app-prod")
	id := p.MustCompose("ps", "-q", "app-prod")
	app := serverOf(t, id, "")
	dir := t.TempDir()
	var figures []profileFigure
	for i, route := range routes {
		harness.WrkInNetns(t, app.pid, netnsURL+route, 16, 3*time.Second) // warm-up
		load := harness.WrkCommand(harness.InNetns(app.pid), netnsURL+route, 16, 13*time.Second)
		var out bytes.Buffer
		load.Stdout, load.Stderr = &out, &out
		if err := load.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second)
		file := filepath.Join(dir, fmt.Sprintf("cpu-%d.pprof", i))
		fetch := exec.Command("docker", "run", "--rm", "--network", "container:"+id, "golang:1.26-trixie",
			"curl", "-fsS", "http://127.0.0.1:6060/debug/pprof/profile?seconds=10")
		profile, err := fetch.Output()
		werr := load.Wait() // before any failure: no wrk outlives the test
		if err != nil {
			t.Fatalf("profile of %s: %v", route, err)
		}
		res := harness.CheckWrk(t, load, out.Bytes(), werr)
		if err := os.WriteFile(file, profile, 0o644); err != nil {
			t.Fatal(err)
		}
		f := profileFigure{route: route, requests: res.Requests,
			flat: pprofTop(t, file, "-top", "-nodecount=15"), cum: pprofTop(t, file, "-top", "-cum", "-nodecount=25")}
		t.Logf("profile of %s under 16 clients (%d requests in wrk's 13 s):\n%s\n%s", route, res.Requests, f.flat, f.cum)
		figures = append(figures, f)
	}
	return figures
}

// pprofTop is the report of go tool pprof (the host's Go) on a profile file, from its
// "Duration" line on: the lines before name the file and the time it was taken.
func pprofTop(t *testing.T, file string, args ...string) string {
	t.Helper()
	out, err := exec.Command("go", append(append([]string{"tool", "pprof"}, args...), file)...).CombinedOutput()
	if err != nil {
		t.Fatalf("go tool pprof %v: %v\n%s", args, err, out)
	}
	text := string(out)
	if i := strings.Index(text, "Duration:"); i >= 0 {
		text = text[i:]
	}
	return strings.TrimRight(text, "\n")
}
