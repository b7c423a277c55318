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
# On an engine .ci/provision-docker.sh started, the Go build cache is also kept between runs
# and engines, in $SAVED: copied into the builder before the builds (the cleanup page emptied
# the current engine's; the floor engine's is its own) and out of it after them
# (.ci/go-build-cache.Dockerfile). The compile then runs once a machine, not twice a run. Go's
# cache is addressed by the content of what it compiled, with what compiled it: an entry
# another build wrote is used only where this one would write the same.
#
# usage: .ci/warm-build-cache.sh
set -eu
cd "$(dirname "$0")/.."
say() { printf '[warm-build-cache] %s\n' "$*"; }
SAVED=${DOCKER_DATA:-/var/lib/bdc-docker}/go-build-cache

carry=false
if [ -f /run/bdc-docker/toolchain ] && [ -w "$(dirname "$SAVED")" ]; then
	carry=true
fi
# limit SECONDS COMMAND...: the command, killed after SECONDS where timeout(1) is there (not on
# a stock macOS, where it runs unlimited). A build sends its context and its output through a
# session with this client. Under load, that session was seen to fail BuildKit's health check
# ("only one connection allowed", over and over, in dockerd's log), after which the copy of
# the saved cache out of the builder never ended, and held the run for over 10 minutes until it was
# killed by hand. Everything here only saves time: a build that runs out of its time is one
# the tests redo.
limit() {
	if command -v timeout >/dev/null 2>&1; then
		timeout "$@"
	else
		shift
		"$@"
	fi
}

# go_cache TARGET CONTEXT [ARG...]: a build of .ci/go-build-cache.Dockerfile's TARGET, given
# at most 2 minutes: it copies a few hundred MB, seconds when the session holds. In two CI
# runs out of three the copy out of the builder hung, and the limit then costs its length.
go_cache() {
	target=$1 context=$2
	shift 2
	limit 120 docker build -q --build-arg "STAMP=$(date +%s)" --target "$target" -f .ci/go-build-cache.Dockerfile "$@" "$context"
}

start=$(date +%s)
[ -d "$SAVED" ] || [ ! -d "$SAVED.old" ] || mv "$SAVED.old" "$SAVED"
if [ "$carry" = true ] && [ -d "$SAVED/go-build" ]; then
	say "copying the Go build cache an earlier run saved ($(du -sm "$SAVED" | cut -f1) MB in $SAVED) into the builder"
	go_cache restore "$SAVED" --output type=cacheonly >/dev/null ||
		say "could not copy it (above); the builds below compile what they need" >&2
fi
say "compiling the stages' dependencies into the build cache (02's Dockerfile, 06's Dockerfile.prod)"
log=$(mktemp)
trap 'rm -f "$log" "$log.prod"' EXIT
# Each given at most 20 minutes: a cold compile on 2 cores, beside the host job, took 7.
limit 1200 docker build -q --output type=cacheonly --build-context shared=shared 02-dockerizing >"$log" 2>&1 &
dev=$!
status=0
limit 1200 docker build -q --output type=cacheonly --build-context shared=shared -f 06-profiles/Dockerfile.prod \
	--target build 06-profiles >"$log.prod" 2>&1 || status=$?
wait "$dev" || status=$?
if [ "$status" -ne 0 ]; then
	# The tests build the same files and say which stage fails and how: let them run.
	cat "$log" "$log.prod" >&2
	say "a build failed (its output is above); the e2e tests go on and build from a cold cache" >&2
	exit 0
fi
if [ "$carry" = true ]; then
	# Into a new folder, then in place of the old one: a run stopped halfway leaves a
	# saved copy whole ($SAVED, or $SAVED.old between the two renames).
	rm -rf "$SAVED.new" "$SAVED.old"
	if go_cache saved .ci --output "type=local,dest=$SAVED.new" >/dev/null; then
		[ ! -d "$SAVED" ] || mv "$SAVED" "$SAVED.old"
		mv "$SAVED.new" "$SAVED"
		rm -rf "$SAVED.old"
		say "the Go build cache saved in $SAVED ($(du -sm "$SAVED" | cut -f1) MB), for the next engine or run"
	else
		rm -rf "$SAVED.new"
		say "could not save the Go build cache (above); the next run compiles again" >&2
	fi
fi
say "done in $(($(date +%s) - start)) s"
