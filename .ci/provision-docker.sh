#!/bin/sh
# Make sure a current Docker engine answers on this machine.
#
# Our machines ship only a docker *client*. When `docker info` already answers with an engine
# >= 25, Compose v2 >= 2.24 and buildx, this script changes nothing. (2.24: the e2e tests'
# override files use !reset and !override.) Otherwise it installs
# Debian trixie's dockerd, containerd, compose and buildx next to bookworm's runc (trixie's
# runc needs a newer glibc), starts the daemon in the background and waits for it.
# It never edits the machine's apt sources: trixie is read through a private list.
set -eu

PREFIX=${DOCKER_PREFIX:-/opt/bdc-docker}     # unpacked trixie packages live here
LOG=${DOCKER_LOG:-/var/log/bdc-dockerd.log}  # dockerd's own log
PLUGINS=/usr/local/lib/docker/cli-plugins
# tini is the engine's docker-init, which `init: true` and `docker run --init` start as PID 1.
PACKAGES="docker.io containerd docker-compose docker-buildx tini"

say() { printf '[provision-docker] %s\n' "$*"; }

# version_ge A B: true when dotted version A >= B.
version_ge() {
	[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

engine_ok() {
	server=$(docker info --format '{{.ServerVersion}}' 2>/dev/null) || return 1
	compose=$(docker compose version --short 2>/dev/null) || return 1
	docker buildx version >/dev/null 2>&1 || return 1
	version_ge "${server}" 25 && version_ge "${compose#v}" 2.24
}

print_versions() {
	say "engine:  $(docker info --format '{{.ServerVersion}}')"
	say "compose: $(docker compose version --short)"
	say "buildx:  $(docker buildx version)"
	say "storage: $(docker info --format '{{.Driver}}')"
}

if engine_ok; then
	say "a current engine already answers; nothing to do"
	print_versions
	exit 0
fi

say "phase 1/3: host packages (bookworm runc, iptables)"
export DEBIAN_FRONTEND=noninteractive
need=""
command -v runc >/dev/null 2>&1 || need="$need runc"
command -v iptables >/dev/null 2>&1 || need="$need iptables"
if [ -n "$need" ]; then
	apt-get update -qq
	# shellcheck disable=SC2086 # $need is a word list on purpose
	apt-get install -y -qq --no-install-recommends $need >/dev/null
fi

# The stamp lists what was unpacked, so a longer package list unpacks again.
if [ "$(cat "$PREFIX/unpacked" 2>/dev/null)" != "$PACKAGES" ]; then
	say "phase 2/3: trixie packages unpacked into $PREFIX (apt sources untouched)"
	apt_dir=$PREFIX/apt
	mkdir -p "$apt_dir/lists/partial" "$apt_dir/debs" "$PREFIX/root"
	echo 'deb http://deb.debian.org/debian trixie main' >"$apt_dir/sources.list"
	set -- -o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null \
		-o "Dir::State::Lists=$apt_dir/lists" -o Debug::NoLocking=1
	apt-get "$@" update -qq
	# shellcheck disable=SC2086 # $PACKAGES is a word list on purpose
	(cd "$apt_dir/debs" && apt-get "$@" download $PACKAGES)
	for deb in "$apt_dir"/debs/*.deb; do
		dpkg -x "$deb" "$PREFIX/root"
	done
	echo "$PACKAGES" >"$PREFIX/unpacked"
else
	say "phase 2/3: trixie packages already unpacked in $PREFIX"
fi

mkdir -p "$PLUGINS"
ln -sf "$PREFIX/root/usr/libexec/docker/cli-plugins/docker-compose" "$PLUGINS/docker-compose"
ln -sf "$PREFIX/root/usr/libexec/docker/cli-plugins/docker-buildx" "$PLUGINS/docker-buildx"

say "phase 3/3: start dockerd (log: $LOG)"
if [ -S /var/run/docker.sock ] && ! docker info >/dev/null 2>&1; then
	rm -f /var/run/docker.sock /var/run/docker.pid
fi
if ! docker info >/dev/null 2>&1; then
	# dockerd starts its own containerd from the PATH; runc comes from bookworm.
	PATH="$PREFIX/root/usr/sbin:$PREFIX/root/usr/bin:$PATH" \
		nohup setsid dockerd --host unix:///var/run/docker.sock >>"$LOG" 2>&1 </dev/null &
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
fi

if ! engine_ok; then
	say "the engine answers but is not current enough (need engine >= 25, compose >= 2.24, buildx)"
	exit 1
fi
print_versions
