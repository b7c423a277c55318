#!/bin/sh
# Make one of the course's two Docker toolchains the engine that answers on this machine.
#
#   .ci/provision-docker.sh [current|floor]     (default: current)
#
# current: the Docker a learner installs today (versions in .ci/docker-toolchains.env), built
#          from the Go module proxy by .ci/build-docker-current.sh and kept between runs.
# floor:   the oldest Docker the course supports: Debian trixie's packages, unpacked with
#          dpkg -x next to bookworm's runc (trixie's runc needs a newer glibc).
#
# Our machines ship only a docker client. This script starts the chosen engine in the
# background (each toolchain with its own data root, so neither sees the other's images),
# stopping the other one first if this script started it. An engine it did not start (Docker
# Desktop, a distribution's service) is used as it is when it is recent enough, and is never
# stopped: then only the toolchain it is can be tested. The machine's apt sources are never
# edited: trixie is read through a private list.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=docker-toolchains.env
. "$here/docker-toolchains.env"

usage() {
	echo "usage: $0 [current|floor]" >&2
	exit 2
}
[ $# -le 1 ] || usage
toolchain=${1:-current}
case "$toolchain" in
current | floor) ;;
*) usage ;;
esac

PREFIX=${DOCKER_PREFIX:-/opt/bdc-docker}    # toolchains live here, kept between runs
DATA=${DOCKER_DATA:-/var/lib/bdc-docker}     # one data root per toolchain
LOG=${DOCKER_LOG:-/var/log/bdc-dockerd.log}  # dockerd's own log
ACTIVE=/run/bdc-docker.toolchain              # which toolchain this script started
PLUGINS=/usr/local/lib/docker/cli-plugins
# Our own client goes first on the PATH of what .ci/run and make start.
CLIENT=/usr/local/sbin/docker

say() { printf '[provision-docker] %s\n' "$*"; }

# version_ge A B: true when dotted version A >= B.
version_ge() {
	[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

print_versions() {
	say "toolchain: $toolchain"
	say "client:  $(docker version --format '{{.Client.Version}}')"
	say "engine:  $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')"
	say "compose: $(docker compose version --short)"
	say "buildx:  $(docker buildx version)"
	say "storage: $(docker info --format '{{.Driver}}'), image store: $(image_store)"
}

# image_store: "containerd" or "classic", as `docker info` reports the driver status.
image_store() {
	if docker info --format '{{json .DriverStatus}}' | grep -q 'io.containerd.snapshotter'; then
		echo containerd
	else
		echo classic
	fi
}

# unpack_trixie: Debian trixie's Docker packages under $PREFIX/trixie/root (both toolchains
# use its containerd and tini; the floor uses all of it).
unpack_trixie() {
	root=$PREFIX/trixie
	if [ "$(cat "$root/unpacked" 2>/dev/null)" = "$FLOOR_PACKAGES" ]; then
		return 0
	fi
	say "trixie packages unpacked into $root (apt sources untouched): $FLOOR_PACKAGES"
	apt_dir=$root/apt
	rm -rf "$root/root" "$apt_dir/debs"
	mkdir -p "$apt_dir/lists/partial" "$apt_dir/debs" "$root/root"
	echo "deb http://deb.debian.org/debian $FLOOR_SUITE main" >"$apt_dir/sources.list"
	set -- -o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null \
		-o "Dir::State::Lists=$apt_dir/lists" -o Debug::NoLocking=1
	apt-get "$@" update -qq
	# shellcheck disable=SC2086 # a word list on purpose
	(cd "$apt_dir/debs" && apt-get "$@" download $FLOOR_PACKAGES)
	for deb in "$apt_dir"/debs/*.deb; do
		dpkg -x "$deb" "$root/root"
	done
	echo "$FLOOR_PACKAGES" >"$root/unpacked"
}

# A stamp of the current toolchain's pins and of its build script (comments aside) names its
# folder, so a new pin or a changed build builds anew.
current_dir() {
	stamp=$({ grep '^CURRENT_' "$here/docker-toolchains.env" && grep -v '^[[:space:]]*#' "$here/build-docker-current.sh"; } | cksum | cut -d' ' -f1)
	echo "$PREFIX/current-$stamp"
}

ours_running() { [ -f "$ACTIVE" ] && docker info >/dev/null 2>&1; }

stop_ours() {
	pid=$(cat /var/run/docker.pid 2>/dev/null || true)
	# A pid file left by a dockerd that is gone may name another process by now.
	if [ -z "$pid" ] || [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != dockerd ]; then
		rm -f "$ACTIVE" /var/run/docker.sock /var/run/docker.pid
		return 0
	fi
	say "stopping the $(cat "$ACTIVE" 2>/dev/null || echo other) engine (pid $pid)"
	kill "$pid" 2>/dev/null || true
	i=0
	while kill -0 "$pid" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -le 60 ] || {
			say "dockerd $pid did not stop within 60 s"
			exit 1
		}
		sleep 1
	done
	rm -f "$ACTIVE" /var/run/docker.sock /var/run/docker.pid
}

# An engine this script did not start: use it if it is recent enough, never stop it.
if ! [ -f "$ACTIVE" ] && docker info >/dev/null 2>&1; then
	server=$(docker info --format '{{.ServerVersion}}')
	compose=$(docker compose version --short 2>/dev/null || echo 0)
	if version_ge "$server" 26 && version_ge "${compose#v}" 2.26 && docker buildx version >/dev/null 2>&1; then
		say "an engine this script did not start answers (engine $server, compose $compose); it is used as it is"
		say "only that one toolchain can be tested here; .ci/run needs a machine with no engine running"
		[ "$toolchain" = current ] || exit 1
		exit 0
	fi
	say "the engine that answers is too old (engine $server, compose $compose; the course needs engine >= 26, compose >= 2.26, buildx), and this script did not start it: stop it, then run this again"
	exit 1
fi

if [ "$(cat "$ACTIVE" 2>/dev/null)" = "$toolchain" ] && ours_running; then
	say "the $toolchain engine already answers"
	print_versions
	exit 0
fi

say "phase 1/3: host packages (iptables; bookworm's runc for the floor; libseccomp-dev to build runc)"
export DEBIAN_FRONTEND=noninteractive
need=""
command -v iptables >/dev/null 2>&1 || need="$need iptables"
command -v runc >/dev/null 2>&1 || need="$need runc"
[ -e /usr/include/seccomp.h ] || need="$need libseccomp-dev"
if [ -n "$need" ]; then
	apt-get update -qq
	# shellcheck disable=SC2086 # $need is a word list on purpose
	apt-get install -y -qq --no-install-recommends $need >/dev/null
fi

say "phase 2/3: the $toolchain toolchain"
unpack_trixie
trixie=$PREFIX/trixie/root
if [ "$toolchain" = current ]; then
	dir=$(current_dir)
	if [ -x "$dir/bin/dockerd" ]; then
		say "built before, kept in $dir"
	else
		"$here/build-docker-current.sh" "$dir"
	fi
	bin=$dir/bin
	plugins=$dir/bin
	client=$dir/bin/docker
	# dockerd finds runc, docker-proxy and its containerd on its PATH: ours first, then
	# trixie's containerd and tini (docker-init).
	engine_path=$bin:$trixie/usr/sbin:$trixie/usr/bin:$PATH
	data=$DATA/current
else
	plugins=$trixie/usr/libexec/docker/cli-plugins
	client=$trixie/usr/bin/docker
	engine_path=$trixie/usr/sbin:$trixie/usr/bin:$PATH
	data=$DATA/floor
fi

mkdir -p "$PLUGINS" "$(dirname "$CLIENT")"
ln -sf "$plugins/docker-compose" "$PLUGINS/docker-compose"
ln -sf "$plugins/docker-buildx" "$PLUGINS/docker-buildx"
ln -sf "$client" "$CLIENT"
hash -r # the shell may remember where it found docker before

say "phase 3/3: start the $toolchain dockerd (data root $data, log $LOG)"
stop_ours
if [ -S /var/run/docker.sock ]; then
	rm -f /var/run/docker.sock /var/run/docker.pid
fi
mkdir -p "$data"
echo "== $(date -u +%FT%TZ) $toolchain" >>"$LOG"
PATH=$engine_path nohup setsid dockerd --host unix:///var/run/docker.sock --data-root "$data" \
	>>"$LOG" 2>&1 </dev/null &
echo "$toolchain" >"$ACTIVE"
i=0
until docker info >/dev/null 2>&1; do
	i=$((i + 1))
	if [ "$i" -gt 60 ]; then
		say "dockerd did not answer within 60 s; last lines of $LOG:"
		tail -n 30 "$LOG" >&2
		exit 1
	fi
	sleep 1
done
print_versions
