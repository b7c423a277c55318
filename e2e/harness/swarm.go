package harness

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// A swarm is engine-wide: `docker swarm init` makes the whole engine a manager, node labels
// and secrets are the swarm's, and leaving it removes every service on the engine. So the
// tests make one only where nothing of a contributor's can be touched, and one test at a
// time.

// SwarmOptIn is the variable that lets the swarm tests run on an engine
// .ci/provision-docker.sh did not start: E2E_SWARM=1.
const SwarmOptIn = "E2E_SWARM"

// swarmMu keeps the tests that use the engine's swarm state serial with each other, parallel
// or not.
var swarmMu sync.Mutex

// Refuse skips the test with the reason, or fails it under CI=true, where every test must run.
func Refuse(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true: "+format, args...)
	}
	t.Skipf(format, args...)
}

// SwarmRefusal says why the tests may not change this engine's swarm state; "" when they
// may: on the engine the tests provisioned, or with E2E_SWARM=1.
func SwarmRefusal() string {
	if os.Getenv(SwarmOptIn) == "1" {
		return ""
	}
	if why := NotProvisionedReason(); why != "" {
		return fmt.Sprintf("a swarm is engine-wide: swarm tests run only on the engine .ci/provision-docker.sh started, or with %s=1 (%s)", SwarmOptIn, why)
	}
	return ""
}

// Swarm makes the engine a one-node swarm for the test, marked as this run's (a node label,
// OwnerLabel, which the next run reads to take it down if this one dies), and takes it down
// when the test ends. The test is skipped (failed under CI=true) where the tests may not make
// a swarm (SwarmRefusal), or when the engine is in a swarm the tests did not make.
func Swarm(t testing.TB) {
	t.Helper()
	NoSwarm(t)
	InitSwarm(t)
}

// InitSwarm makes the engine, which NoSwarm holds for the test, a one-node swarm marked as
// this run's, and takes the swarm down when the test ends, if it is still there.
func InitSwarm(t testing.TB) {
	t.Helper()
	MustDocker(t, "swarm", "init", "--advertise-addr", "127.0.0.1")
	cleanup(t, func() {
		if swarmState() == "inactive" {
			return // left by the test itself (docs/cleanup.md leaves it)
		}
		if mark := swarmMark(); mark != self.String() {
			t.Errorf("the engine is in a swarm marked %q, not this run's: left alone", mark)
			return
		}
		leaveSwarm()
		if state := swarmState(); state != "inactive" {
			t.Errorf("after docker swarm leave --force the engine's swarm state is %q", state)
		}
	})
	// Between init and this label, a killed run leaves a swarm the next one cannot tell is
	// the tests': it refuses to run on it, and says so.
	MustDocker(t, "node", "update", "--label-add", Owner(), NodeID())
}

// NoSwarm holds the engine's swarm state for the test (one test at a time) and makes sure the
// engine is in no swarm: a swarm a dead test run made is taken down; the test is skipped
// (failed under CI=true) where the tests may not use the swarm state, or when the engine is in
// a swarm they did not make, or a live run's.
func NoSwarm(t testing.TB) {
	t.Helper()
	if why := SwarmRefusal(); why != "" {
		Refuse(t, "%s", why)
	}
	swarmMu.Lock()
	t.Cleanup(swarmMu.Unlock)
	switch state := swarmState(); state {
	case "inactive":
		return
	case "active":
		mark := swarmMark()
		o, ok := parseOwner(mark)
		switch {
		case !ok:
			Refuse(t, "the engine is in a swarm the tests did not make (no %s label on its node): they never touch it; leave it first (docker swarm leave --force) or use another engine", OwnerLabel)
		case o.live(self.space, alive):
			Refuse(t, "the engine is in the swarm of a live test run (%s): one swarm test at a time", mark)
		}
		leaveSwarm()
		if state := swarmState(); state != "inactive" {
			t.Fatalf("the swarm a dead test run made (%s) is still there after docker swarm leave --force: %q", mark, state)
		}
	default:
		Refuse(t, "the engine's swarm state is %q, not one the tests made: they never touch it", state)
	}
}

// NodeID is the engine's node in its swarm (docker node inspect takes "self"; docker node
// update does not).
func NodeID() string {
	return strings.TrimSpace(Docker("info", "--format", "{{.Swarm.NodeID}}").Stdout)
}

// swarmState is the engine's swarm state: inactive, active, pending, error, locked.
func swarmState() string {
	return strings.TrimSpace(Docker("info", "--format", "{{.Swarm.LocalNodeState}}").Stdout)
}

// swarmMark is the OwnerLabel of the engine's node when the engine manages a swarm, else "".
func swarmMark() string {
	if swarmState() != "active" {
		return ""
	}
	return strings.TrimSpace(Docker("node", "inspect", "self", "--format", `{{index .Spec.Labels "`+OwnerLabel+`"}}`).Stdout)
}

// leaveSwarm takes down a swarm the tests made, all of which is theirs: its stacks (their
// containers, then their volumes, which a stack's removal keeps), its secrets, its node's
// labels; then the engine leaves it, and the docker_gwbridge network leave keeps goes too
// (kept, it was seen to keep a stale masquerade rule for a later network on its subnet).
func leaveSwarm() (removed []string) {
	stacks := lines(Docker("stack", "ls", "--format", "{{.Name}}").Stdout)
	for _, stack := range stacks {
		Docker("stack", "rm", stack)
		removed = append(removed, "stack "+stack)
	}
	deadline := time.Now().Add(time.Minute)
	for _, stack := range stacks {
		for time.Now().Before(deadline) && Docker("ps", "-aq", "--filter", "label="+stackLabel+"="+stack).Stdout != "" {
			time.Sleep(200 * time.Millisecond)
		}
	}
	for _, secret := range lines(Docker("secret", "ls", "--format", "{{.Name}}").Stdout) {
		Docker("secret", "rm", secret)
		removed = append(removed, "secret "+secret)
	}
	for _, config := range lines(Docker("config", "ls", "--format", "{{.Name}}").Stdout) {
		Docker("config", "rm", config)
		removed = append(removed, "config "+config)
	}
	for _, label := range lines(Docker("node", "inspect", "self", "--format", `{{range $k, $v := .Spec.Labels}}{{$k}}{{"\n"}}{{end}}`).Stdout) {
		Docker("node", "update", "--label-rm", label, NodeID())
		removed = append(removed, "node label "+label)
	}
	if r := Docker("swarm", "leave", "--force"); r.Err == nil {
		removed = append(removed, "swarm")
	}
	if Docker("network", "rm", "docker_gwbridge").Err == nil {
		removed = append(removed, "network docker_gwbridge")
	}
	for _, stack := range stacks {
		for _, id := range lines(Docker("ps", "-aq", "--filter", "label="+stackLabel+"="+stack).Stdout) {
			Docker("rm", "-f", "-v", id)
			removed = append(removed, "container "+id)
		}
		for _, v := range lines(Docker("volume", "ls", "-q", "--filter", "label="+stackLabel+"="+stack).Stdout) {
			// A volume stays busy for a moment after its container is gone.
			for time.Now().Before(deadline) && Docker("volume", "rm", v).Err != nil && Docker("volume", "inspect", v).Err == nil {
				time.Sleep(200 * time.Millisecond)
			}
			removed = append(removed, "volume "+v)
		}
	}
	return removed
}
