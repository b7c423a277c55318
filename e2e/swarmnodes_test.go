//go:build multinode

package e2e

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"base-docker-and-compose/e2e/harness"
)

// Stage 07 beyond one node, on this one machine (make e2e-nodes; not part of make test): a
// swarm of 3 engines, each in a privileged container of the engine under test and running
// the floor toolchain's engine (Debian trixie's docker.io; see testdata/swarm-node), on one
// network. The nodes get their images as real clusters do,
// from a registry: a registry:2 container that they use as their Docker Hub mirror, into which
// the test pushes the app's image and the official images the stack names. The stack is
// 07-swarm's, unchanged; one node that runs app replicas is stopped under load.

// node is one engine of the test's swarm.
type node struct {
	name   string // the container's name, and its host name on the network
	socket string // its engine's socket, on this machine
	port   int    // 127.0.0.1:port reaches its port 8080
}

func (n node) docker(t *testing.T, args ...string) string {
	t.Helper()
	return harness.MustDocker(t, append([]string{"-H", "unix://" + n.socket}, args...)...)
}

// freeOfSwarmLeftovers holds the engine's swarm state for the test, out of any swarm (where
// the tests may use it: harness.NoSwarm), and removes the docker_gwbridge network that a swarm
// this engine has left leaves behind. Left in place, the engine under test was seen to keep a stale rule that
// masquerades the traffic between containers of a later network with its old subnet: the
// nodes' VXLAN packets then arrive from the wrong address, and no overlay network works
// across nodes.
func freeOfSwarmLeftovers(t *testing.T) {
	t.Helper()
	harness.NoSwarm(t)
	if harness.Docker("network", "inspect", "docker_gwbridge").Err == nil {
		harness.MustDocker(t, "network", "rm", "docker_gwbridge")
	}
}

// threeNodes starts the test's swarm: the nodes' network and the registry they use as their
// Docker Hub mirror, into which it pushes the images of mirrored (a name the stack uses, such
// as postgres:17-trixie, to the local image pushed under it); then 3 nodes, each with env in
// its environment, joined by name, node1 the manager and labelled for the database.
func threeNodes(t *testing.T, name string, mirrored map[string]string, env ...string) []node {
	t.Helper()
	harness.Build(t, "testdata/swarm-node", name+"-node")
	harness.MustDocker(t, "network", "create", "--label", harness.Owner(), name)
	t.Cleanup(func() { harness.Docker("network", "rm", name) })

	// The mirror, reachable by the nodes as registry:5000 and by this machine on 127.0.0.1.
	registry := harness.RunContainer(t, "--name", name+"-mirror", "--network", name, "--network-alias", "registry",
		"-p", "127.0.0.1::5000", "registry:2")
	registryAddr := harness.MustDocker(t, "port", registry, "5000/tcp")
	registryAddr = strings.Fields(registryAddr)[0]
	started := time.Now()
	for _, image := range slices.Sorted(maps.Keys(mirrored)) {
		pushed := registryAddr + "/library/" + image
		harness.MustDocker(t, "tag", mirrored[image], pushed)
		harness.MustDocker(t, "push", "-q", pushed)
		harness.MustDocker(t, "image", "rm", pushed)
	}
	t.Logf("%d images pushed to the nodes' mirror in %s", len(mirrored), time.Since(started).Round(time.Second))

	var nodes []node
	for i := 1; i <= 3; i++ {
		n := node{name: fmt.Sprintf("node%d", i), socket: filepath.Join(t.TempDir(), "docker.sock")}
		args := []string{"--privileged", "--name", name + "-" + n.name, "--hostname", n.name,
			"--network", name, "--network-alias", n.name,
			"-v", filepath.Dir(n.socket) + ":/run/outer", "-p", "127.0.0.1::8080"}
		for _, e := range env {
			args = append(args, "-e", e)
		}
		id := harness.RunContainer(t, append(args, name+"-node")...)
		port := harness.MustDocker(t, "port", id, "8080/tcp")
		_, p, _ := strings.Cut(strings.Fields(port)[0], ":")
		n.port, _ = strconv.Atoi(p)
		nodes = append(nodes, n)
	}
	for _, n := range nodes {
		harness.Poll(t, time.Minute, 500*time.Millisecond, func() error {
			return harness.Docker("-H", "unix://"+n.socket, "info").Err
		})
	}
	t.Logf("nodes run Docker Engine %s", nodes[0].docker(t, "version", "--format", "{{.Server.Version}}"))

	// The swarm: node1 its manager, node2 and node3 workers, joined by name.
	manager := nodes[0]
	manager.docker(t, "swarm", "init", "--advertise-addr", "eth0")
	token := manager.docker(t, "swarm", "join-token", "-q", "worker")
	for _, n := range nodes[1:] {
		n.docker(t, "swarm", "join", "--token", token, "node1:2377")
	}
	manager.docker(t, "node", "update", "--label-add", "workers-db=true", "node1")
	// Every node ready before a deploy, so that the scheduler spreads the tasks over all 3.
	harness.Poll(t, time.Minute, 500*time.Millisecond, func() error {
		if states := manager.docker(t, "node", "ls", "--format", "{{.Status}}"); states != "Ready\nReady\nReady" {
			return fmt.Errorf("the nodes' states: %q", states)
		}
		return nil
	})
	return nodes
}

// runningTasks lists the services of a stack's running tasks by node, as the manager sees them.
func runningTasks(manager node, stack string) map[string][]string {
	// Before the first task is scheduled, stack ps finds nothing, and says so with an error.
	out := harness.Docker("-H", "unix://"+manager.socket, "stack", "ps", stack, "--filter", "desired-state=running",
		"--format", "{{.Name}} {{.Node}} {{.CurrentState}}").Stdout
	byNode := map[string][]string{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[2] == "Running" {
			service, _, _ := strings.Cut(strings.TrimPrefix(f[0], stack+"_"), ".")
			byNode[f[1]] = append(byNode[f[1]], service)
		}
	}
	for _, services := range byNode {
		slices.Sort(services)
	}
	return byNode
}

// countTasks counts a service's tasks in runningTasks' list.
func countTasks(byNode map[string][]string, service string) (n int) {
	for _, services := range byNode {
		for _, s := range services {
			if s == service {
				n++
			}
		}
	}
	return n
}

// converged waits until the stack runs its 3 app replicas, its database and its proxy, and
// returns where.
func converged(t *testing.T, manager node, stack string) map[string][]string {
	t.Helper()
	var byNode map[string][]string
	harness.Poll(t, 5*time.Minute, 2*time.Second, func() error {
		byNode = runningTasks(manager, stack)
		if countTasks(byNode, "app") != 3 || countTasks(byNode, "db") != 1 || countTasks(byNode, "proxy") != 1 {
			return fmt.Errorf("running tasks by node: %v", byNode)
		}
		return nil
	})
	t.Logf("running tasks by node: %v", byNode)
	return byNode
}

// entryNode is the node that runs the stack's proxy: the way in, on its port 8080. It waits
// until the list route answers there.
func entryNode(t *testing.T, nodes []node, byNode map[string][]string) node {
	t.Helper()
	for _, n := range nodes {
		if slices.Contains(byNode[n.name], "proxy") {
			url := fmt.Sprintf("http://127.0.0.1:%d/api/v1/workers", n.port)
			harness.Poll(t, time.Minute, time.Second, func() error {
				code, _, err := harness.TryGet(url)
				if err != nil || code != 200 {
					return fmt.Errorf("GET %s: %d %v", url, code, err)
				}
				return nil
			})
			return n
		}
	}
	t.Fatalf("no node runs the proxy: %v", byNode)
	return node{}
}

// seedOnANode writes the demo workers with seed_db, in an app task on its node.
func seedOnANode(t *testing.T, nodes []node, byNode map[string][]string, stack string) {
	t.Helper()
	for _, n := range nodes {
		if slices.Contains(byNode[n.name], "app") {
			app := strings.Fields(n.docker(t, "ps", "-q", "--filter", "label=com.docker.swarm.service.name="+stack+"_app"))
			n.docker(t, "exec", app[0], "app", "seed_db")
			return
		}
	}
	t.Fatalf("no node runs an app task: %v", byNode)
}

func TestSwarmThreeNodes(t *testing.T) {
	freeOfSwarmLeftovers(t)
	name := harness.UniqueName(t)

	// The stage, its image built as the README says.
	dir := copyStage(t, "07-swarm")
	initEnv(t, dir)
	// Built under a name of the run's (workers-api:1 may be the contributor's own), pushed
	// under the README's, which the stack names.
	local := name + "-api:1"
	if out, err := shell(t, dir, nil, imageCommand(swarmBuild, name+"-api")); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	t.Cleanup(func() { harness.Docker("image", "rm", local) })
	nodes := threeNodes(t, name, map[string]string{"workers-api:1": local,
		"postgres:17-trixie": "postgres:17-trixie", "haproxy:3.0": "haproxy:3.0"})
	manager := nodes[0]

	// The stack, deployed on the manager with the README's command.
	stack := "workers"
	env := []string{"DOCKER_HOST=unix://" + manager.socket}
	if out, err := shell(t, dir, env, swarmDeploy); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	before := converged(t, manager, stack)

	// The proxy's node is the way in; the node to stop runs app replicas, and neither the
	// proxy nor the database.
	entry := entryNode(t, nodes, before)
	var victim node
	for _, n := range nodes {
		services := before[n.name]
		if n != entry && !slices.Contains(services, "db") && slices.Contains(services, "app") {
			victim = n
			break
		}
	}
	if victim.name == "" {
		t.Fatalf("no node to stop that runs app replicas and neither the proxy nor the database: %v", before)
	}
	// The workers the load reads.
	seedOnANode(t, nodes, before, stack)

	l := startLoad(t, loadSpec{base: fmt.Sprintf("http://127.0.0.1:%d", entry.port), readers: 6, writers: 2,
		pause: 20 * time.Millisecond, writePause: 250 * time.Millisecond, limit: 10 * time.Minute, tag: "nodes"})
	l.settled(t, l.started, 5, 30*time.Second)
	stopped := time.Now()
	harness.MustDocker(t, "stop", name+"-"+victim.name)
	var after map[string][]string
	harness.Poll(t, 2*time.Minute, time.Second, func() error {
		after = runningTasks(manager, stack)
		if countTasks(after, "app") != 3 || len(after[victim.name]) != 0 {
			return fmt.Errorf("running tasks by node: %v", after)
		}
		return nil
	})
	rescheduled := time.Now()
	state := manager.docker(t, "node", "inspect", victim.name, "--format", "{{.Status.State}}")
	l.settled(t, time.Now(), 20, 30*time.Second)
	r := l.end(t, fmt.Sprintf("%s stopped, until its replicas run elsewhere", victim.name), stopped, rescheduled, loadWant{
		minReads: 100, minReadRate: 5, maxReadGap: 3 * time.Second,
		minWrites: 20, minWriteRate: 1, maxWriteGap: 5 * time.Second,
	})
	db := strings.Fields(manager.docker(t, "ps", "-q", "--filter", "label=com.docker.swarm.service.name="+stack+"_db"))
	if len(db) != 1 {
		t.Fatalf("%d database containers on %s, want 1", len(db), manager.name)
	}
	rows := manager.docker(t, "exec", db[0], "psql", "-U", "workers", "-d", "workers", "-tAc", rowsOfTagSQL("nodes"))
	assertWritesKept(t, "node stopped", r.writeResult, parseRows(t, rows))
	t.Logf("3 nodes; running tasks by node before: %v; after %s stopped: %v (its app replicas rescheduled %s after the stop; the node is %s)",
		before, victim.name, after, rescheduled.Sub(stopped).Round(time.Second), state)
	if state != "down" {
		t.Errorf("the stopped node is %q to the manager, want down", state)
	}
}
