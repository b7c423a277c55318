package e2e

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"base-docker-and-compose/e2e/harness"
)

// CONTRIBUTING.md says which Docker the course is tested on, one table row a toolchain.
// This test reads the versions of the toolchain it runs on from Docker itself and fails when
// that row does not name them: CONTRIBUTING.md cannot drift from what CI ran. It holds at the
// pinned level (`make ci`: E2E_PINNED=1 on the engine .ci/provision-docker.sh started); any
// other engine is whatever Docker a contributor has, which the table does not describe.
func TestToolchainIsTheOneCONTRIBUTINGSays(t *testing.T) {
	if why := harness.UnpinnedReason(); why != "" {
		// E2E_PINNED=1 on another engine is a run that means to prove the pinned toolchains
		// and cannot: a failure, not a skip.
		if os.Getenv("E2E_PINNED") == "1" {
			t.Fatalf("E2E_PINNED=1 asks for the pinned level, but %s", why)
		}
		t.Skipf("the table describes the pinned toolchains only, and this run is not pinned: %s", why)
	}
	readme, err := os.ReadFile("../CONTRIBUTING.md")
	if err != nil {
		t.Fatal(err)
	}
	toolchain := harness.Toolchain()
	// The table's header names its columns; the row of this toolchain gives a cell each.
	cells := func(line string) []string {
		parts := strings.Split(strings.Trim(line, "| "), "|")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		return parts
	}
	var header, row []string
	for _, line := range strings.Split(string(readme), "\n") {
		if strings.HasPrefix(line, "| Toolchain |") {
			header = cells(line)
		}
		if strings.HasPrefix(line, "| **"+toolchain+"**") {
			row = cells(line)
		}
	}
	if header == nil || len(row) != len(header) {
		t.Fatalf("CONTRIBUTING.md has no table of toolchains with a row for %s (| Toolchain | … and | **%s** | …)", toolchain, toolchain)
	}
	cell := map[string]string{}
	for i, name := range header {
		cell[name] = row[i]
	}
	// Debian's packages add their own suffixes (26.1.5+dfsg1, 2.26.1-4): CONTRIBUTING.md gives the
	// upstream version.
	upstream := regexp.MustCompile(`^v?(\d+\.\d+\.\d+)`)
	version := func(what, s string) string {
		m := upstream.FindStringSubmatch(strings.TrimSpace(s))
		if m == nil {
			t.Fatalf("%s: no version in %q", what, s)
		}
		return m[1]
	}
	buildx := strings.Fields(harness.MustDocker(t, "buildx", "version"))
	if len(buildx) < 2 {
		t.Fatalf("docker buildx version printed %q", buildx)
	}
	for column, want := range map[string]string{
		"Engine":      version("engine", harness.MustDocker(t, "version", "--format", "{{.Server.Version}}")),
		"CLI":         version("CLI", harness.MustDocker(t, "version", "--format", "{{.Client.Version}}")),
		"Compose":     version("compose", harness.MustDocker(t, "compose", "version", "--short")),
		"buildx":      version("buildx", buildx[1]),
		"runc":        version("runc", harness.MustDocker(t, "info", "--format", "{{.RuncCommit.ID}}")),
		"containerd":  version("containerd", harness.MustDocker(t, "info", "--format", "{{.ContainerdCommit.ID}}")),
		"Image store": harness.ImageStore(t),
	} {
		got := strings.TrimPrefix(cell[column], "v")
		if got != want && !strings.HasPrefix(got, want+" ") {
			t.Errorf("CONTRIBUTING.md's %s row says %s %q; this toolchain's is %s", toolchain, column, cell[column], want)
		}
	}
	t.Logf("%s: %v", toolchain, row)
}
