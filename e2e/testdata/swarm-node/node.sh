#!/bin/sh
# Start the node's engine (its arguments are dockerd's). On cgroup v2, a container's processes sit in the root of its
# cgroup namespace, where no controller can be delegated to child cgroups: move them into a
# child cgroup first, then enable every controller for the engine's containers.
set -eu
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
	mkdir -p /sys/fs/cgroup/node
	while read -r pid; do
		echo "$pid" >/sys/fs/cgroup/node/cgroup.procs 2>/dev/null || :
	done </sys/fs/cgroup/cgroup.procs
	# One line of controller names, separated by spaces: "+cpu +memory ...".
	sed -e 's/ / +/g' -e 's/^/+/' /sys/fs/cgroup/cgroup.controllers >/sys/fs/cgroup/cgroup.subtree_control
fi
# REGISTRY_FORWARD=PORT:HOST:HOSTPORT (e2e/shipnodes_test.go): 127.0.0.1:PORT on this node
# reaches HOST:HOSTPORT on the nodes' network, so that an image named 127.0.0.1:PORT/... where
# it was pushed and signed is pulled by that very name here. A registry on 127.0.0.1 needs no
# TLS; the engine starts after the forwarder listens.
if [ -n "${REGISTRY_FORWARD:-}" ]; then
	port=${REGISTRY_FORWARD%%:*}
	socat "TCP-LISTEN:$port,bind=127.0.0.1,fork,reuseaddr" "TCP:${REGISTRY_FORWARD#*:}" &
	tries=0
	until socat -u OPEN:/dev/null "TCP:127.0.0.1:$port" 2>/dev/null; do
		tries=$((tries + 1))
		[ "$tries" -lt 100 ] || { echo "node.sh: nothing listens on 127.0.0.1:$port for REGISTRY_FORWARD=$REGISTRY_FORWARD" >&2; exit 1; }
		sleep 0.1
	done
fi
mkdir -p /run/outer

# NODE_NO_EMULATORS=1 (e2e/stage08_test.go): an engine on a machine with no emulator for other
# CPUs, whatever this machine has registered. The engine runs in a user namespace of its own,
# whose IDs 0 to 65535 are this container's same IDs (root in it is root here), with a
# binfmt_misc instance of its own, empty: Linux 6.7 and later let a user namespace mount one,
# and the programs of its containers, in that namespace, find no interpreter there for
# another CPU's executables, as on a machine where none is registered.
if [ "${NODE_NO_EMULATORS:-}" = 1 ]; then
	ready=$(mktemp -u) && mkfifo "$ready"
	# Held open for reading and writing here, the fifo takes the word below without waiting
	# for the engine's side to open it, even where that side is gone.
	exec 3<>"$ready"
	# The engine waits on the fifo until its user namespace has its IDs. (The inner shell
	# expands its own variables.)
	# shellcheck disable=SC2016
	unshare --user --mount --propagation private sh -c '
		read -r _ <"$1"
		shift
		mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || {
			echo "node.sh: NODE_NO_EMULATORS=1: a user namespace cannot mount a binfmt_misc of its own here (Linux 6.7 or later can; this is $(uname -r))" >&2
			exit 1
		}
		exec dockerd "$@"' sh "$ready" "$@" 3<&- &
	engine=$!
	# docker stop signals this script, the container's first process: the engine gets it.
	trap 'kill -TERM "$engine" 2>/dev/null' TERM INT
	tries=0
	until [ "$(readlink "/proc/$engine/ns/user")" != "$(readlink /proc/self/ns/user)" ]; do
		kill -0 "$engine" 2>/dev/null || { echo "node.sh: unshare --user ended before it made a user namespace" >&2; exit 1; }
		tries=$((tries + 1))
		[ "$tries" -lt 100 ] || { echo "node.sh: unshare --user made no user namespace" >&2; exit 1; }
		sleep 0.1
	done
	echo '0 0 65536' >"/proc/$engine/uid_map"
	echo '0 0 65536' >"/proc/$engine/gid_map"
	echo go >&3
	status=0
	wait "$engine" || status=$?
	while kill -0 "$engine" 2>/dev/null; do
		status=0
		wait "$engine" || status=$?
	done
	exit "$status"
fi
exec dockerd "$@"
