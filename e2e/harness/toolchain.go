package harness

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// The course is tested on two Docker toolchains (.ci/docker-toolchains.env): "current", what
// a learner installs today, on which every capture the pages show is recorded; and "floor",
// the oldest Docker the course supports, where a capture whose text differs is kept apart
// (docs/captured/floor/) so that a page can say what an older Docker prints instead.
//
// Only an engine .ci/provision-docker.sh started is known to be one of them. Any other engine
// (Docker Desktop, a distribution's dockerd) is "unpinned": the tests of behaviour run on it,
// but its output is not expected to match the captures byte for byte.

// Unpinned is what Toolchain returns on an engine .ci/provision-docker.sh did not start.
const Unpinned = "unpinned"

// What .ci/provision-docker.sh leaves on the machine for the engines it started: a state
// folder each, the current engine's and, inside it, the floor's (which runs at the same time,
// in a network namespace of its own).
const (
	// stateToolchainFile holds "current" or "floor"; stateEnvFile is a sh file whose
	// DOCKER_HOST= line names that engine's own socket.
	stateToolchainFile = "/run/bdc-docker/toolchain"
	stateEnvFile       = "/run/bdc-docker/env"
	// The floor engine's, in the same form, and its network namespace, where the ports it
	// publishes answer (.ci/on-floor.sh runs the tests there).
	floorToolchainFile = "/run/bdc-docker/floor/toolchain"
	floorEnvFile       = "/run/bdc-docker/floor/env"
	floorNetns         = "/run/netns/bdc-floor"
	// legacyToolchainFile is where the script recorded the toolchain while its engine still
	// answered on the machine's default socket (kept until every machine has moved).
	legacyToolchainFile = "/run/bdc-docker.toolchain"
	defaultSocket       = "unix:///var/run/docker.sock"
)

// Provisioned reports whether the engine the tests talk to is one
// .ci/provision-docker.sh started: only then may a test change what is engine-wide (a swarm,
// a node label), and only then are its versions pinned.
func Provisioned() bool {
	_, why := provisioned(os.Getenv("DOCKER_HOST"), os.Getenv("DOCKER_CONTEXT"), os.ReadFile, inFloorNetns)
	return why == ""
}

// NotProvisionedReason says why Provisioned is false, for a test's skip message; "" when it
// is true.
func NotProvisionedReason() string {
	_, why := provisioned(os.Getenv("DOCKER_HOST"), os.Getenv("DOCKER_CONTEXT"), os.ReadFile, inFloorNetns)
	return why
}

// Pinned reports whether this run holds the engine to the pinned toolchains' level (`make ci`):
// E2E_PINNED=1 and a provisioned engine. Then a capture that differs fails, and
// CONTRIBUTING.md's table must name the engine's versions.
func Pinned() bool { return UnpinnedReason() == "" }

// UnpinnedReason says why Pinned is false; "" when it is true.
func UnpinnedReason() string {
	return unpinnedReason(os.Getenv("E2E_PINNED"), NotProvisionedReason())
}

func unpinnedReason(pinnedVar, notProvisioned string) string {
	switch {
	case notProvisioned != "":
		return notProvisioned
	case pinnedVar != "1":
		return "E2E_PINNED is not 1 (`make ci` sets it; `make test` holds any engine to behaviour only)"
	}
	return ""
}

// Toolchain names the toolchain the tests run on: "current" or "floor" on an engine
// .ci/provision-docker.sh started (as its state file says), else Unpinned.
func Toolchain() string {
	toolchain, why := provisioned(os.Getenv("DOCKER_HOST"), os.Getenv("DOCKER_CONTEXT"), os.ReadFile, inFloorNetns)
	if why != "" {
		return Unpinned
	}
	return toolchain
}

// inFloorNetns reports whether this process runs in the floor engine's network namespace.
func inFloorNetns() bool {
	self, err := os.Stat("/proc/self/ns/net")
	if err != nil {
		return false
	}
	floor, err := os.Stat(floorNetns)
	return err == nil && os.SameFile(self, floor)
}

// provisioned reads the provisioning script's state with read (os.ReadFile but in tests) and
// returns the toolchain of the engine it started at dockerHost, or why that engine is not one
// of them. onFloorNetns (inFloorNetns but in tests) tells whether the floor engine's ports
// answer here.
func provisioned(dockerHost, dockerContext string, read func(string) ([]byte, error), onFloorNetns func() bool) (toolchain, whyNot string) {
	const notOurs = "the engine that answers was not started by .ci/provision-docker.sh"
	var found bool
	var whys []string
	for _, state := range []struct{ engine, toolchainFile, envFile string }{
		{"the current engine's", stateToolchainFile, stateEnvFile},
		{"the floor engine's", floorToolchainFile, floorEnvFile},
	} {
		b, err := read(state.toolchainFile)
		if err != nil {
			continue
		}
		found = true
		// The script's engines have sockets of their own: one answers only where DOCKER_HOST
		// points there, as the env file it wrote sets it.
		env, err := read(state.envFile)
		if err != nil {
			whys = append(whys, state.envFile+" cannot be read: "+err.Error())
			continue
		}
		want := envValue(string(env), "DOCKER_HOST")
		if want == "" {
			whys = append(whys, state.envFile+" sets no DOCKER_HOST")
			continue
		}
		if dockerHost == want {
			toolchain, why := knownToolchain(b, state.toolchainFile)
			if toolchain == "floor" && !onFloorNetns() {
				return "", "the floor engine's published ports answer in its network namespace (" + floorNetns + "), not here: run the tests through .ci/on-floor.sh"
			}
			return toolchain, why
		}
		whys = append(whys, state.engine+" is "+want+" (source "+state.envFile+")")
	}
	if found {
		return "", notOurs + " (DOCKER_HOST is " + quoteOrUnset(dockerHost) + "; " + strings.Join(whys, "; ") + ")"
	}
	if b, err := read(legacyToolchainFile); err == nil {
		// Before the engine moved to its own socket, it answered on the default one.
		if dockerHost != "" && dockerHost != defaultSocket {
			return "", notOurs + " (DOCKER_HOST is " + dockerHost + ")"
		}
		if dockerHost == "" && dockerContext != "" && dockerContext != "default" {
			return "", notOurs + " (DOCKER_CONTEXT is " + dockerContext + ")"
		}
		return knownToolchain(b, legacyToolchainFile)
	}
	return "", notOurs + " (no " + stateToolchainFile + " or " + floorToolchainFile + ")"
}

// knownToolchain accepts only the toolchains the script knows: a file half written, or of
// another script's making, pins nothing.
func knownToolchain(b []byte, file string) (string, string) {
	switch v := strings.TrimSpace(string(b)); v {
	case "current", "floor":
		return v, ""
	default:
		return "", file + " names no toolchain the tests know: " + strconv.Quote(v)
	}
}

// envValue is the value the last assignment of name in a sh file of assignments gives it
// (`NAME=value`, `export NAME=value`, quoted or not); "" when there is none.
func envValue(sh, name string) string {
	value := ""
	for _, line := range strings.Split(sh, "\n") {
		line = strings.TrimSpace(line)
		line = strings.TrimSpace(strings.TrimPrefix(line, "export "))
		v, ok := strings.CutPrefix(line, name+"=")
		if !ok {
			continue
		}
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		value = v
	}
	return value
}

func quoteOrUnset(s string) string {
	if s == "" {
		return "unset"
	}
	return strconv.Quote(s)
}

// ImageStore is "containerd" or "classic": the engine's image store, which decides what
// `docker image ls` counts as an image's size.
func ImageStore(t testing.TB) string {
	t.Helper()
	if strings.Contains(MustDocker(t, "info", "--format", "{{json .DriverStatus}}"), "io.containerd.snapshotter") {
		return "containerd"
	}
	return "classic"
}
