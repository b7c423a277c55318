package harness

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// make e2e-arm64 runs the stages' tests for another platform than the engine's own, as a
// learner on Apple Silicon runs them: E2E_PLATFORM names it (linux/arm64), and
// DOCKER_DEFAULT_PLATFORM, the same value, makes docker and compose build, pull and run for
// it. Then the containers of a test's compose projects, those still there when the project
// is taken down at the test's end, and those RunContainer made are checked, before they are
// removed, to have run an image of that platform: else a test passing there would prove
// nothing of the platform. (Stage 02's tests check their own containers, which they make by
// name.)

// PlatformEnv is the variable that names the platform the run is for.
const PlatformEnv = "E2E_PLATFORM"

// containersChecked counts the containers CheckPlatform found of the wanted platform.
var containersChecked atomic.Int64

// WantPlatform is the platform the run is for ("linux/arm64"), or "" for the engine's own.
func WantPlatform() string { return os.Getenv(PlatformEnv) }

// platformSetting is the reason the run's platform settings cannot hold, or "" when they do:
// E2E_PLATFORM set without DOCKER_DEFAULT_PLATFORM naming the same platform would check
// containers docker made for the engine's own; with UPDATE_CAPTURES=1 it would write what an
// emulated run prints into the pages, which show what the pinned engine prints for its own,
// and with E2E_PINNED=1 it would fail every capture that an emulated run prints otherwise.
func platformSetting(want, dockerDefault, updateCaptures, pinned string) string {
	if want == "" {
		return ""
	}
	if parts := strings.Split(want, "/"); len(parts) < 2 || len(parts) > 3 || slices.Contains(parts, "") {
		return fmt.Sprintf("%s=%q is no platform: want os/architecture[/variant], as linux/arm64", PlatformEnv, want)
	}
	if dockerDefault != want {
		return fmt.Sprintf("%s=%s, but DOCKER_DEFAULT_PLATFORM=%q: set both to the same platform (make e2e-arm64 does)", PlatformEnv, want, dockerDefault)
	}
	if updateCaptures == "1" || pinned == "1" {
		return fmt.Sprintf("%s=%s with UPDATE_CAPTURES=1 or E2E_PINNED=1: the pages show what the engine prints for its own platform; run it with neither", PlatformEnv, want)
	}
	return ""
}

// engineArch is the engine's own architecture, in OCI's words (amd64, arm64).
var engineArch = sync.OnceValue(func() string {
	arch := strings.TrimSpace(Docker("info", "--format", "{{.Architecture}}").Stdout)
	switch arch {
	case "x86_64":
		return "amd64"
	case "aarch64":
		return "arm64"
	}
	return arch
})

// CheckPlatform checks that each container ran an image of WantPlatform's platform: the
// platform of the image manifest it was created from (containerd image store), or, for an
// image that is one manifest and no index, that image's own. Where the engine's machine is of
// another architecture and its processes can be read here (a local engine that shares this
// machine's process IDs), each process of a running container but Docker's init must be
// QEMU's emulator for it: the kernel hands a foreign executable to the interpreter
// binfmt_misc registered. Nothing is checked when the run is for the engine's own platform.
func CheckPlatform(t testing.TB, ids ...string) {
	t.Helper()
	want := WantPlatform()
	if want == "" {
		return
	}
	wantOS, rest, _ := strings.Cut(want, "/")
	arch, _, _ := strings.Cut(rest, "/")
	for _, id := range ids {
		r := Docker("container", "inspect", "--format", "{{json .ImageManifestDescriptor}} {{.Image}} {{.State.Running}} {{.Id}}", id)
		if r.Err != nil {
			t.Errorf("container %.12s: %v\n%s", id, r.Err, r.Output())
			continue
		}
		fields := strings.Fields(r.Stdout)
		if len(fields) != 4 {
			t.Errorf("container %.12s: %q, want its image manifest, its image, whether it runs and its id", id, r.Stdout)
			continue
		}
		var manifest struct {
			Platform *struct{ OS, Architecture string }
		}
		if err := json.Unmarshal([]byte(fields[0]), &manifest); err != nil {
			t.Errorf("container %.12s: its image manifest %s: %v", id, fields[0], err)
			continue
		}
		if manifest.Platform != nil {
			fields[0] = manifest.Platform.OS + "/" + manifest.Platform.Architecture
		} else {
			// An image that is one manifest, or an engine that gives none (the classic store):
			// the platform of the image itself.
			fields[0] = strings.TrimSpace(Docker("image", "inspect", "--format", "{{.Os}}/{{.Architecture}}", fields[1]).Stdout)
		}
		if fields[0] != wantOS+"/"+arch {
			t.Errorf("container %.12s ran an image for %s, want %s", id, fields[0], want)
			continue
		}
		if fields[2] == "true" && engineArch() != arch {
			if err := checkEmulated(fields[3], arch); err != nil && !errors.Is(err, ErrCannotTell) {
				t.Errorf("container %.12s of %s on this %s engine: %v", id, want, engineArch(), err)
				continue
			}
		}
		containersChecked.Add(1)
	}
}

// EngineArch is the engine's own architecture, in OCI's words (amd64, arm64).
func EngineArch() string { return engineArch() }

// ErrCannotTell is Emulated's answer where the container's processes cannot be read here:
// the engine runs in a virtual machine (Docker Desktop's) or in process IDs of its own (a
// rootless one), or the container ended meanwhile. The image's platform is all that can be
// checked there.
var ErrCannotTell = errors.New("which program runs the container's processes cannot be read here")

// Emulated checks, on an engine whose machine is not of arch, that every process of the
// running container id but Docker's init (compose's init: true) runs QEMU's emulator for
// arch: the kernel hands a foreign executable to the interpreter binfmt_misc registered. On an
// engine of arch itself there is nothing to check.
func Emulated(id, arch string) error {
	if engineArch() == arch {
		return nil
	}
	return checkEmulated(id, arch)
}

func checkEmulated(id, arch string) error {
	out := Docker("top", id, "-eo", "pid")
	if out.Err != nil {
		return fmt.Errorf("%w (docker top: %v)", ErrCannotTell, out.Err)
	}
	pids := lines(out.Stdout)
	if len(pids) < 2 {
		return fmt.Errorf("%w (docker top lists no process)", ErrCannotTell)
	}
	for _, pid := range pids[1:] {
		pid = strings.TrimSpace(pid)
		// The process is the container's only when its cgroup names the container: else the
		// engine's process IDs are not this machine's.
		cgroup, err := os.ReadFile("/proc/" + pid + "/cgroup")
		if err != nil || !strings.Contains(string(cgroup), id) {
			return fmt.Errorf("%w (process %s of docker top is not the container's here)", ErrCannotTell, pid)
		}
		exe, err := os.Readlink("/proc/" + pid + "/exe")
		if err != nil {
			return fmt.Errorf("%w (%v)", ErrCannotTell, err)
		}
		switch base := filepath.Base(exe); {
		case base == "docker-init" || base == "tini":
		case strings.Contains(exe, "qemu-"+qemuArch(arch)):
		default:
			return fmt.Errorf("process %s runs %s, want QEMU's qemu-%s", pid, exe, qemuArch(arch))
		}
	}
	return nil
}

// ProgramArgs are the arguments of a process as its program got them, from the args column
// of `docker top`: where QEMU runs the process for another platform (make e2e-arm64), that
// column starts with the interpreter binfmt_misc registered and the program's path, before
// the arguments the program got (flag P keeps its argv[0]).
func ProgramArgs(args []string) []string {
	if len(args) >= 3 && (strings.Contains(args[0], "qemu-") || strings.Contains(filepath.Base(args[0]), "-binfmt-")) {
		return args[2:]
	}
	return args
}

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
