#!/bin/sh
# Counts the e2e tests of a `go test -v` log as run, passed, skipped and failed, so that a
# green run is seen to have run its tests. With CI=true a skipped e2e test is a failure:
# CI has a Docker engine, and a test that quietly skips there proves nothing.
#
# usage: .ci/e2e-summary.sh LOG [TOOLCHAIN]
set -eu
log=$1
label="e2e${2:+ on the $2 toolchain}"
count() { grep -c -E "^ *--- $1: " "$log" || true; }
passed=$(count PASS) skipped=$(count SKIP) failed=$(count FAIL)
echo "== $label: $((passed + failed)) run ($passed passed, $failed failed), $skipped skipped (subtests included)"
if grep -q '^SKIP e2e:' "$log"; then
	echo "== $label: the whole suite was skipped: no Docker engine"
fi
if [ "${CI:-}" = true ] && [ "$skipped" -gt 0 ]; then
	echo "== $label: CI=true and $skipped e2e tests skipped; in CI every e2e test must run" >&2
	grep -E '^ *--- SKIP: ' "$log" >&2
	exit 1
fi
