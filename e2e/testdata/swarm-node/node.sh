#!/bin/sh
# Start the node's engine. On cgroup v2, a container's processes sit in the root of its
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
mkdir -p /run/outer
exec dockerd "$@"
