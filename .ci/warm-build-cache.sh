#!/bin/sh
# Fill the builder's Go caches once, before the e2e tests build the stages at the same time.
#
# Every stage's Dockerfile compiles with cache mounts (/go/pkg/mod, /root/.cache/go-build),
# which all builds on the engine share. Started together on an empty cache (the cleanup page
# prunes it), four parallel tests each compiled go-sqlite3's C code and gin's dependencies
# themselves: the same work four times over, on 2 cores. This builds the two kinds of
# compile the stages do, the development image (02's Dockerfile) and the production build
# stage (06's Dockerfile.prod, whose build tags make other packages), side by side and
# into the build cache only (--output type=cacheonly): no image, tag or container is made.
# The tests then build as a learner's second build does, from a warm cache.
#
# usage: .ci/warm-build-cache.sh
set -eu
cd "$(dirname "$0")/.."
say() { printf '[warm-build-cache] %s\n' "$*"; }

start=$(date +%s)
say "compiling the stages' dependencies into the build cache (02's Dockerfile, 06's Dockerfile.prod)"
log=$(mktemp)
trap 'rm -f "$log" "$log.prod"' EXIT
docker build -q --output type=cacheonly --build-context shared=shared 02-dockerizing >"$log" 2>&1 &
dev=$!
status=0
docker build -q --output type=cacheonly --build-context shared=shared -f 06-profiles/Dockerfile.prod \
	--target build 06-profiles >"$log.prod" 2>&1 || status=$?
wait "$dev" || status=$?
if [ "$status" -ne 0 ]; then
	# The tests build the same files and say which stage fails and how: let them run.
	cat "$log" "$log.prod" >&2
	say "a build failed (its output is above); the e2e tests go on and build from a cold cache" >&2
	exit 0
fi
say "done in $(($(date +%s) - start)) s"
