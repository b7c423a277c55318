//go:build multinode

package e2e

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"base-docker-and-compose/e2e/harness"
	"base-docker-and-compose/shared/worker"
)

// Stage 08's Part 4 beyond one node (make e2e-nodes): the image the page ships (built for
// amd64 and arm64, pushed to the page's registry, which wants a login, and signed by digest)
// deployed with the page's deploy.sh on the test's swarm of 3 nodes, each of which pulls it
// from that registry by digest, with the login deploy.sh hands the nodes.
//
// The digest names the registry as this machine reaches it, 127.0.0.1:PORT, where cosign
// checks the signature; on a node, 127.0.0.1 is the node itself. So each node forwards its own
// 127.0.0.1:PORT to the registry on the nodes' network (node.sh, REGISTRY_FORWARD), and pulls
// the image by the very name that was verified. With real machines, the registry has one name
// that every machine reaches, with TLS (the page says so).
func TestSwarmThreeNodesShipped(t *testing.T) {
	freeOfSwarmLeftovers(t)
	s := newShipStage(t)

	// Part 1: the registry, with its login; Part 2: the image for both platforms, pushed by
	// bake; Part 3: its signature. The page's commands, as written.
	for _, command := range []string{shipPassword, shipHtpasswd, shipRegistry} {
		s.mustRun(t, command)
	}
	s.waitForRegistry(t)
	started := time.Now()
	for _, command := range []string{shipLogin, shipBake, shipKeys} {
		s.mustRun(t, command)
	}
	image := s.set(t, "image", shipImage)
	s.mustRun(t, shipSign)
	t.Logf("%s built for amd64 and arm64, pushed and signed in %s", image, time.Since(started).Round(time.Second))
	raw := s.mustRun(t, "docker buildx imagetools inspect --raw "+image)
	var index struct {
		Manifests []struct {
			Platform struct{ OS, Architecture string }
		}
	}
	if err := json.Unmarshal([]byte(raw), &index); err != nil {
		t.Fatalf("%s: %v\n%s", image, err, raw)
	}
	var platforms []string
	for _, m := range index.Manifests {
		platforms = append(platforms, m.Platform.OS+"/"+m.Platform.Architecture)
	}
	if !slices.Contains(platforms, "linux/amd64") || !slices.Contains(platforms, "linux/arm64") {
		t.Fatalf("%s is no index of both platforms: %v", image, platforms)
	}

	// The nodes, their mirror holding the official images the stack names, and each node's
	// way to the page's registry.
	nodes := threeNodes(t, s.name, map[string]string{"postgres:17-trixie": "postgres:17-trixie", "haproxy:3.0": "haproxy:3.0"},
		s.forward())
	s.registryOn(t, s.name)
	manager := nodes[0]
	for _, n := range nodes {
		// Nothing of the app's is on a node before the deploy: what runs there, it pulled.
		if images := n.docker(t, "image", "ls", "-q"); images != "" {
			t.Fatalf("%s holds images before the deploy:\n%s", n.name, images)
		}
	}

	// Part 4: the page's deploy.sh, against the manager's engine, with the login docker login
	// stored for the registry. The image's signature is checked here, on this machine.
	initEnv(t, s.dir)
	out, err := shell(t, s.dir, append(slices.Clip(s.env), "DOCKER_HOST=unix://"+manager.socket), `image='`+image+`'; `+s.toTest(shipDeploy))
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, "[deploy] deploying "+image) {
		t.Fatalf("deploy.sh did not deploy %s:\n%s", image, out)
	}
	byNode := converged(t, manager, s.name)

	// Every node runs an app replica, from the signed digest, which it pulled from the
	// registry: the image for its own platform, found by the index's digest.
	_, digest, _ := strings.Cut(image, "@")
	for _, n := range nodes {
		if !slices.Contains(byNode[n.name], "app") {
			t.Errorf("%s runs no app replica: %v", n.name, byNode)
			continue
		}
		ids := strings.Fields(n.docker(t, "ps", "-q", "--filter", "label=com.docker.swarm.service.name="+s.name+"_app"))
		if len(ids) == 0 {
			t.Errorf("%s runs no app container, though the manager lists a running app task there: %v", n.name, byNode)
		}
		for _, id := range ids {
			// The name the container was created with, and the image it runs.
			ref, imageID, _ := strings.Cut(n.docker(t, "inspect", "--format", "{{.Config.Image}} {{.Image}}", id), " ")
			if ref != image {
				t.Errorf("an app container on %s was created from %s, want %s", n.name, ref, image)
			}
			// The image came from the registry by the index's digest (its RepoDigests), for
			// the node's own platform.
			pulled := n.docker(t, "image", "inspect", "--format", "{{json .RepoDigests}} {{.Os}}/{{.Architecture}}", imageID)
			if !strings.Contains(pulled, `"`+image+`"`) {
				t.Errorf("the image of an app container on %s was not pulled by %s: %s", n.name, digest, pulled)
			}
			if want := n.docker(t, "version", "--format", "{{.Server.Os}}/{{.Server.Arch}}"); !strings.HasSuffix(pulled, " "+want) {
				t.Errorf("%s runs the app from an image that is not for its platform %s: %s", n.name, want, pulled)
			}
			t.Logf("%s runs an app replica from %s, pulled as %s", n.name, imageID, pulled)
		}
	}

	// The app answers through the proxy, from the database.
	entry := entryNode(t, nodes, byNode)
	seedOnANode(t, nodes, byNode, s.name)
	_, body, err := harness.TryGet(fmt.Sprintf("http://127.0.0.1:%d/api/v1/workers/1", entry.port))
	var w worker.Worker
	first := worker.Dummies()[0]
	if err != nil || json.Unmarshal([]byte(body), &w) != nil || w.ID != 1 || w.Name != first.Name || w.Email != first.Email {
		t.Errorf("GET /api/v1/workers/1 through %s: %q (%v), want the first demo worker", entry.name, body, err)
	}
}
