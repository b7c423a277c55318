package harness

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
)

// make e2e-arm64 runs the stages' tests for another platform than the engine's own, as a
// learner on Apple Silicon runs them: E2E_PLATFORM names it (linux/arm64), and
// DOCKER_DEFAULT_PLATFORM, the same value, makes docker and compose build, pull and run for
// it. Then every container a test's project or RunContainer made is checked, before it is
// removed, to have run an image of that platform: else a test passing there would prove
// nothing of the platform.

// PlatformEnv is the variable that names the platform the run is for.
const PlatformEnv = "E2E_PLATFORM"

// containersChecked counts the containers CheckPlatform found of the wanted platform.
var containersChecked atomic.Int64

// WantPlatform is the platform the run is for ("linux/arm64"), or "" for the engine's own.
func WantPlatform() string { return os.Getenv(PlatformEnv) }

// platformSetting is the reason the run's platform settings cannot hold, or "" when they do:
// E2E_PLATFORM set without DOCKER_DEFAULT_PLATFORM naming the same platform would check
// containers docker made for the engine's own; with UPDATE_CAPTURES=1 it would write what an
// emulated run prints into the pages, which show what the pinned engine prints for its own.
func platformSetting(want, dockerDefault, updateCaptures string) string {
	if want == "" {
		return ""
	}
	if updateCaptures == "1" {
		return fmt.Sprintf("%s=%s and UPDATE_CAPTURES=1: the pages show what the engine prints for its own platform; record them without %s", PlatformEnv, want, PlatformEnv)
	}
	if strings.Count(want, "/") != 1 || strings.HasPrefix(want, "/") || strings.HasSuffix(want, "/") {
		return fmt.Sprintf("%s=%q is no platform: want os/architecture, as linux/arm64", PlatformEnv, want)
	}
	if dockerDefault != want {
		return fmt.Sprintf("%s=%s, but DOCKER_DEFAULT_PLATFORM=%q: set both to the same platform (make e2e-arm64 does)", PlatformEnv, want, dockerDefault)
	}
	return ""
}

// CheckPlatform checks that each container ran an image of WantPlatform's platform, by the
// platform of the image manifest it was created from (containerd image store). Where it runs
// on a machine of another architecture, a running container's process must be QEMU's
// emulator for it: the kernel hands the foreign executable to the interpreter binfmt_misc
// registered. Nothing is checked when the run is for the engine's own platform.
func CheckPlatform(t testing.TB, ids ...string) {
	t.Helper()
	want := WantPlatform()
	if want == "" {
		return
	}
	wantOS, arch, _ := strings.Cut(want, "/")
	for _, id := range ids {
		r := Docker("container", "inspect", "--format",
			"{{with .ImageManifestDescriptor}}{{with .Platform}}{{.OS}}/{{.Architecture}}{{end}}{{end}} {{.State.Running}} {{.State.Pid}}", id)
		if r.Err != nil {
			t.Errorf("container %.12s: %v\n%s", id, r.Err, r.Output())
			continue
		}
		fields := strings.Fields(r.Stdout)
		if len(fields) != 3 {
			t.Errorf("container %.12s ran an image of no platform the engine can tell (%q): %s needs the containerd image store", id, r.Stdout, PlatformEnv)
			continue
		}
		if fields[0] != wantOS+"/"+arch {
			t.Errorf("container %.12s ran an image for %s, want %s", id, fields[0], want)
			continue
		}
		if fields[1] == "true" && runtime.GOARCH != goArch(arch) {
			exe, err := readExe(fields[2])
			if err != nil {
				t.Logf("container %.12s: cannot tell which program runs it (%v): on Docker Desktop it runs in the virtual machine", id, err)
			} else if !strings.Contains(exe, "qemu-"+qemuArch(arch)) {
				t.Errorf("container %.12s of %s runs %s on this %s machine, want QEMU's qemu-%s", id, want, exe, runtime.GOARCH, qemuArch(arch))
				continue
			}
		}
		containersChecked.Add(1)
	}
}

func readExe(pid string) (string, error) { return os.Readlink("/proc/" + pid + "/exe") }

// goArch is Go's name for an OCI architecture (the same for the ones the course uses).
func goArch(arch string) string { return arch }

// qemuArch is the name QEMU gives an OCI architecture's emulator.
func qemuArch(arch string) string {
	switch arch {
	case "arm64":
		return "aarch64"
	case "amd64":
		return "x86_64"
	}
	return arch
}

// ContainersChecked is how many containers CheckPlatform found of the run's platform.
func ContainersChecked() int64 { return containersChecked.Load() }
