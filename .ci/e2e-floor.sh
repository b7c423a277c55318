#!/bin/sh
# The end-to-end tests on the floor toolchain: the oldest Docker the course supports.
#
# Runs, through .ci/on-floor.sh, every e2e test but those e2e/floor-skips.txt declares (each
# with its reason, printed). Captures are checked against docs/captured/floor/ where the
# floor prints something else (e2e/capture_test.go).
# FLOOR_RUN, when set, is a `go test -run` pattern that narrows the run (for development).
#
# usage: .ci/e2e-floor.sh           the floor's e2e tests
#        .ci/e2e-floor.sh --skips   print the -skip pattern of floor-skips.txt (reasons on stderr)
set -eu
cd "$(dirname "$0")/.."
say() { printf '[e2e-floor] %s\n' "$*"; }
skips() {
	skip=""
	while read -r name reason; do
		case "$name" in '' | '#'*) continue ;; esac
		say "left out on the floor: $name: $reason" >&2
		skip="${skip:+$skip|}^$name\$"
	done <e2e/floor-skips.txt
	echo "$skip"
}
if [ "${1:-}" = --skips ]; then
	skips
	exit 0
fi
# On the floor engine, in its network namespace (.ci/on-floor.sh), or through it.
if [ "$(.ci/doctor.sh --toolchain)" != floor ] ||
	[ "$(stat -L -c %i /proc/self/ns/net)" != "$(stat -L -c %i /run/netns/bdc-floor 2>/dev/null)" ]; then
	if [ -n "${BDC_ON_FLOOR:-}" ]; then
		say ".ci/on-floor.sh ran this, yet it is not on the floor engine in its network namespace: see /run/bdc-docker/floor/env and .ci/provision-docker.sh floor" >&2
		exit 1
	fi
	exec .ci/on-floor.sh "$0"
fi
# The floor is a pinned toolchain: its captures are held byte for byte (e2e/capture_test.go).
export E2E_PINNED=1
skip=$(skips)

# The floor engine's own build cache (its data root is its own), filled before the parallel
# tests build from it (.ci/warm-build-cache.sh says why).
.ci/warm-build-cache.sh
# shellcheck disable=SC2086 # E2E_FLAGS is a word list on purpose
set -- ${E2E_FLAGS:--p 1 -parallel 4} -count=1 -timeout "${E2E_TIMEOUT:-40m}" -v -run "${FLOOR_RUN:-.}"
[ -z "$skip" ] || set -- "$@" -skip "$skip"
rm -f .cache/e2e-floor.rc
# set -e would end the group at a failing go test, before it writes the status: hence || rc=$?.
{
	rc=0
	(cd e2e && go test "$@" ./...) 2>&1 || rc=$?
	echo "$rc" >.cache/e2e-floor.rc
} | tee .cache/e2e-floor.log
status=$(cat .cache/e2e-floor.rc)
.ci/e2e-summary.sh .cache/e2e-floor.log floor || status=1
exit "$status"
