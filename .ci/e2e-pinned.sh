#!/bin/sh
# make ci's e2e tests, on the current engine and on the floor's, both pinned (every capture
# held byte for byte), the two engines' tests beside each other where the cores allow.
#
# The floor engine runs in a network namespace of its own (.ci/provision-docker.sh), so the
# two engines share no port, bridge or firewall chain: only the machine's cores. One after the
# other, each left the cores mostly idle for the minutes TestStage07Swarm waits on Swarm's
# monitor period; the other tests keep both cores busy, and run on both engines at once they
# took longer than one engine's after the other's (in .ci/run, on 2 cores). So, in phases:
#   1. warm-up: the current engine's build cache (.ci/warm-build-cache.sh), while the floor
#      engine starts and gets the base images, and the test binaries compile once (both
#      engines' go test would otherwise compile them at the same time, twice over); then the
#      floor's build cache, from the Go build cache the current engine's warm-up saved.
#   2. TestStage07Swarm on both engines at once. Its rolling updates are checked under load
#      for gaps, which the parallel tests' builds broke beside it (a 13.8 s gap on 2 cores):
#      beside it run only the other engine's 07, whose load is as light, and the host job
#      (E2E_BESIDE, at nice 10).
#   3. every other test on the current engine (go test E2E_FLAGS).
#   4. every other test on the floor engine, beside TestCleanupPage on the current engine
#      (which prunes its build cache, so it waits for the host job's end), a serial test that
#      leaves the cores half idle.
# The current engine's output is printed as it runs; the floor's goes to .cache/e2e-floor.log,
# printed after it. Then the host job's report and each engine's summary.
#
# usage: [E2E_FLAGS=…] [E2E_TIMEOUT=…] [E2E_RUN=PATTERN] [E2E_BESIDE=NAME] .ci/e2e-pinned.sh
set -eu
cd "$(dirname "$0")/.."
start=$(date +%s)
say() { printf '[e2e-pinned] %s (%s s)\n' "$*" "$(($(date +%s) - start))"; }
export E2E_PINNED=1
flags=${E2E_FLAGS:--p 1 -parallel 4}
timeout=${E2E_TIMEOUT:-40m}
run=${E2E_RUN:-.}
beside=${E2E_BESIDE:-}

if ! [ -f /run/bdc-docker/env ]; then
	echo "[e2e-pinned] no engine of .ci/provision-docker.sh's here (no /run/bdc-docker/env): run .ci/provision-docker.sh (or .ci/run)" >&2
	exit 1
fi
# shellcheck source=/dev/null # written by provision-docker.sh
. /run/bdc-docker/env
if [ "$(.ci/doctor.sh --toolchain)" != current ]; then
	echo "[e2e-pinned] the current engine does not answer at the socket /run/bdc-docker/env names: run .ci/provision-docker.sh (or .ci/run)" >&2
	exit 1
fi
mkdir -p .cache
rm -f .cache/e2e.log .cache/e2e-floor.log
floor_skip=$(.ci/e2e-floor.sh --skips)
status=0
floor_pid=""
# The floor's job is a process group of its own (setsid), its id in $floor_pidfile: a run
# stopped halfway ends it, and so does the next run when this one could not (SIGKILL).
floor_pidfile=.cache/e2e-floor.pid
# shellcheck disable=SC2317 # called by the traps
stop_floor() {
	pgid=$(cat "$floor_pidfile" 2>/dev/null || true)
	if [ -n "$pgid" ] && kill -0 "-$pgid" 2>/dev/null; then
		kill -TERM "-$pgid" 2>/dev/null || true
		echo "[e2e-pinned] the floor's tests were ended; their output so far is in .cache/e2e-floor.log" >&2
	fi
	rm -f "$floor_pidfile"
}
stop_floor
trap stop_floor EXIT
trap 'exit 130' INT TERM HUP

# matches NAME: the top-level test NAME is one E2E_RUN selects (its part before a /, as go
# test reads it).
matches() {
	top=${run%%/*}
	echo "$1" | grep -Eq -- "$top" && return 0
	[ $? -eq 1 ] || {
		echo "[e2e-pinned] E2E_RUN='$run' is no pattern grep -E reads (above); give one it does" >&2
		exit 2
	}
	return 1
}

# current ARG...: go test on the current engine, its output printed and kept in .cache/e2e.log.
current() {
	# shellcheck disable=SC2086 # E2E_FLAGS is a word list on purpose
	{
		rc=0
		(cd e2e && go test $flags -count=1 -timeout "$timeout" -v "$@" ./...) 2>&1 || rc=$?
		echo "$rc" >.cache/e2e.rc
	} | tee -a .cache/e2e.log
	[ "$(cat .cache/e2e.rc)" -eq 0 ] || status=1
}

# floor_start COMMAND...: COMMAND on the floor engine (.ci/on-floor.sh), in the background,
# its output kept in .cache/e2e-floor.log; floor_wait waits for it.
floor_start() {
	setsid .ci/on-floor.sh "$@" >>.cache/e2e-floor.log 2>&1 </dev/null &
	floor_pid=$!
	echo "$floor_pid" >"$floor_pidfile"
}
floor_wait() {
	rc=0
	wait "$floor_pid" || rc=$?
	floor_pid=""
	rm -f "$floor_pidfile"
	[ "$rc" -eq 0 ] || status=1
}
# floor_test ARG...: go test on the floor engine, in the background.
floor_test() {
	# shellcheck disable=SC2016,SC2086 # "$@" is expanded by the floor's shell; E2E_FLAGS is a word list
	floor_start --ready sh -c 'cd e2e && exec go test "$@" ./...' sh $flags -count=1 -timeout "$timeout" -v "$@"
}

say "phase 1/4: the build caches: the current engine's, while the floor engine starts and gets the base images; then the floor's"
floor_start true
bins=$(mktemp -d)
(cd e2e && go test -c -o "$bins/" ./...) &
compile=$!
.ci/warm-build-cache.sh
# A compile error shows again, where the tests' go test fails on it.
wait "$compile" || true
rm -rf "$bins"
floor_wait
if [ "$status" -ne 0 ]; then
	cat .cache/e2e-floor.log
	echo "[e2e-pinned] the floor engine could not be started or given the base images (above)" >&2
	exit 1
fi
.ci/on-floor.sh --ready .ci/warm-build-cache.sh

if matches TestStage07Swarm; then
	say "phase 2/4: TestStage07Swarm on both engines at once"
	# Narrowed to 07's subtests where E2E_RUN names some (TestStage07Swarm/Part).
	only07='^TestStage07Swarm$'
	case "$run" in */*) only07="$only07/${run#*/}" ;; esac
	floor_test -run "$only07"
	current -run "$only07"
	floor_wait
fi

say "phase 3/4: every other test on the current engine ($flags)"
current -run "$run" -skip '^TestStage07Swarm$|^TestCleanupPage$'
say "phase 4/4: every other test on the floor engine ($flags), beside TestCleanupPage on the current one"
floor_test -run "$run" -skip "^TestStage07Swarm\$${floor_skip:+|$floor_skip}"
# The host job must not run beside TestCleanupPage, which prunes the engine.
if [ -n "$beside" ]; then .ci/beside.sh wait "$beside" || status=1; fi
if matches TestCleanupPage; then current -run '^TestCleanupPage$'; fi
floor_wait
say "done"

echo "== the floor engine's e2e tests, run beside the current engine's (.cache/e2e-floor.log):"
cat .cache/e2e-floor.log
if [ -n "$beside" ]; then .ci/beside.sh report "$beside" || status=1; fi
.ci/e2e-summary.sh .cache/e2e.log current || status=1
.ci/e2e-summary.sh .cache/e2e-floor.log floor || status=1
exit "$status"
