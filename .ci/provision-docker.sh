#!/bin/sh
# Start one of the course's two Docker toolchains, under paths of its own, for the tests.
#
#   .ci/provision-docker.sh [current|floor]     (default: current)
#   . /run/bdc-docker/env                        (then docker, compose and buildx are current)
#   . /run/bdc-docker/floor/env                  (the floor's; .ci/on-floor.sh runs a command on it)
#
# current: the Docker a learner installs today (versions in .ci/docker-toolchains.env), built
#          from the Go module proxy by .ci/build-docker-current.sh and kept between runs.
# floor:   the oldest Docker the course supports: Debian trixie's packages, unpacked with
#          dpkg -x next to bookworm's runc (trixie's runc needs a newer glibc).
#
# The two run at once, each with a state folder of its own: $ROOT for the current engine,
# $ROOT/floor for the floor's. The floor's dockerd runs in a network namespace of its own
# ($NETNS): there it has its own firewall chains, default bridge and 127.0.0.1, so it shares
# none of them with the current engine. Its containers reach the network through a veth pair
# and the host's NAT (the rules below, each added once); its published ports answer in that
# namespace, where .ci/on-floor.sh runs what uses them.
#
# It runs on Linux, as root, with apt-get (Debian, Ubuntu). Everything it starts or writes is
# under its own paths: the toolchains in $PREFIX, their data roots in $DATA (one each, so
# neither sees the other's images), each engine's socket, pid file, exec root, daemon config,
# client and CLI config in its state folder, its log in $LOG (the floor's beside it). The
# machine's own Docker is neither used nor changed: not /var/run/docker.sock,
# /etc/docker/daemon.json, ~/.docker or the docker on the PATH. What runs against an engine
# sources its state folder's env, which sets DOCKER_HOST, DOCKER_CONFIG and PATH (.ci/run and
# `make ci` do).
#
# It stops only a dockerd it started (its pid file in a state folder). When any other dockerd
# runs on this machine (Docker's own service, a distribution's package) it starts none, since
# the current engine and that one would share the host's firewall chains and default bridge:
# use that engine with `make test`, or stop it yourself first. The machine's apt sources are
# never edited: trixie is read through a private list.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=docker-toolchains.env
. "$here/docker-toolchains.env"

say() { printf '[provision-docker] %s\n' "$*"; }
fail() {
	say "$*" >&2
	exit 1
}

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

# Before anything else: what this script cannot do here, and what to do instead.
case "$(uname -s)" in
Linux) ;;
Darwin) fail "this script starts Docker engines on Linux only. On macOS, start Docker Desktop (or another engine), check that \`docker info\` answers, and run \`make test\`: it tests the engine you have." ;;
*) fail "this script starts Docker engines on Linux only. Start the Docker you have (Docker Desktop on Windows runs the tests from WSL 2: see CONTRIBUTING.md), check that \`docker info\` answers, and run \`make test\`." ;;
esac
[ "$(id -u)" -eq 0 ] || fail "it starts dockerd, so it runs as root: sudo $0 $toolchain. Or run \`make test\` on the Docker you have."
command -v apt-get >/dev/null 2>&1 || fail "it installs what it needs with apt-get (Debian, Ubuntu). On another distribution, start its Docker (engine >= 26, compose >= 2.26, buildx) and run \`make test\`."

PREFIX=${DOCKER_PREFIX:-/opt/bdc-docker}   # toolchains live here, kept between runs
DATA=${DOCKER_DATA:-/var/lib/bdc-docker}    # one data root per toolchain
LOG=${DOCKER_LOG:-/var/log/bdc-dockerd.log} # the current dockerd's own log
ROOT=/run/bdc-docker                        # the engines' own paths, gone at reboot
NETNS=bdc-floor                             # the floor engine's network namespace
# The veth pair between the host and $NETNS, on addresses of RFC 2544's benchmarking range
# (198.18.0.0/15), which no LAN or VPN hands out.
VETH_HOST=bdcfloor0 VETH_NS=bdcfloor1
NET=198.18.203.0/30 HOST_ADDR=198.18.203.1 NS_ADDR=198.18.203.2
if [ "$toolchain" = current ]; then
	STATE=$ROOT
else
	STATE=$ROOT/floor
	LOG=${LOG%.log}-floor.log
fi
SOCK=$STATE/docker.sock
PIDFILE=$STATE/dockerd.pid
ACTIVE=$STATE/toolchain # the toolchain of the engine on $SOCK: current or floor
BIN=$STATE/bin          # the toolchain's docker client, alone (PATH)
CONFIG=$STATE/config    # DOCKER_CONFIG: its compose and buildx in cli-plugins/
# From here on, docker means the engine and client this script manages.
DOCKER_HOST=unix://$SOCK
DOCKER_CONFIG=$CONFIG
PATH=$BIN:$PATH
export DOCKER_HOST DOCKER_CONFIG PATH

# version_ge A B: true when dotted version A >= B.
version_ge() {
	[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

print_versions() {
	say "toolchain: $toolchain (DOCKER_HOST=$DOCKER_HOST; . $STATE/env to use it)"
	say "client:  $(docker version --format '{{.Client.Version}}')"
	say "engine:  $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')"
	say "compose: $(docker compose version --short)"
	say "buildx:  $(docker buildx version)"
	say "storage: $(docker info --format '{{.Driver}}'), image store: $(image_store)"
	[ "$toolchain" = current ] || say "network: namespace $NETNS, where its published ports answer (.ci/on-floor.sh COMMAND runs there)"
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
	# Both engines run files of it (containerd, tini): neither may run while they are replaced.
	stop_state "$ROOT"
	stop_state "$ROOT/floor"
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

# our_pid [PIDFILE]: the pid of the dockerd this script started with that pid file ($PIDFILE,
# this toolchain's, by default), if it still runs (a pid file left by one that is gone may
# name another process by now).
our_pid() {
	file=${1:-$PIDFILE}
	pid=$(cat "$file" 2>/dev/null || true)
	if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ] &&
		tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "--pidfile $file"; then
		echo "$pid"
	fi
}

# other_dockerds: every dockerd of this machine's own PID namespace but the two this script
# starts (an engine in a container, as `make e2e-nodes` runs, is not one: it has a namespace
# of its own).
other_dockerds() {
	ours="$(our_pid "$ROOT/dockerd.pid") $(our_pid "$ROOT/floor/dockerd.pid")"
	self_ns=$(readlink /proc/self/ns/pid)
	for comm in /proc/[0-9]*/comm; do
		[ "$(cat "$comm" 2>/dev/null)" = dockerd ] || continue
		dir=${comm%/comm}
		pid=${dir#/proc/}
		case " $ours " in *" $pid "*) continue ;; esac
		[ "$(readlink "$dir/ns/pid" 2>/dev/null)" = "$self_ns" ] || continue
		echo "$pid"
	done
}

# An engine an earlier version of this script started on Docker's default socket (with its
# data root in $DATA, its toolchain in /run/bdc-docker.toolchain, links in /usr/local): it is
# ours, so it is stopped and what it linked into /usr/local is removed, once.
retire_old_layout() {
	[ -f /run/bdc-docker.toolchain ] || return 0
	pid=$(cat /var/run/docker.pid 2>/dev/null || true)
	if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ] &&
		tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "--data-root $DATA/"; then
		say "stopping the engine an earlier version of this script started on /var/run/docker.sock (pid $pid)"
		stop_pid "$pid"
		rm -f /var/run/docker.sock /var/run/docker.pid
	fi
	for link in /usr/local/sbin/docker /usr/local/lib/docker/cli-plugins/docker-compose /usr/local/lib/docker/cli-plugins/docker-buildx; do
		case "$(readlink "$link" 2>/dev/null)" in "$PREFIX"/*) rm -f "$link" ;; esac
	done
	rm -f /run/bdc-docker.toolchain
}

# stop_pid PID: SIGTERM, then wait up to 60 s for it to be gone.
stop_pid() {
	kill "$1" 2>/dev/null || true
	i=0
	while kill -0 "$1" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -le 60 ] || fail "dockerd $1 did not stop within 60 s"
		sleep 1
	done
}

# stop_state DIR: stop the dockerd this script started with DIR as its state folder, if it
# runs. Its socket, pid file and stamps are ours to remove: they are in DIR.
stop_state() {
	pid=$(our_pid "$1/dockerd.pid")
	if [ -n "$pid" ]; then
		say "stopping the $(cat "$1/toolchain" 2>/dev/null || echo other) engine this script started (pid $pid)"
		stop_pid "$pid"
	fi
	rm -f "$1/toolchain" "$1/build" "$1/docker.sock" "$1/dockerd.pid"
}
stop_ours() { stop_state "$STATE"; }

# An earlier version of this script ran the floor on the current engine's socket, one engine
# at a time. Such a floor engine is ours and holds the floor's data root: it is stopped.
retire_floor_on_root() {
	[ "$(cat "$ROOT/toolchain" 2>/dev/null)" = floor ] || return 0
	say "the floor engine an earlier version of this script started on $ROOT/docker.sock goes"
	stop_state "$ROOT"
}

# build_id: what the engine on $SOCK must have been started from (the current toolchain's
# folder, named by its pins; the floor's packages), kept in $STATE/build: an engine started
# from other pins is started again.
build_id() {
	if [ "$toolchain" = current ]; then current_dir; else echo "$FLOOR_SUITE: $FLOOR_PACKAGES"; fi
}

# floor_rule CHECK_ONLY TABLE CHAIN ARG...: a rule in the host's firewall, checked (true), or
# checked and added when it is missing (false).
floor_rule() {
	only=$1 table=$2 chain=$3
	shift 3
	iptables -t "$table" -C "$chain" "$@" 2>/dev/null && return 0
	[ "$only" = false ] && iptables -t "$table" -A "$chain" "$@"
}
# floor_rules CHECK_ONLY: the floor's rules, what Docker adds for its own bridges: forward, and
# masquerade what leaves the host.
floor_rules() {
	floor_rule "$1" nat POSTROUTING -s "$NET" ! -o "$VETH_HOST" -j MASQUERADE &&
		floor_rule "$1" filter FORWARD -i "$VETH_HOST" -j ACCEPT &&
		floor_rule "$1" filter FORWARD -o "$VETH_HOST" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
}
# floor_netns: the floor engine's network namespace, linked to the host by a veth pair, with
# a default route through the host and, in the host's firewall, NAT and forwarding for it.
# Each step may be run again: a run killed halfway is completed by the next.
floor_netns() {
	netns_fail() { fail "could not set up the floor engine's network namespace $NETNS ($1). It needs root with CAP_NET_ADMIN and CAP_SYS_ADMIN on the host (in a container, run this on its host instead)."; }
	[ -e "/run/netns/$NETNS" ] || ip netns add "$NETNS" || netns_fail "ip netns add"
	if ! ip -n "$NETNS" link show "$VETH_NS" >/dev/null 2>&1; then
		ip link del "$VETH_HOST" 2>/dev/null || true
		{ ip link add "$VETH_HOST" type veth peer name "$VETH_NS" && ip link set "$VETH_NS" netns "$NETNS"; } ||
			netns_fail "the veth pair $VETH_HOST, $VETH_NS"
	fi
	{ ip addr replace "$HOST_ADDR/30" dev "$VETH_HOST" && ip link set "$VETH_HOST" up &&
		ip -n "$NETNS" addr replace "$NS_ADDR/30" dev "$VETH_NS" && ip -n "$NETNS" link set "$VETH_NS" up &&
		ip -n "$NETNS" link set lo up && ip -n "$NETNS" route replace default via "$HOST_ADDR"; } ||
		netns_fail "the addresses and the route of $VETH_HOST, $VETH_NS"
	echo 1 >/proc/sys/net/ipv4/ip_forward || netns_fail "net.ipv4.ip_forward"
	floor_rules false || netns_fail "its rules in the host's firewall (iptables)"
}

# floor_dns: the floor's daemon config. Its dockerd runs in $NETNS, where a resolver on the
# host's loopback (systemd-resolved's 127.0.0.53, as on Ubuntu) does not answer: then its
# containers are given the servers that resolver forwards to.
floor_dns() {
	servers=$(sed -n 's/^nameserver[[:space:]]\{1,\}\([^[:space:]]*\).*/\1/p' /etc/resolv.conf)
	for server in $servers; do
		case "$server" in 127.* | ::1) ;; *) echo '{}' && return 0 ;; esac
	done
	upstream=$(sed -n 's/^nameserver[[:space:]]\{1,\}\([^[:space:]]*\).*/\1/p' /run/systemd/resolve/resolv.conf 2>/dev/null |
		grep -v -e '^127\.' -e '^::1$' | sed 's/.*/"&"/' | paste -s -d, -)
	if [ -z "$upstream" ]; then
		say "note: /etc/resolv.conf names only resolvers on the host's loopback, which the floor's containers cannot reach, and no other was found; their builds may not resolve names" >&2
		echo '{}'
		return 0
	fi
	echo "{\"dns\": [$upstream]}"
}

# floor_netns_ok PID: the floor's dockerd PID runs in $NETNS as it is now, linked to the host
# and with its rules in the host's firewall (a namespace made anew, or rules flushed, is not).
floor_netns_ok() {
	[ "$(stat -L -c %i "/proc/$1/ns/net" 2>/dev/null)" = "$(stat -L -c %i "/run/netns/$NETNS" 2>/dev/null)" ] &&
		ip -n "$NETNS" route show default 2>/dev/null | grep -q "via $HOST_ADDR" || return 1
	floor_rules true
}

retire_old_layout
[ "$toolchain" = current ] || retire_floor_on_root

# An engine of this script's that answers, started from the pins of today and, for the
# floor, in its network namespace as it is now, is kept.
pid=$(our_pid)
if [ -n "$pid" ] && [ "$(cat "$ACTIVE" 2>/dev/null)" = "$toolchain" ] &&
	[ "$(cat "$STATE/build" 2>/dev/null)" = "$(build_id)" ] &&
	{ [ "$toolchain" = current ] || floor_netns_ok "$pid"; } && docker info >/dev/null 2>&1; then
	say "the $toolchain engine already answers"
	print_versions
	exit 0
fi

others=$(other_dockerds)
if [ -n "$others" ]; then
	fail "another dockerd runs on this machine (pid $(echo "$others" | tr '\n' ' ' | sed 's/ $//')), which this script did not start; it starts no engine beside it (the current engine would share the host's firewall chains and default bridge with it). Run \`make test\` on that engine, or stop it yourself and run this again."
fi

say "phase 1/3: host packages (iptables, iproute2; bookworm's runc for the floor; libseccomp-dev to build runc)"
export DEBIAN_FRONTEND=noninteractive
need=""
command -v iptables >/dev/null 2>&1 || need="$need iptables"
command -v ip >/dev/null 2>&1 || need="$need iproute2"
command -v nsenter >/dev/null 2>&1 || need="$need util-linux"
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
	floor_netns
fi

say "phase 3/3: start the $toolchain dockerd (socket $SOCK, data root $data, log $LOG)"
stop_ours
# The client and its plugins, where only DOCKER_CONFIG and PATH of a run find them.
mkdir -p "$BIN" "$CONFIG/cli-plugins" "$data"
ln -sf "$client" "$BIN/docker"
ln -sf "$plugins/docker-compose" "$CONFIG/cli-plugins/docker-compose"
ln -sf "$plugins/docker-buildx" "$CONFIG/cli-plugins/docker-buildx"
[ -f "$CONFIG/config.json" ] || echo '{}' >"$CONFIG/config.json"
# A daemon config of its own, so that /etc/docker/daemon.json (the machine's engine's) is
# not read.
if [ "$toolchain" = floor ]; then
	floor_dns >"$STATE/daemon.json"
elif ! [ -f "$STATE/daemon.json" ]; then
	echo '{}' >"$STATE/daemon.json"
fi
{
	echo "# Written by .ci/provision-docker.sh: use the $toolchain engine it started (. $STATE/env)."
	[ "$toolchain" = current ] || echo "# Its published ports answer in the network namespace $NETNS: .ci/on-floor.sh COMMAND runs there."
	echo "DOCKER_HOST=unix://$SOCK"
	echo "DOCKER_CONFIG=$CONFIG"
	echo "PATH=$BIN:\$PATH"
	echo "export DOCKER_HOST DOCKER_CONFIG PATH"
} >"$STATE/env"
hash -r # the shell may remember where it found docker before
echo "== $(date -u +%FT%TZ) $toolchain" >>"$LOG"
# nsenter switches the network namespace alone (ip netns exec would also mount a /sys of its
# own, without the cgroup file system dockerd needs).
netns=""
[ "$toolchain" = current ] || netns="nsenter --net=/run/netns/$NETNS"
# shellcheck disable=SC2086 # $netns is a word list on purpose, or nothing
PATH=$engine_path nohup setsid $netns dockerd --host "unix://$SOCK" --pidfile "$PIDFILE" \
	--exec-root "$STATE/exec" --config-file "$STATE/daemon.json" --data-root "$data" \
	>>"$LOG" 2>&1 </dev/null &
echo "$toolchain" >"$ACTIVE"
build_id >"$STATE/build"
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
