package harness

import (
	"io/fs"
	"strings"
	"testing"
)

// files is a machine's /run as the provisioning script may have left it.
type files map[string]string

func (f files) read(name string) ([]byte, error) {
	if s, ok := f[name]; ok {
		return []byte(s), nil
	}
	return nil, fs.ErrNotExist
}

func TestProvisioned(t *testing.T) {
	const own = "unix:///run/bdc-docker/docker.sock"
	state := files{
		stateToolchainFile: "floor\n",
		stateEnvFile:       "# written by .ci/provision-docker.sh\nexport DOCKER_HOST='" + own + "'\nPATH=/opt/bdc-docker/bin:$PATH\n",
	}
	// Both engines at once: the current one in the state folder, the floor in its own.
	const floorSock = "unix:///run/bdc-docker/floor/docker.sock"
	two := files{
		stateToolchainFile: "current\n",
		stateEnvFile:       "DOCKER_HOST=" + own + "\n",
		floorToolchainFile: "floor\n",
		floorEnvFile:       "# written by .ci/provision-docker.sh\nDOCKER_HOST=" + floorSock + "\n",
	}
	floorOnly := files{floorToolchainFile: "floor\n", floorEnvFile: "DOCKER_HOST=" + floorSock + "\n"}
	legacy := files{legacyToolchainFile: "current\n"}
	both := files{legacyToolchainFile: "current\n"}
	for k, v := range state {
		both[k] = v
	}
	for _, tt := range []struct {
		name          string
		run           files
		host, context string
		offFloorNetns bool   // run outside the floor engine's network namespace
		want          string // the toolchain, "" when not provisioned
		why           string // a part of the reason when not
	}{
		{name: "nothing provisioned", run: files{}, why: "no /run/bdc-docker/toolchain or /run/bdc-docker/floor/toolchain"},
		{name: "Docker Desktop's context", run: files{}, context: "desktop-linux", why: "not started by"},
		{name: "own socket, DOCKER_HOST on it", run: state, host: own, want: "floor"},
		{name: "own socket, DOCKER_HOST unset", run: state, why: "DOCKER_HOST is unset"},
		{name: "own socket, DOCKER_HOST elsewhere", run: state, host: defaultSocket, why: "source /run/bdc-docker/env"},
		{name: "own socket, the stale legacy file is not enough", run: both, why: "DOCKER_HOST is unset"},
		{name: "own socket, no env file", run: files{stateToolchainFile: "current"}, host: own, why: "cannot be read"},
		{name: "own socket, env without DOCKER_HOST", run: files{stateToolchainFile: "current", stateEnvFile: "PATH=/x\n"}, host: own, why: "sets no DOCKER_HOST"},
		{name: "own socket, unquoted, last assignment wins", run: files{stateToolchainFile: "current", stateEnvFile: "DOCKER_HOST=unix:///old\nDOCKER_HOST=" + own + "\n"}, host: own, want: "current"},
		{name: "own socket, a toolchain the tests do not know", run: files{stateToolchainFile: "nightly", stateEnvFile: "DOCKER_HOST=" + own}, host: own, why: `"nightly"`},
		{name: "two engines, DOCKER_HOST on the current one's", run: two, host: own, want: "current"},
		{name: "two engines, DOCKER_HOST on the floor's", run: two, host: floorSock, want: "floor"},
		{name: "two engines, DOCKER_HOST on neither", run: two, host: defaultSocket,
			why: "the current engine's is " + own + " (source /run/bdc-docker/env); the floor engine's is " + floorSock + " (source /run/bdc-docker/floor/env)"},
		{name: "the floor alone", run: floorOnly, host: floorSock, want: "floor"},
		{name: "the floor alone, DOCKER_HOST unset", run: floorOnly, why: "DOCKER_HOST is unset"},
		{name: "the floor, outside its network namespace", run: two, host: floorSock, offFloorNetns: true, why: "run the tests through .ci/on-floor.sh"},
		{name: "the current engine, outside the floor's network namespace", run: two, host: own, offFloorNetns: true, want: "current"},
		{name: "two engines, the floor's env unreadable", run: files{stateToolchainFile: "current", stateEnvFile: "DOCKER_HOST=" + own, floorToolchainFile: "floor"}, host: floorSock, why: floorEnvFile + " cannot be read"},
		{name: "two engines, the floor's env without DOCKER_HOST", run: files{stateToolchainFile: "current", stateEnvFile: "DOCKER_HOST=" + own, floorToolchainFile: "floor", floorEnvFile: "PATH=/x\n"}, host: own, want: "current"},
		{name: "legacy, default socket implied", run: legacy, want: "current"},
		{name: "legacy, default socket named", run: legacy, host: defaultSocket, want: "current"},
		{name: "legacy, default context named", run: legacy, context: "default", want: "current"},
		{name: "legacy, another DOCKER_HOST", run: legacy, host: "tcp://127.0.0.1:2375", why: "DOCKER_HOST is tcp://127.0.0.1:2375"},
		{name: "legacy, another context", run: legacy, context: "desktop-linux", why: "DOCKER_CONTEXT is desktop-linux"},
		{name: "legacy, empty file", run: files{legacyToolchainFile: ""}, why: `""`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, why := provisioned(tt.host, tt.context, tt.run.read, func() bool { return !tt.offFloorNetns })
			if got != tt.want {
				t.Errorf("toolchain = %q (%s), want %q", got, why, tt.want)
			}
			if (why == "") != (tt.want != "") || !strings.Contains(why, tt.why) {
				t.Errorf("reason = %q, want one containing %q", why, tt.why)
			}
		})
	}
}

func TestUnpinnedReason(t *testing.T) {
	for _, tt := range []struct {
		pinnedVar, notProvisioned string
		want                      string // a part of the reason, "" when pinned
	}{
		{"1", "", ""},
		{"", "", "E2E_PINNED is not 1"},
		{"true", "", "E2E_PINNED is not 1"},
		{"1", "not started by us", "not started by us"},
		{"", "not started by us", "not started by us"},
	} {
		got := unpinnedReason(tt.pinnedVar, tt.notProvisioned)
		if (got == "") != (tt.want == "") || !strings.Contains(got, tt.want) {
			t.Errorf("unpinnedReason(%q, %q) = %q, want one containing %q", tt.pinnedVar, tt.notProvisioned, got, tt.want)
		}
	}
}

func TestEnvValue(t *testing.T) {
	for _, tt := range []struct{ sh, want string }{
		{"DOCKER_HOST=unix:///a\n", "unix:///a"},
		{"export DOCKER_HOST=\"unix:///b\"", "unix:///b"},
		{"  export DOCKER_HOST='unix:///c'  \n", "unix:///c"},
		{"DOCKER_HOSTS=x\n# DOCKER_HOST=y\n", ""},
		{"DOCKER_HOST=\n", ""},
		{"", ""},
	} {
		if got := envValue(tt.sh, "DOCKER_HOST"); got != tt.want {
			t.Errorf("envValue(%q) = %q, want %q", tt.sh, got, tt.want)
		}
	}
}
