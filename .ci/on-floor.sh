#!/bin/sh
# Run a command on the floor Docker (the oldest the course supports): with the floor engine's
# socket, client and plugins (/run/bdc-docker/floor/env), in its network namespace, where its
# published ports answer on 127.0.0.1. The current engine runs on beside it, untouched.
#
# The floor gets the very base images the current engine has (pulled, or stand-ins baked
# there), carried over with docker save and load unless it has them from an earlier run, so
# both toolchains test the same images.
#
# usage: .ci/on-floor.sh COMMAND [ARG...]
#        .ci/on-floor.sh --ready COMMAND [ARG...]   (the floor engine answers and has the
#                                                    images: only run COMMAND there)
set -eu
cd "$(dirname "$0")/.."
say() { printf '[on-floor] %s\n' "$*"; }
ready=false
if [ "${1:-}" = --ready ]; then
	ready=true
	shift
fi
[ $# -ge 1 ] || {
	echo "usage: $0 [--ready] COMMAND [ARG...]" >&2
	exit 2
}
# The floor engine's network namespace, as .ci/provision-docker.sh names it.
NETNS=/run/netns/bdc-floor
# What runs here knows it is on the floor (.ci/e2e-floor.sh, which would come back here).
export BDC_ON_FLOOR=1

if [ "$ready" = true ]; then
	# shellcheck source=/dev/null # written by provision-docker.sh
	. /run/bdc-docker/floor/env
	docker info >/dev/null 2>&1 || {
		say "the floor engine does not answer at $DOCKER_HOST: .ci/provision-docker.sh floor starts it" >&2
		exit 1
	}
	exec nsenter --net="$NETNS" "$@"
fi

if ! [ -f /run/bdc-docker/toolchain ]; then
	if [ "${CI:-}" = true ]; then
		say "CI=true and the engine here was not started by .ci/provision-docker.sh, so the floor cannot be started: failing" >&2
		exit 1
	fi
	say "skipped: the engine that answers was not started by .ci/provision-docker.sh, which alone starts the floor: $*"
	exit 0
fi

.ci/provision-docker.sh current >/dev/null
# shellcheck source=/dev/null # written by provision-docker.sh
. /run/bdc-docker/env
images/base-images.sh >/dev/null
mkdir -p .cache
tags=$(images/base-images.sh --tags)
# shellcheck disable=SC2086 # one argument per tag
ids=$(docker image inspect --format '{{.Id}}' $tags)
stamp=/var/lib/bdc-docker/floor/base-images.from-current
if [ "$ids" != "$(cat "$stamp" 2>/dev/null)" ]; then
	say "saving the current engine's base images for the floor"
	# The floor's classic store holds one platform a tag, and the distroless base is an index
	# of two here (linux/amd64 and linux/arm64): only this machine's platform is carried over,
	# the one the floor's engine runs.
	platform=$(docker version --format '{{.Server.Os}}/{{.Server.Arch}}')
	# shellcheck disable=SC2086 # one argument per tag
	docker save --platform "$platform" -o .cache/base-images.tar $tags
fi

.ci/provision-docker.sh floor >/dev/null
# shellcheck source=/dev/null # written by provision-docker.sh
. /run/bdc-docker/floor/env
if [ -f .cache/base-images.tar ]; then
	say "loading them into the floor engine"
	docker load -q -i .cache/base-images.tar
	rm -f .cache/base-images.tar
	echo "$ids" >"$stamp"
fi
images/base-images.sh
# nsenter switches the network namespace alone: the command sees the machine's files.
exec nsenter --net="$NETNS" "$@"
