package harness

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
)

const (
	// namePrefix starts the name of every compose project the harness makes.
	namePrefix = "bdc-e2e-"
	// OwnerLabel is set on images, containers, networks and volumes made outside compose.
	OwnerLabel = "dev.base-docker-and-compose.e2e-owner"
	// composeProjectLabel is set by compose on everything it makes.
	composeProjectLabel = "com.docker.compose.project"
)

var seq atomic.Int64

// Owner is the --label that marks a resource as this run's, for the docker commands of the
// harness and of a test that runs one itself: the next run sweeps it if this one dies
// before removing it.
func Owner() string { return fmt.Sprintf("%s=%d", OwnerLabel, os.Getpid()) }

// alive reports whether a process with this pid still runs on this machine.
func alive(pid int) bool {
	if pid <= 0 {
		return false // no process; kill(0) would ask about our own process group
	}
	if pid == os.Getpid() {
		return true
	}
	return syscall.Kill(pid, 0) == nil
}

// ownerOfProject returns the pid in a harness project name (bdc-e2e-<pid>-...), or 0.
func ownerOfProject(name string) int {
	rest, ok := strings.CutPrefix(name, namePrefix)
	if !ok {
		return 0
	}
	pid, _, _ := strings.Cut(rest, "-")
	n, err := strconv.Atoi(pid)
	if err != nil {
		return 0
	}
	return n
}

// SweepLeftovers removes what earlier test runs left behind when they died before their
// cleanups ran (a timeout panic, SIGKILL): compose projects and labelled resources whose
// owner pid is gone. Resources of live runs are left alone.
func SweepLeftovers() (removed []string) {
	projects := map[string]bool{}
	for _, kind := range [][]string{
		{"ps", "-a", "--format", `{{.Label "` + composeProjectLabel + `"}}`},
		{"volume", "ls", "--format", `{{.Label "` + composeProjectLabel + `"}}`},
		{"network", "ls", "--format", `{{.Label "` + composeProjectLabel + `"}}`},
	} {
		for _, p := range strings.Fields(Docker(kind...).Stdout) {
			if pid := ownerOfProject(p); pid != 0 && !alive(pid) {
				projects[p] = true
			}
		}
	}
	// What scripts under test make by name (run-local.sh, run-dockered.sh) carries no label,
	// only a name that starts with one made by UniqueName.
	for _, kind := range []struct{ what, list, rm []string }{
		{[]string{"container"}, []string{"ps", "-a", "--filter", "name=" + namePrefix, "--format", "{{.Names}}"}, []string{"rm", "-f", "-v"}},
		{[]string{"network"}, []string{"network", "ls", "--filter", "name=" + namePrefix, "--format", "{{.Name}}"}, []string{"network", "rm"}},
		{[]string{"image"}, []string{"image", "ls", "--filter", "reference=" + namePrefix + "*", "--format", "{{.Repository}}:{{.Tag}}"}, []string{"image", "rm", "-f"}},
	} {
		for _, name := range strings.Fields(Docker(kind.list...).Stdout) {
			if pid := ownerOfProject(name); pid != 0 && !alive(pid) {
				Docker(append(append([]string{}, kind.rm...), name)...)
				removed = append(removed, kind.what[0]+" "+name)
			}
		}
	}
	for p := range projects {
		Docker("compose", "-p", p, "down", "-v", "--remove-orphans", "-t", "1")
		removed = append(removed, "project "+p)
	}
	for _, kind := range []struct{ list, rm []string }{
		{[]string{"ps", "-a"}, []string{"rm", "-f", "-v"}},
		{[]string{"network", "ls"}, []string{"network", "rm"}},
		{[]string{"volume", "ls"}, []string{"volume", "rm", "-f"}},
		{[]string{"image", "ls"}, []string{"image", "rm", "-f"}},
	} {
		args := append(append([]string{}, kind.list...), "--filter", "label="+OwnerLabel,
			"--format", `{{.ID}} {{.Label "`+OwnerLabel+`"}}`)
		if kind.list[0] == "image" {
			args = append(append([]string{}, kind.list...), "--filter", "label="+OwnerLabel,
				"--format", "{{.ID}}")
		}
		for _, line := range strings.Split(strings.TrimSpace(Docker(args...).Stdout), "\n") {
			id, owner, _ := strings.Cut(line, " ")
			if id == "" {
				continue
			}
			if kind.list[0] == "image" {
				owner = Docker("image", "inspect", "--format", `{{index .Config.Labels "`+OwnerLabel+`"}}`, id).Stdout
			}
			if pid, err := strconv.Atoi(strings.TrimSpace(owner)); err == nil && !alive(pid) {
				Docker(append(append([]string{}, kind.rm...), id)...)
				removed = append(removed, kind.list[0]+" "+id)
			}
		}
	}
	return removed
}
