#!/bin/sh
# The preflight of the two test levels: names, in one message, every tool a level needs that
# this machine lacks, each with how to get it on Debian/Ubuntu, macOS and Windows (WSL 2), and
# says which Docker engine answers and whether it is the one .ci/provision-docker.sh started
# (the pinned toolchains) or any other (unpinned).
#
#   .ci/doctor.sh test       what `make test` needs (any Docker)
#   .ci/doctor.sh ci         what `make ci` needs besides (the pinned level, what .ci/run runs)
#   .ci/doctor.sh            both, as `make doctor` runs it; fails only for `make test`'s needs
#   .ci/doctor.sh --toolchain   print current or floor (the provisioned engine's), or unpinned
#
# It installs nothing: on a fresh Debian/Ubuntu machine, as root, .ci/run installs and
# provisions everything and then runs `make ci`.
set -eu
cd "$(dirname "$0")/.."

# provisioned: print the toolchain of the engine .ci/provision-docker.sh started when it is
# the one that answers here, and fail when it is not. The same rule as harness.Provisioned
# (e2e/harness/toolchain.go): each engine's state folder (the current one's, the floor's in
# it) names its own socket, which DOCKER_HOST must name; before the engine moved there, it
# answered on the default socket.
provisioned() {
	toolchain=""
	for state in /run/bdc-docker /run/bdc-docker/floor; do
		[ -f "$state/toolchain" ] || continue
		own=$(sed -n 's/^[[:space:]]*\(export[[:space:]][[:space:]]*\)\{0,1\}DOCKER_HOST=//p' "$state/env" 2>/dev/null |
			tail -n 1 | sed -e 's/[[:space:]]*$//' -e 's/^"\(.*\)"$/\1/' -e "s/^'\\(.*\\)'\$/\\1/")
		if [ -n "$own" ] && [ "${DOCKER_HOST:-}" = "$own" ]; then
			toolchain=$(cat "$state/toolchain")
			break
		fi
	done
	if [ -z "$toolchain" ] && ! [ -f /run/bdc-docker/toolchain ] && ! [ -f /run/bdc-docker/floor/toolchain ] &&
		[ -f /run/bdc-docker.toolchain ]; then
		case "${DOCKER_HOST:-}" in
		unix:///var/run/docker.sock) ;;
		"") case "${DOCKER_CONTEXT:-default}" in default) ;; *) return 1 ;; esac ;;
		*) return 1 ;;
		esac
		toolchain=$(cat /run/bdc-docker.toolchain)
	fi
	case "$toolchain" in
	current | floor) echo "$toolchain" ;;
	*) return 1 ;;
	esac
}

if [ "${1:-}" = --toolchain ]; then
	provisioned || echo unpinned
	exit 0
fi
case "${1:-}" in
test | ci | "") level=${1:-} ;;
*)
	echo "usage: $0 [test | ci | --toolchain]" >&2
	exit 2
	;;
esac

say() { printf '[doctor] %s\n' "$*"; }

# ge A B: true when the dotted version A is B or newer (numeric fields; BSD sort has no -V).
ge() {
	[ "$(printf '%s\n%s\n' "$1" "$2" | sort -t . -k 1,1n -k 2,2n -k 3,3n | head -n 1)" = "$2" ] ||
		[ "$1" = "$2" ]
}
# version TEXT: the first dotted number in TEXT (v5.5.0 -> 5.5.0, 2.29.1-desktop.1 -> 2.29.1).
version() { printf '%s\n' "$1" | sed -n 's/^[^0-9]*\([0-9][0-9]*\.[0-9][0-9]*\(\.[0-9][0-9]*\)\{0,1\}\).*/\1/p' | head -n 1; }
has() { command -v "$1" >/dev/null 2>&1; }

# missing_test and missing_ci collect one entry a missing tool, for the one message at the end.
missing_test="" missing_ci="" notes=""
# lack LEVEL WHAT WHY DEBIAN MACOS WSL
lack() {
	entry="
  - $2: $3
      Debian/Ubuntu: $4
      macOS:         $5
      WSL 2:         $6"
	if [ "$1" = test ]; then missing_test="$missing_test$entry"; else missing_ci="$missing_ci$entry"; fi
}
note() { notes="$notes
  - $*"; }

DOCKER_LINUX="Docker Engine with the compose and buildx plugins, from Docker's apt repository: https://docs.docker.com/engine/install/ (packages docker-ce docker-compose-plugin docker-buildx-plugin); Debian's own docker.io and docker-compose are too old"
DOCKER_MAC="Docker Desktop: https://docs.docker.com/desktop/ (or brew install --cask docker), then start it"
DOCKER_WSL="Docker Desktop on Windows with its WSL 2 backend, and this distribution turned on in Settings > Resources > WSL integration"
SAME="as on Debian/Ubuntu, inside the distribution"

# --- make test: any Docker ---------------------------------------------------------------
if ! has go; then
	lack test "go (1.26 or newer)" "builds and tests every module" \
		"https://go.dev/dl/ (the distributions' golang-go packages are older than 1.26)" "brew install go" "$SAME"
elif ! ge "$(version "$(go env GOVERSION)")" 1.26; then
	lack test "go 1.26 or newer (this is $(go env GOVERSION))" "the modules say go 1.26" \
		"https://go.dev/dl/" "brew upgrade go" "$SAME"
fi
if ! has cc && ! has gcc; then
	lack test "a C compiler" "stage 01's embedded SQLite is C code (cgo)" \
		"sudo apt-get install gcc" "xcode-select --install" "$SAME"
fi
has git || lack test "git" "the checks list the checkout's files with git ls-files" \
	"sudo apt-get install git" "xcode-select --install" "$SAME"
has curl || lack test "curl" "the tests run the pages' curl commands" \
	"sudo apt-get install curl" "part of macOS (or brew install curl)" "$SAME"
has script || lack test "script" "a test runs docker exec -it in a pseudo-terminal of its own" \
	"sudo apt-get install bsdutils (util-linux's script)" "part of macOS (/usr/bin/script)" "$SAME"
has diff || lack test "diff" "the docs generator and the captures' diffs" \
	"sudo apt-get install diffutils" "part of macOS" "$SAME"
COSIGN_GET="Debian sid's cosign package, whose binary needs only glibc 2.34 or newer (trixie's is 2.5, too old): as root, .ci/install-tools.sh installs it into /usr/local/bin, with the other tools make ci needs; or go install github.com/sigstore/cosign/v3/cmd/cosign@v3.1.3; or a release binary from https://github.com/sigstore/cosign/releases"
if ! has cosign; then
	lack test "cosign (3.0 or newer)" "stage 08 signs its image and checks the signature before it deploys" \
		"$COSIGN_GET" "brew install cosign" "$SAME"
else
	cosign_says=$(cosign version 2>/dev/null | awk '$1 == "GitVersion:" { print $2 }')
	cosign_is=$(version "$cosign_says")
	# Debian's build stamps no version ("GitVersion: devel"): such a build is taken for 3.0 or
	# newer when its sign command has version 3's default, --use-signing-config=true.
	if [ "$cosign_says" = devel ] && cosign sign --help 2>/dev/null | grep -q -- '--use-signing-config=true:'; then
		cosign_is=3.0
	fi
	ge "$cosign_is" 3.0 ||
		lack test "cosign 3.0 or newer (this one says GitVersion ${cosign_says:-nothing})" "stage 08's cosign commands (--use-signing-config) are version 3's" \
			"$COSIGN_GET" "brew upgrade cosign" "$SAME"
fi

engine="" pinned=""
if ! has docker; then
	lack test "docker (the CLI, with an engine, compose 2.26+ and buildx)" "every e2e test, the compose and Dockerfile checks" \
		"$DOCKER_LINUX" "$DOCKER_MAC" "$DOCKER_WSL"
else
	compose=$(docker compose version --short 2>/dev/null || true)
	if [ -z "$compose" ]; then
		lack test "docker compose (the plugin, 2.26 or newer)" "every stage from 03 runs with it" \
			"sudo apt-get install docker-compose-plugin (Docker's apt repository)" "comes with Docker Desktop" "comes with Docker Desktop"
	elif ! ge "$(version "$compose")" 2.26; then
		lack test "docker compose 2.26 or newer (this is $compose)" "the oldest Compose the course supports" \
			"sudo apt-get install docker-compose-plugin (Docker's apt repository)" "update Docker Desktop" "update Docker Desktop"
	fi
	buildx=$(docker buildx version 2>/dev/null || true)
	if [ -z "$buildx" ]; then
		lack test "docker buildx (the plugin)" "docker build with BuildKit, which every Dockerfile of the course needs" \
			"sudo apt-get install docker-buildx-plugin (Docker's apt repository)" "comes with Docker Desktop" "comes with Docker Desktop"
	fi
	if server=$(docker version --format '{{.Server.Version}}' 2>/dev/null) && [ -n "$server" ]; then
		engine=$server
		if ! ge "$(version "$server")" 26.1; then
			lack test "Docker Engine 26.1 or newer (this one is $server)" "the oldest engine the course supports" \
				"$DOCKER_LINUX" "update Docker Desktop" "update Docker Desktop"
		fi
		pinned=$(provisioned || true)
		if [ -n "$pinned" ]; then
			say "engine: $engine at ${DOCKER_HOST:-the default socket}, the one .ci/provision-docker.sh started (the $pinned toolchain): pinned when make ci runs on it"
		else
			say "engine: $engine at ${DOCKER_HOST:-the default context}, not started by .ci/provision-docker.sh: unpinned (the tests hold it to behaviour; a capture that differs is printed, not failed)"
		fi
	else
		hint="no Docker engine answers (docker version: $(docker version 2>&1 | grep -i -m 1 -E 'cannot|error|denied' || echo 'no server'))"
		if [ -f /run/bdc-docker/env ]; then
			hint="$hint; the engine .ci/provision-docker.sh started is named by /run/bdc-docker/env: . /run/bdc-docker/env"
		fi
		lack test "a running Docker engine" "$hint" \
			"sudo systemctl start docker, and add yourself to the docker group (sudo usermod -aG docker \$USER, then log in again); or, as root on a fresh machine, .ci/run" \
			"start Docker Desktop" "start Docker Desktop on Windows (WSL integration on for this distribution)"
	fi
	if [ -n "$engine" ]; then
		if ! docker build --help 2>/dev/null | grep -q -- '--check'; then
			note "docker build has no --check (buildx 0.15 or newer has it): make test leaves the Dockerfile lint out; make ci needs it"
			[ "$level" = test ] || lack ci "docker buildx 0.15 or newer (docker build --check)" "the Dockerfile lint" \
				"sudo apt-get install docker-buildx-plugin (Docker's apt repository)" "update Docker Desktop" "update Docker Desktop"
		fi
		base_missing=""
		for tag in $(images/base-images.sh --tags); do
			docker image inspect "$tag" >/dev/null 2>&1 || base_missing="$base_missing $tag"
		done
		if [ -n "$base_missing" ] && ! has debootstrap; then
			note "base images not here yet:$base_missing. images/base-images.sh pulls them; where no registry answers it bakes stand-ins, which needs debootstrap (sudo apt-get install debootstrap; Linux only)"
		fi
	fi
fi

# --- make ci: the pinned level -----------------------------------------------------------
if [ "$level" != test ]; then
	has shellcheck || lack ci "shellcheck" "lints every shell script" \
		"sudo apt-get install shellcheck" "brew install shellcheck" "$SAME"
	if ! has node; then
		lack ci "node (20 or newer)" "runs the Markdown lint and the mermaid check" \
			"sudo apt-get install nodejs npm" "brew install node" "$SAME"
	elif ! ge "$(version "$(node --version)")" 20; then
		lack ci "node 20 or newer (this is $(node --version))" "markdownlint-cli2 and mermaid need it" \
			"https://nodejs.org/en/download (or NodeSource's packages)" "brew upgrade node" "$SAME"
	fi
	has npm || lack ci "npm" "installs the pinned Markdown lint and mermaid packages into .cache" \
		"sudo apt-get install npm" "comes with brew install node" "$SAME"
	chromium=${CHROMIUM:-chromium}
	has "$chromium" || lack ci "chromium (or CHROMIUM=the path of a Chrome or Chromium)" "renders every mermaid diagram of the pages, headless" \
		"sudo apt-get install chromium (Debian); on Ubuntu, sudo snap install chromium" \
		"brew install --cask chromium, then CHROMIUM=/Applications/Chromium.app/Contents/MacOS/Chromium" "$SAME"
	if [ -n "$engine" ] && [ -z "$pinned" ]; then
		lack ci "the engine .ci/provision-docker.sh starts (the pinned toolchains)" \
			"make ci holds the captures byte for byte to the pinned versions and runs the floor; any other engine: make test" \
			"as root, .ci/provision-docker.sh, then . /run/bdc-docker/env (or .ci/run, which installs, provisions and runs make ci)" \
			"not provided: run make test on Docker Desktop; CI runs the pinned level on Linux" \
			"as on Debian/Ubuntu, as root inside the distribution, with Docker Desktop's integration off for it"
	fi
fi

[ -z "$notes" ] || say "notes:$notes"
status=0
if [ -n "$missing_test" ]; then
	say "make test cannot run here; missing:$missing_test" >&2
	status=1
fi
if [ -n "$missing_ci" ]; then
	say "make ci (the pinned level) also needs:$missing_ci" >&2
	[ "$level" != ci ] || status=1
	[ -n "$missing_test" ] || [ "$level" = ci ] || say "make test can run here."
fi
if [ "$status" = 0 ]; then
	case "$level" in
	test) say "ready for make test" ;;
	ci) say "ready for make ci" ;;
	*) [ -n "$missing_ci" ] || say "ready for make test and make ci" ;;
	esac
fi
exit "$status"
