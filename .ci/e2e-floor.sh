#!/bin/sh
# The end-to-end tests on the floor toolchain: the oldest Docker the course supports.
#
# Switches this machine's engine to the floor (.ci/provision-docker.sh floor), runs the e2e
# tests but those e2e/floor-skips.txt declares (each with its reason, printed), and switches
# back to the current engine whatever happened. Captures are checked against
# docs/captured/floor/ where the floor prints something else (e2e/capture_test.go).
#
# FLOOR_RUN, when set, is a `go test -run` pattern that narrows the run (for development).
set -eu
cd "$(dirname "$0")/.."
say() { printf '[e2e-floor] %s\n' "$*"; }

if ! [ -f /run/bdc-docker.toolchain ]; then
	if [ "${CI:-}" = true ]; then
		say "CI=true and the engine here was not started by .ci/provision-docker.sh, so the floor cannot be started: failing" >&2
		exit 1
	fi
	say "skipped: the engine that answers was not started by .ci/provision-docker.sh, which alone can switch to the floor"
	exit 0
fi

skip=""
while read -r name reason; do
	case "$name" in '' | '#'*) continue ;; esac
	say "left out on the floor: $name: $reason"
	skip="${skip:+$skip|}^$name\$"
done <e2e/floor-skips.txt

# The floor gets the very base images the current engine has (pulled, or stand-ins baked
# there), carried over with docker save and load, unless it has them from an earlier run.
mkdir -p .cache
# shellcheck disable=SC2046 # one argument per tag
ids=$(docker image inspect --format '{{.Id}}' $(images/base-images.sh --tags) 2>/dev/null || true)
stamp=/var/lib/bdc-docker/floor/base-images.from-current
if [ -n "$ids" ] && [ "$ids" != "$(cat "$stamp" 2>/dev/null)" ]; then
	say "saving the current engine's base images for the floor"
	# shellcheck disable=SC2046 # one argument per tag
	docker save -o .cache/base-images.tar $(images/base-images.sh --tags)
fi

# shellcheck disable=SC2317 # called by the trap
restore() { .ci/provision-docker.sh current >/dev/null || say "could not switch back to the current engine" >&2; }
trap restore EXIT
trap 'exit 130' INT TERM
.ci/provision-docker.sh floor
if [ -f .cache/base-images.tar ]; then
	say "loading them into the floor engine"
	docker load -q -i .cache/base-images.tar
	rm -f .cache/base-images.tar
	echo "$ids" >"$stamp"
fi
images/base-images.sh
mkdir -p .cache
set -- -p 1 -count=1 -timeout "${E2E_TIMEOUT:-40m}" -v -run "${FLOOR_RUN:-.}"
[ -z "$skip" ] || set -- "$@" -skip "$skip"
rm -f .cache/e2e-floor.rc
{
	(cd e2e && E2E_TOOLCHAIN=floor go test "$@" ./...) 2>&1
	echo $? >.cache/e2e-floor.rc
} | tee .cache/e2e-floor.log
status=$(cat .cache/e2e-floor.rc)
.ci/e2e-summary.sh .cache/e2e-floor.log floor || status=1
exit "$status"
