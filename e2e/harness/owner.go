package harness

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

const (
	// namePrefix starts the name of every compose project the harness makes.
	namePrefix = "bdc-e2e-"
	// OwnerLabel is set on images, containers, networks and volumes made outside compose, and
	// on the node of a swarm the tests made.
	OwnerLabel = "dev.base-docker-and-compose.e2e-owner"
	// composeProjectLabel is set by compose on everything it makes.
	composeProjectLabel = "com.docker.compose.project"
	// stackLabel is set by docker stack deploy on everything it makes.
	stackLabel = "com.docker.stack.namespace"
)

var seq atomic.Int64

// owner is a test run: its pid, the process space the pid is in (another machine's, or
// another PID namespace's pid means nothing here), and when it started.
type owner struct {
	pid   int
	space string // "" in a label written before spaces were recorded: this machine's, then
	start int64  // unix seconds; 0 when not recorded
}

// self is this run, from the moment the package is loaded (before any test makes anything).
var self = owner{pid: os.Getpid(), space: processSpace(), start: time.Now().Unix()}

// String is the value of the OwnerLabel: <pid>@<space>@<start>.
func (o owner) String() string { return fmt.Sprintf("%d@%s@%d", o.pid, o.space, o.start) }

// parseOwner reads an OwnerLabel's value: <pid>@<space>@<start>, or a plain pid as labels
// were written before (a run on this machine, start unknown).
func parseOwner(value string) (owner, bool) {
	f := strings.Split(strings.TrimSpace(value), "@")
	pid, err := strconv.Atoi(f[0])
	if err != nil || pid <= 0 {
		return owner{}, false
	}
	switch len(f) {
	case 1:
		return owner{pid: pid}, true
	case 3:
		start, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil || f[1] == "" || start < 0 {
			return owner{}, false
		}
		return owner{pid: pid, space: f[1], start: start}, true
	}
	return owner{}, false
}

// processSpace names where this process's pids mean something: the kernel's boot (the same
// in every container of a machine, another on another machine) and the PID namespace (a dev
// container has its own). Where /proc is missing (macOS), the host name.
func processSpace() string {
	return spaceOf(readLink("/proc/self/ns/pid"), readFile("/proc/sys/kernel/random/boot_id"), hostname())
}

func spaceOf(pidNS, bootID, host string) string {
	clean := func(s string) string {
		return strings.Map(func(r rune) rune {
			if (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || r == '.' || r == '-' {
				return r
			}
			return -1
		}, s)
	}
	// "pid:[4026531836]"; the inode alone is the same number on every machine's first
	// namespace, hence the boot id beside it.
	inode := clean(strings.TrimPrefix(strings.TrimSpace(pidNS), "pid:"))
	boot := clean(strings.ReplaceAll(strings.TrimSpace(bootID), "-", ""))
	if inode != "" && len(boot) >= 12 {
		return boot[:12] + "." + inode
	}
	if h := clean(host); h != "" {
		return h
	}
	return "unknown"
}

func readLink(p string) string { s, _ := os.Readlink(p); return s }
func readFile(p string) string { b, _ := os.ReadFile(p); return string(b) }
func hostname() string         { h, _ := os.Hostname(); return h }

// Owner is the --label that marks a resource as this run's, for the docker commands of the
// harness and of a test that runs one itself: the next run sweeps it if this one dies
// before removing it.
func Owner() string { return OwnerLabel + "=" + self.String() }

// alive reports whether a process with this pid may still run on this machine: a process of
// another user (EPERM) does.
func alive(pid int) bool { return aliveBy(pid, syscall.Kill) }

func aliveBy(pid int, kill func(int, syscall.Signal) error) bool {
	if pid <= 0 {
		return false // no process; kill(0) would ask about our own process group
	}
	if pid == os.Getpid() {
		return true
	}
	// Signal 0 checks only: ESRCH is no such process; EPERM is one we may not signal.
	err := kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// live reports whether the run o may still be running. A run of another process space (a dev
// container with the socket mounted, another machine through DOCKER_HOST) cannot be seen from
// here: it counts as live.
func (o owner) live(here string, alive func(int) bool) bool {
	if o.space != "" && o.space != here {
		return true
	}
	return alive(o.pid)
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

// runMarker is the volume by which a run shows other runs that it is live (the names it gives
// carry only its pid, which means nothing in another PID namespace). SweepLeftovers makes it
// and EndRun removes it; a dead run's goes like its other leftovers.
func runMarker() string { return fmt.Sprintf("%s%d-0-run", namePrefix, self.pid) }

// EndRun removes this run's marker, when the run ends (harness.Main).
func EndRun() { Docker("volume", "rm", "-f", runMarker()) }

// sweeper decides what is a dead run's: a resource is removed only when its owner is not
// live and it was made before the oldest live run started (no live run, even one this
// process cannot see, can have made it).
type sweeper struct {
	here       string
	alive      func(int) bool
	oldestLive time.Time
	// foreignPids are the pids of live runs of other spaces: a name with one of them may be
	// theirs.
	foreignPids map[int]bool
}

// newSweeper reads the runs the engine shows (the owner labels on its resources and runs'
// markers) and finds the oldest live one, this run included.
func newSweeper(labels []string, here string, alive func(int) bool, now owner) *sweeper {
	s := &sweeper{here: here, alive: alive, oldestLive: time.Unix(now.start, 0), foreignPids: map[int]bool{}}
	for _, l := range labels {
		o, ok := parseOwner(l)
		if !ok || !o.live(here, alive) {
			continue
		}
		if o.space != "" && o.space != here {
			s.foreignPids[o.pid] = true
		}
		if o.start > 0 && time.Unix(o.start, 0).Before(s.oldestLive) {
			s.oldestLive = time.Unix(o.start, 0)
		}
	}
	return s
}

// deadLabel reports whether a resource with this OwnerLabel value, made at created, is a dead
// run's.
func (s *sweeper) deadLabel(value string, created time.Time) bool {
	o, ok := parseOwner(value)
	return ok && !o.live(s.here, s.alive) && s.before(created)
}

// deadName reports whether a resource named by UniqueName (bdc-e2e-<pid>-…), made at created,
// is a dead run's. Its pid is read as this space's: the rule of the oldest live run keeps
// another space's live run's.
func (s *sweeper) deadName(name string, created time.Time) bool {
	pid := ownerOfProject(name)
	return pid != 0 && !s.foreignPids[pid] && !s.alive(pid) && s.before(created)
}

// before reports whether created is before the oldest live run's start; an unknown time
// (zero) is not.
func (s *sweeper) before(created time.Time) bool {
	return !created.IsZero() && created.Before(s.oldestLive)
}

// createdAt reads a resource's creation time with docker inspect (format: its field), or the
// zero time.
func createdAt(kind, format, id string) time.Time {
	r := Docker(kind, "inspect", "--format", format, id)
	if r.Err != nil {
		return time.Time{}
	}
	at, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(r.Stdout))
	if err != nil {
		return time.Time{}
	}
	return at
}

// The inspect field holding each kind's creation time.
var createdField = map[string]string{
	"container": "{{.Created}}",
	"network":   `{{.Created.Format "2006-01-02T15:04:05.999999999Z07:00"}}`,
	"volume":    "{{.CreatedAt}}",
	"image":     "{{.Created}}",
}

// lines splits docker's output into its non-empty lines.
func lines(out string) []string {
	return slices.DeleteFunc(strings.Split(out, "\n"), func(l string) bool { return strings.TrimSpace(l) == "" })
}

// SweepLeftovers removes what earlier test runs left behind when they died before their
// cleanups ran (a timeout panic, SIGKILL): a swarm they made, compose projects and stacks,
// containers, networks, volumes and images by name or by OwnerLabel, of a run that is not
// live and made before the oldest live run started. Then it marks this run as live.
func SweepLeftovers() (removed []string) {
	var labels []string
	for _, list := range [][]string{
		{"ps", "-a", "--format", `{{.Label "` + OwnerLabel + `"}}`},
		{"volume", "ls", "--format", `{{.Label "` + OwnerLabel + `"}}`},
		{"network", "ls", "--format", `{{.Label "` + OwnerLabel + `"}}`},
	} {
		labels = append(labels, lines(Docker(list...).Stdout)...)
	}
	images := map[string]string{} // id: owner label
	for _, id := range lines(Docker("image", "ls", "-q", "--no-trunc", "--filter", "label="+OwnerLabel).Stdout) {
		images[id] = strings.TrimSpace(Docker("image", "inspect", "--format", `{{index .Config.Labels "`+OwnerLabel+`"}}`, id).Stdout)
		labels = append(labels, images[id])
	}
	swarmOwner := swarmMark()
	labels = append(labels, swarmOwner)
	s := newSweeper(labels, self.space, alive, self)

	// A swarm a dead run made goes first: leaving it stops its stacks' tasks.
	if swarmOwner != "" && s.deadLabel(swarmOwner, createdAt("node", `{{.CreatedAt.Format "2006-01-02T15:04:05.999999999Z07:00"}}`, "self")) {
		removed = append(removed, leaveSwarm()...)
	}

	projects := map[string]bool{}
	for _, kind := range []struct{ kind, list, rm []string }{
		{[]string{"container"}, []string{"ps", "-a", "--format", `{{.ID}} {{.Label "` + composeProjectLabel + `"}}`}, nil},
		{[]string{"volume"}, []string{"volume", "ls", "--format", `{{.Name}} {{.Label "` + composeProjectLabel + `"}}`}, nil},
		{[]string{"network"}, []string{"network", "ls", "--format", `{{.ID}} {{.Label "` + composeProjectLabel + `"}}`}, nil},
	} {
		for _, line := range lines(Docker(kind.list...).Stdout) {
			id, p, _ := strings.Cut(line, " ")
			if ownerOfProject(p) != 0 && !projects[p] && s.deadName(p, createdAt(kind.kind[0], createdField[kind.kind[0]], id)) {
				projects[p] = true
			}
		}
	}
	for p := range projects {
		Docker("compose", "-p", p, "down", "-v", "--remove-orphans", "-t", "1")
		removed = append(removed, "project "+p)
	}
	// What scripts under test and stacks make by name (run-local.sh, run-dockered.sh, a
	// stack's volume, 07's image tags) carries no label, only a name that starts with one
	// made by UniqueName.
	for _, kind := range []struct {
		kind     string
		list, rm []string
	}{
		{"container", []string{"ps", "-a", "--filter", "name=" + namePrefix, "--format", "{{.Names}}"}, []string{"rm", "-f", "-v"}},
		{"volume", []string{"volume", "ls", "--filter", "name=" + namePrefix, "--format", "{{.Name}}"}, []string{"volume", "rm", "-f"}},
		{"network", []string{"network", "ls", "--filter", "name=" + namePrefix, "--format", "{{.Name}}"}, []string{"network", "rm"}},
		{"image", []string{"image", "ls", "--filter", "reference=" + namePrefix + "*", "--format", "{{.Repository}}:{{.Tag}}"}, []string{"image", "rm", "-f"}},
	} {
		for _, name := range lines(Docker(kind.list...).Stdout) {
			// docker's name filter matches anywhere in the name.
			if !strings.HasPrefix(name, namePrefix) {
				continue
			}
			if s.deadName(name, createdAt(kind.kind, createdField[kind.kind], name)) {
				Docker(append(append([]string{}, kind.rm...), name)...)
				removed = append(removed, kind.kind+" "+name)
			}
		}
	}
	for _, kind := range []struct {
		kind     string
		list, rm []string
	}{
		{"container", []string{"ps", "-a"}, []string{"rm", "-f", "-v"}},
		{"network", []string{"network", "ls"}, []string{"network", "rm"}},
		{"volume", []string{"volume", "ls"}, []string{"volume", "rm", "-f"}},
		{"image", []string{"image", "ls"}, []string{"image", "rm", "-f"}},
	} {
		args := append(append([]string{}, kind.list...), "--filter", "label="+OwnerLabel,
			"--format", `{{.ID}} {{.Label "`+OwnerLabel+`"}}`)
		if kind.kind == "volume" {
			args[len(args)-1] = `{{.Name}} {{.Label "` + OwnerLabel + `"}}`
		}
		all := lines(Docker(args...).Stdout)
		if kind.kind == "image" {
			all = nil
			for id, value := range images {
				all = append(all, id+" "+value)
			}
		}
		for _, line := range all {
			id, value, _ := strings.Cut(line, " ")
			if s.deadLabel(value, createdAt(kind.kind, createdField[kind.kind], id)) {
				Docker(append(append([]string{}, kind.rm...), id)...)
				removed = append(removed, kind.kind+" "+id)
			}
		}
	}
	removed = append(removed, putBackKept()...)
	Docker("volume", "create", "--label", Owner(), runMarker())
	return removed
}

// KeptPrefix starts a second name a test gives an image of the engine's while a page it runs
// removes the image's own name (zz_cleanup_test.go, the base images): a run killed in between
// leaves the image under that name alone, and the next puts the image's own name back.
const KeptPrefix = "bdc-cleanup-kept/"

func putBackKept() (removed []string) {
	for _, kept := range lines(Docker("image", "ls", "--format", "{{.Repository}}:{{.Tag}}").Stdout) {
		own, ok := strings.CutPrefix(kept, KeptPrefix)
		if !ok {
			continue
		}
		if Docker("image", "inspect", own).Err != nil && Docker("tag", kept, own).Err == nil {
			removed = append(removed, "image name "+kept+" (put back as "+own+")")
		}
		Docker("image", "rm", kept)
	}
	return removed
}
