package harness

import (
	"os"
	"strings"
	"testing"
)

// The course is tested on two Docker toolchains (.ci/docker-toolchains.env): "current", what
// a learner installs today, on which every capture the pages show is recorded; and "floor",
// the oldest Docker the course supports, where a capture whose text differs is kept apart
// (docs/captured/floor/) so that a page can say what an older Docker prints instead.

// activeToolchainFile is where .ci/provision-docker.sh records which engine it started.
const activeToolchainFile = "/run/bdc-docker.toolchain"

// Toolchain names the toolchain the tests run on: E2E_TOOLCHAIN when set, else the one
// .ci/provision-docker.sh started, else "current" (an engine the script did not start).
func Toolchain() string {
	if v := os.Getenv("E2E_TOOLCHAIN"); v != "" {
		return v
	}
	if b, err := os.ReadFile(activeToolchainFile); err == nil {
		if v := strings.TrimSpace(string(b)); v != "" {
			return v
		}
	}
	return "current"
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
