package harness

import (
	"strings"
	"testing"
)

func TestPlatformSetting(t *testing.T) {
	for _, c := range []struct {
		want, dockerDefault, update, pinned, says string
	}{
		{"", "", "", "", ""},
		{"", "linux/arm64", "", "", ""}, // a learner's own default platform is theirs to set
		{"", "", "1", "1", ""},
		{"linux/arm64", "linux/arm64", "", "", ""},
		{"linux/arm64/v8", "linux/arm64/v8", "", "", ""},
		{"linux/arm64", "", "", "", `DOCKER_DEFAULT_PLATFORM=""`},
		{"linux/arm64", "linux/amd64", "", "", "set both to the same platform"},
		{"arm64", "arm64", "", "", "is no platform"},
		{"linux/", "linux/", "", "", "is no platform"},
		{"linux/arm64/v8/x", "linux/arm64/v8/x", "", "", "is no platform"},
		{"linux/arm64", "linux/arm64", "1", "", "run it with neither"},
		{"linux/arm64", "linux/arm64", "", "1", "run it with neither"},
	} {
		got := platformSetting(c.want, c.dockerDefault, c.update, c.pinned)
		if (c.says == "") != (got == "") || !strings.Contains(got, c.says) {
			t.Errorf("platformSetting(%q, %q, %q, %q) = %q, want %q", c.want, c.dockerDefault, c.update, c.pinned, got, c.says)
		}
	}
}

func TestQemuArch(t *testing.T) {
	for arch, want := range map[string]string{"arm64": "aarch64", "amd64": "x86_64", "riscv64": "riscv64"} {
		if got := qemuArch(arch); got != want {
			t.Errorf("qemuArch(%q) = %q, want %q", arch, got, want)
		}
	}
}

func TestProgramArgs(t *testing.T) {
	for _, c := range []struct{ args, want string }{
		{"sleep 1", "sleep 1"},
		{"/usr/libexec/qemu-binfmt/aarch64-binfmt-P /usr/bin/sleep sleep 1", "sleep 1"},
		{"/usr/bin/qemu-aarch64-static /usr/bin/sleep sleep 1", "sleep 1"},
		{"/usr/libexec/qemu-binfmt/aarch64-binfmt-P /bin/sh", "/usr/libexec/qemu-binfmt/aarch64-binfmt-P /bin/sh"},
		{"/bin/sh /usr/local/bin/entrypoint.sh app", "/bin/sh /usr/local/bin/entrypoint.sh app"},
	} {
		if got := strings.Join(ProgramArgs(strings.Fields(c.args)), " "); got != c.want {
			t.Errorf("ProgramArgs(%q) = %q, want %q", c.args, got, c.want)
		}
	}
}
