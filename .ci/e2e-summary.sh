#!/bin/sh
# Counts the e2e tests of a `go test -v` log as run, passed, skipped and failed, so that a
# green run is seen to have run its tests, and names every capture that differed from
# docs/captured on an unpinned engine (e2e/capture_test.go prints each as a diff and does not
# fail it), listing them in LOG's neighbour LOG-capture-diffs.txt too. With CI=true a skipped
# e2e test is a failure: CI has a Docker engine, and a test that quietly skips there proves
# nothing.
#
# usage: .ci/e2e-summary.sh LOG [TOOLCHAIN]   (TOOLCHAIN: current, floor or unpinned)
set -eu
log=$1
case "${2:-}:${E2E_PINNED:-}" in
:*) label=e2e ;;
unpinned:1) label="e2e on an unpinned engine with E2E_PINNED=1 (which fails: the pinned level needs the provisioned engine)" ;;
unpinned:*) label="e2e on an unpinned engine (a capture that differs is printed, not failed)" ;;
*:1) label="e2e on the $2 toolchain, pinned" ;;
*) label="e2e on the $2 toolchain, unpinned as E2E_PINNED is not 1 (a capture that differs is printed, not failed)" ;;
esac
count() { grep -c -E "^ *--- $1: " "$log" || true; }
passed=$(count PASS) skipped=$(count SKIP) failed=$(count FAIL)
echo "== $label: $((passed + failed)) run ($passed passed, $failed failed), $skipped skipped (subtests included)"
if grep -q '^SKIP e2e:' "$log"; then
	echo "== $label: the whole suite was skipped: no Docker engine"
fi

# The marker is capture_test.go's captureDiffers.
diffs=${log%.log}-capture-diffs.txt
sed -n 's/.*capture differs on this unpinned engine, not failed: \([^ ]*\).*/\1/p' "$log" | sort -u >"$diffs"
if [ -s "$diffs" ]; then
	n=$(wc -l <"$diffs" | tr -d ' ')
	[ "$n" = 1 ] && what="1 capture differs" || what="$n captures differ"
	echo "== $label: $what from docs/captured here, each printed above as a unified diff, not failed (listed in $diffs):"
	sed 's/^/     /' "$diffs"
else
	rm -f "$diffs"
fi

if [ "${CI:-}" = true ] && [ "$skipped" -gt 0 ]; then
	echo "== $label: CI=true and $skipped e2e tests skipped; in CI every e2e test must run" >&2
	grep -E '^ *--- SKIP: ' "$log" >&2
	exit 1
fi
