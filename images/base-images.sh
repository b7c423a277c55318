#!/bin/sh
# Make the official base images the course names available under their official tags.
#
# For each tag: present locally -> kept; pullable -> pulled; neither -> a stand-in is baked
# from Debian packages and labelled as one. A real image is never replaced: a tag that is
# present is never rebuilt, except a stand-in of an older kind (one that lacks a platform
# the course now needs, below). Remove a stand-in (docker image rm TAG) to bake it again.
#
# Stage 08 builds its image for linux/amd64 and linux/arm64 on the distroless base, so where
# the image store holds multi-platform images (the containerd store) that stand-in is baked
# for both platforms under its one tag, an image index as the real one is; elsewhere (the
# classic store, which holds one platform a tag) for this machine's platform alone. Its
# SBOM comes from BuildKit's scanner image, docker/buildkit-syft-scanner:stable-1, whose
# stand-in runs the syft that .ci/install-tools.sh builds.
#
# usage: images/base-images.sh              make them available
#        images/base-images.sh --tags       list the tags, one a line
#        images/base-images.sh --registry   the same (registry:2, which the 3-node swarm test
#                                           and stage 08 use, is now always made available)
#        images/base-images.sh --arm64      then make the tags stages 02 to 06 build and run on
#                                           available for linux/arm64 too (make e2e-arm64)
#
# --arm64 needs the containerd image store. An official image gets its linux/arm64 image
# pulled beside the one it has. A stand-in is baked for linux/arm64 (under QEMU, which must be
# registered with the kernel: .ci/install-tools.sh does it) and joined to the one it has into
# one image index, as an official tag is: `docker buildx imagetools create`, on a registry:2
# of its own on a free 127.0.0.1 port, gone after. The tag's image for this machine's platform
# keeps its digest in the new index.
set -eu
# The platform of what this script pulls, builds and runs is the machine's own unless it names
# another (--platform): a DOCKER_DEFAULT_PLATFORM of the caller's (make e2e-arm64's) is not.
unset DOCKER_DEFAULT_PLATFORM

TAGS="debian:trixie-slim golang:1.26-trixie postgres:17-trixie gcr.io/distroless/static-debian13:nonroot haproxy:3.0 registry:2 httpd:2 docker/buildkit-syft-scanner:stable-1"
# The tags whose stand-in is made for every platform of PLATFORMS where the store allows it.
MULTI_PLATFORM_TAGS="gcr.io/distroless/static-debian13:nonroot"
PLATFORMS="linux/amd64 linux/arm64"
case "${1:-}" in
--tags)
	# shellcheck disable=SC2086 # a word list on purpose
	printf "%s\n" $TAGS
	exit 0
	;;
# Kept for the callers that still pass it (make e2e-nodes): registry:2 is always made now.
--registry) ;;
--arm64) ;;
"") ;;
*)
	echo "usage: $0 [--tags | --registry | --arm64]" >&2
	exit 2
	;;
esac

here=$(cd "$(dirname "$0")" && pwd)
STAND_IN_LABEL=dev.base-docker-and-compose.stand-in
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

say() { printf '[base-images] %s\n' "$*"; }
# fail: the reason goes to stderr, which every caller (the static checks, make) leaves on the
# terminal, even where it sends this script's progress lines to /dev/null.
fail() {
	printf '[base-images] %s\n' "$*" >&2
	exit 1
}

# pull TAG: docker pull, given at most PULL_TIMEOUT seconds, as a registry that stops
# answering must not hold the run. timeout(1) is not on a stock macOS: a watchdog job kills
# the pull instead (and its own sleep when the pull ends first). The pull's output goes to
# $pull_log, for the reason when it fails.
PULL_TIMEOUT=${PULL_TIMEOUT:-300}
pull_log=$(mktemp)
trap 'rm -f "$pull_log"' EXIT
# pull [--platform PLATFORM] TAG
pull() {
	docker pull -q "$@" >"$pull_log" 2>&1 &
	puller=$!
	# The watchdog's output goes nowhere: a job that outlives this script must not hold
	# open a pipe its caller reads (make's tee).
	(
		trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
		sleep "$PULL_TIMEOUT" &
		sleeper=$!
		wait "$sleeper"
		echo "no answer within $PULL_TIMEOUT s" >>"$pull_log"
		kill "$puller"
	) >/dev/null 2>&1 &
	watchdog=$!
	status=0
	# (its stderr: the shell's "Terminated" when the watchdog ended it; the log says why)
	{ wait "$puller"; } 2>/dev/null || status=$?
	kill "$watchdog" 2>/dev/null || true
	wait "$watchdog" 2>/dev/null || true
	return "$status"
}

origin() {
	note=$(docker image inspect --format "{{index .Config.Labels \"$STAND_IN_LABEL\"}}" "$1" 2>/dev/null || true)
	if [ -n "$note" ] && [ "$note" != "<no value>" ]; then echo "stand-in"; else echo "official"; fi
}

size() { docker image inspect --format '{{.Size}}' "$1" | awk '{ printf "%.1f MB", $1 / 1000000 }'; }

# multi_platform_store: true when the engine's image store holds several platforms under one
# tag (the containerd store; Docker Desktop's default, and Engine 29's) and its client can
# inspect one platform of an image (docker image inspect --platform, client 28.1 and newer).
multi_platform_store() {
	docker info --format '{{range .DriverStatus}}{{index . 1}} {{end}}' 2>/dev/null |
		grep -q 'io.containerd.snapshotter' &&
		docker image inspect --help 2>/dev/null | grep -q -- '--platform'
}

# platforms TAG: the --platform value to bake TAG for: every platform of PLATFORMS for the
# tags that need them, where the store holds them; empty (this machine's own) otherwise.
platforms() {
	case " $MULTI_PLATFORM_TAGS " in
	*" $1 "*) multi_platform_store && echo "$PLATFORMS" | tr ' ' ',' ;;
	esac
	return 0
}

# lacks_platform TAG: true when TAG is a stand-in that is missing one of the platforms it is
# now baked for (one baked before this script made them), naming the first one missing.
lacks_platform() {
	[ "$(origin "$1")" = stand-in ] || return 1
	[ -n "$(platforms "$1")" ] || return 1
	for platform in $PLATFORMS; do
		if ! docker image inspect --platform "$platform" "$1" >/dev/null 2>&1; then
			echo "$platform"
			return 0
		fi
	done
	return 1
}

# ensure TAG BAKE_FUNCTION
ensure() {
	tag=$1 why="not present and not pullable"
	if docker image inspect "$tag" >/dev/null 2>&1; then
		if ! missing=$(lacks_platform "$tag"); then
			say "$tag: present locally ($(origin "$tag"), $(size "$tag")), kept"
			return 0
		fi
		# The official image, when it can be pulled now, replaces it; else it is baked again.
		say "$tag: a stand-in without $missing, made again"
		why="not pullable"
	fi
	if pull "$tag"; then
		say "$tag: pulled ($(size "$tag"))"
		return 0
	fi
	say "$tag: $why ($(tail -n 1 "$pull_log")): baking a stand-in"
	start=$(date +%s)
	"$2" "$tag"
	say "$tag: stand-in baked in $(($(date +%s) - start)) s ($(size "$tag"))"
}

label() { echo "$STAND_IN_LABEL=baked from Debian packages by images/base-images.sh; not the official image"; }

bake_debian() {
	command -v debootstrap >/dev/null 2>&1 ||
		fail "debootstrap is needed to bake $1 where no registry answers: sudo apt-get install debootstrap (Linux only; elsewhere, let a registry answer)"
	rootfs=$(mktemp -d)
	trap 'rm -rf "$rootfs" "$pull_log"' EXIT
	# Like the official slim images: no docs, man pages or translations. For another platform's
	# architecture, debootstrap unpacks the packages (--foreign) and the second stage configures
	# them by running the target's own programs, which QEMU runs (binfmt_misc, flag F).
	if [ -n "$bake_platform" ]; then
		# chroot runs the target's programs here, by the interpreter binfmt_misc registered for
		# them; opened at registration (flag F), it need not be inside the new root.
		arch=${bake_platform#*/}
		binfmt=/proc/sys/fs/binfmt_misc/qemu-$(case "$arch" in arm64) echo aarch64 ;; *) echo "$arch" ;; esac)
		if ! grep -qx enabled "$binfmt" 2>/dev/null || ! grep -q '^flags:.*F' "$binfmt"; then
			fail "$1 for $bake_platform runs that platform's programs on this machine, and QEMU is not registered for them with flag F ($binfmt): .ci/install-tools.sh installs qemu-user-static and registers it"
		fi
		set -- "$1" --foreign --arch "$arch"
	else
		set -- "$1"
	fi
	image=$1
	shift
	status=0
	debootstrap --variant=minbase "$@" trixie "$rootfs" "$MIRROR" >"$rootfs.log" 2>&1 || status=$?
	if [ "$status" = 0 ] && [ -n "$bake_platform" ]; then
		chroot "$rootfs" /debootstrap/debootstrap --second-stage >>"$rootfs.log" 2>&1 || status=$?
	fi
	if [ "$status" != 0 ]; then
		tail -n 20 "$rootfs.log" >&2
		fail "debootstrap of $image${bake_platform:+ for $bake_platform} from $MIRROR failed (the end of its log is above; all of it: $rootfs.log)"
	fi
	set -- "$image"
	cp "$here/debian-slim.dpkg.cfg" "$rootfs/etc/dpkg/dpkg.cfg.d/docker-slim"
	rm -rf "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
		"$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb
	find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
	tar -C "$rootfs" -c . | docker import ${bake_platform:+--platform "$bake_platform"} \
		--change 'CMD ["bash"]' \
		--change "LABEL $(label | sed 's/=/="/; s/$/"/')" \
		- "$1" >/dev/null
	rm -rf "$rootfs" "$rootfs.log"
	trap 'rm -f "$pull_log"' EXIT
}

# build TAG DOCKERFILE [docker build options...]
# A stand-in is baked for this machine's platform, or for $bake_platform when it is set.
bake_platform=""
build() {
	image=$1 file=$2
	shift 2
	docker build -q --label "$(label)" ${bake_platform:+--platform "$bake_platform"} -t "$image" -f "$here/$file" "$@" >/dev/null
}

bake_golang() {
	goroot=$(go env GOROOT)
	version=$(go env GOVERSION)
	case "$version" in
	go1.26 | go1.26.*) ;;
	*) fail "the host's Go is $version; the golang:1.26-trixie stand-in is baked from Go 1.26.x at $goroot" ;;
	esac
	# For another platform, the same release of Go built for it: the Go module proxy serves
	# every release for every platform as the module golang.org/toolchain (how GOTOOLCHAIN
	# fetches one). A module's zip keeps no file modes: as the go command does when it switches
	# toolchains, the programs in a copy of it are made executable again.
	copy=""
	if [ -n "$bake_platform" ]; then
		module="golang.org/toolchain@v0.0.1-$version.$(echo "$bake_platform" | tr / -)"
		downloaded=$(go mod download -json "$module" 2>&1) || true
		dir=$(echo "$downloaded" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
		if [ -z "$dir" ] || [ ! -f "$dir/bin/go" ]; then
			fail "$module: not downloaded from the Go module proxy ($(go env GOPROXY)): $(echo "$downloaded" | sed -n 's/^[[:space:]]*"Error": "\(.*\)",*$/\1/p')"
		fi
		copy=$(mktemp -d)
		cp -R "$dir/." "$copy/"
		chmod -R u+w "$copy"
		chmod a+x "$copy"/bin/* "$copy"/pkg/tool/*/*
		goroot=$copy
	fi
	# The host's CA bundle lets `go mod download` inside builds trust this network's TLS proxy.
	status=0
	build "$1" golang.Dockerfile --build-arg "GOLANG_VERSION=${version#go}" \
		--build-context "goroot=$goroot" --build-context "certs=/etc/ssl/certs" "$here" || status=$?
	if [ -n "$copy" ]; then rm -rf "$copy"; fi
	return "$status"
}

bake_postgres() { build "$1" postgres/Dockerfile "$here/postgres"; }
# Its files are the same on every platform (it holds no binary): they are made once, on the
# build platform, and copied into an image per target platform.
bake_distroless_static() {
	wanted=$(platforms "$1")
	if [ -n "$wanted" ]; then
		build "$1" distroless-static.Dockerfile --platform "$wanted" "$here"
	else
		build "$1" distroless-static.Dockerfile "$here"
	fi
}
bake_haproxy() { build "$1" haproxy/Dockerfile "$here/haproxy"; }
bake_registry() { build "$1" registry/Dockerfile "$here/registry"; }
bake_httpd() { build "$1" httpd/Dockerfile "$here/httpd"; }
# BuildKit's SBOM scanner: the host's syft (.ci/install-tools.sh builds it from the Go module
# proxy, which does not serve the real scanner's module), added to a copy of its folder.
bake_syft_scanner() {
	if ! syft=$(command -v syft) || [ "$(uname -s)" != Linux ]; then
		fail "syft for Linux is needed to bake $1 where no registry answers: .ci/install-tools.sh builds it (Linux only; elsewhere, let a registry answer)"
	fi
	context=$(mktemp -d)
	cp "$here/buildkit-syft-scanner/syft-scanner.sh" "$syft" "$context/"
	status=0
	build "$1" buildkit-syft-scanner/Dockerfile "$context" || status=$?
	rm -rf "$context"
	[ "$status" = 0 ] || fail "baking $1 on $syft ($(syft version 2>/dev/null | awk '$1 == "Version:" { print $2 }')) failed"
}

# debian first: the other stand-ins are built on it. Those are independent of each other and
# spend most of their time downloading (Debian's packages, the Go toolchain's files): each is
# made side by side with the others, with a pull log of its own. A failure ends its own job
# with its reason on stderr, and this script with status 1 once all have ended.
ensure debian:trixie-slim bake_debian
jobs=""
# side_by_side ENSURE_FUNCTION TAG BAKE_FUNCTION: ENSURE_FUNCTION TAG BAKE_FUNCTION, as a job
# of its own, with a pull log of its own.
side_by_side() {
	(
		# shellcheck disable=SC2030 # the job's own log: the main shell keeps its own
		pull_log=$(mktemp)
		trap 'rm -f "$pull_log"' EXIT
		"$1" "$2" "$3"
	) &
	jobs="$jobs $!"
}
# wait_side_by_side: wait for every job side_by_side started; status 1 if one failed.
wait_side_by_side() {
	failed=false
	for job in $jobs; do
		wait "$job" || failed=true
	done
	jobs=""
	if [ "$failed" = true ]; then
		exit 1
	fi
}
side_by_side ensure golang:1.26-trixie bake_golang
side_by_side ensure postgres:17-trixie bake_postgres
side_by_side ensure gcr.io/distroless/static-debian13:nonroot bake_distroless_static
side_by_side ensure haproxy:3.0 bake_haproxy
side_by_side ensure registry:2 bake_registry
side_by_side ensure httpd:2 bake_httpd
side_by_side ensure docker/buildkit-syft-scanner:stable-1 bake_syft_scanner
wait_side_by_side
[ "${1:-}" = --arm64 ] || exit 0

# --- --arm64: the tags stages 02 to 06 build and run on, for linux/arm64 as well -------------
ARM64=linux/arm64
multi_platform_store ||
	fail "--arm64 needs an image store that holds several platforms under one tag, the containerd image store: Docker Desktop, Settings, General, 'Use containerd for pulling and storing images'; Docker Engine 29 uses it unless daemon.json turns it off (\"features\": {\"containerd-snapshotter\": false})"

# join TAG OTHER: make TAG one image index of the image it is and OTHER's (another platform's),
# as `docker buildx imagetools create` makes one on a registry: here a registry:2 of its own, on
# a free 127.0.0.1 port, gone after. TAG then points at the index, whose platforms are both
# pulled back; OTHER's tag is removed. The image TAG was stays in the index as it was.
# What a join leaves when it is stopped halfway (its registry, labelled, and the names it gave
# the images there) is removed by the next --arm64 run, before it joins anything.
JOIN_LABEL=dev.base-docker-and-compose.stand-in-join
join_leftovers() {
	docker ps -aq --filter "label=$JOIN_LABEL" | while read -r id; do docker rm -f -v "$id" >/dev/null; done
	docker image ls --format '{{.Repository}}:{{.Tag}}' | grep -E '^127\.0\.0\.1:[0-9]+/stand-in:(native|other|index)$' |
		while read -r ref; do docker image rm "$ref" >/dev/null; done
	return 0
}
join() {
	tag=$1 other=$2
	registry=$(docker run -d --rm --label "$JOIN_LABEL" -p 127.0.0.1::5000 registry:2)
	port=$(docker port "$registry" 5000/tcp | sed -n '1s/.*://p')
	ref=127.0.0.1:$port/stand-in
	join_log=$(mktemp)
	# shellcheck disable=SC2031 # the log of this shell or of the job it runs in, as in ensure_arm64
	trap 'docker rm -f -v "$registry" >/dev/null 2>&1; rm -f "$join_log" "$pull_log"' EXIT
	tries=0
	until curl -fsS -o /dev/null "http://127.0.0.1:$port/v2/" 2>/dev/null; do
		tries=$((tries + 1))
		[ "$tries" -lt 60 ] || fail "$tag: the registry that joins its platforms did not answer on 127.0.0.1:$port in 30 s"
		sleep 0.5
	done
	native=$(docker version --format '{{.Server.Os}}/{{.Server.Arch}}')
	status=0
	{
		docker tag "$tag" "$ref:native" &&
			docker tag "$other" "$ref:other" &&
			docker push -q "$ref:native" &&
			docker push -q "$ref:other" &&
			docker buildx imagetools create -t "$ref:index" "$ref:native" "$ref:other" &&
			docker pull -q --platform "$native" "$ref:index" &&
			docker pull -q --platform "$ARM64" "$ref:index" &&
			docker tag "$ref:index" "$tag"
	} >"$join_log" 2>&1 || status=$?
	docker image rm "$ref:native" "$ref:other" "$ref:index" >/dev/null 2>&1 || true
	docker rm -f -v "$registry" >/dev/null
	# shellcheck disable=SC2031 # as above
	trap 'rm -f "$pull_log"' EXIT
	if [ "$status" != 0 ]; then
		cat "$join_log" >&2
		rm -f "$join_log"
		fail "$tag: joining its $ARM64 stand-in ($other) to it failed (above)"
	fi
	rm -f "$join_log"
	docker image rm "$other" >/dev/null
}

# ensure_arm64 TAG BAKE_FUNCTION
ensure_arm64() {
	tag=$1
	if docker image inspect --platform "$ARM64" "$tag" >/dev/null 2>&1; then
		say "$tag: $ARM64 present locally, kept"
		return 0
	fi
	if [ "$(origin "$tag")" = official ]; then
		# shellcheck disable=SC2031 # this shell's or this job's own log (side_by_side)
		pull --platform "$ARM64" "$tag" ||
			fail "$tag: its $ARM64 image could not be pulled ($(tail -n 1 "$pull_log")), and an official image is never replaced by a stand-in: let a registry answer"
		say "$tag: $ARM64 pulled"
		return 0
	fi
	start=$(date +%s)
	# A run that stopped before the join left the stand-in it baked: it is joined as it is.
	other="bdc-stand-in-arm64-${tag##*/}"
	if docker image inspect --platform "$ARM64" "$other" >/dev/null 2>&1; then
		say "$tag: a stand-in without $ARM64: joining the one an earlier run baked ($other)"
	else
		say "$tag: a stand-in without $ARM64: baking one for it (its programs run under QEMU: minutes)"
		bake_platform=$ARM64
		"$2" "$other"
		bake_platform=""
	fi
	join "$tag" "$other"
	say "$tag: $ARM64 stand-in baked and joined in $(($(date +%s) - start)) s"
}

join_leftovers
# debian first, as above: the others are built on its arm64 image.
ensure_arm64 debian:trixie-slim bake_debian
side_by_side ensure_arm64 golang:1.26-trixie bake_golang
side_by_side ensure_arm64 postgres:17-trixie bake_postgres
side_by_side ensure_arm64 gcr.io/distroless/static-debian13:nonroot bake_distroless_static
wait_side_by_side
