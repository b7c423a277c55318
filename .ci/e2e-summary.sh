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

# What each failed test logged, again at the end of the log, where a reader of its tail finds
# it: tests run in parallel, and go test -v prints a test's lines under its === RUN, CONT or
# NAME line or after its --- line, among the others'. The first line of each of its last 20
# log entries (file.go:line: ...), which names what failed; the rest is above.
if [ "$failed" -gt 0 ]; then
	echo "== $label: what each failed test logged (the first line of its last 20 entries)"
	awk '
	/^=== (RUN|CONT|NAME|PAUSE) / { cur = $3; next }
	/^ *--- (PASS|FAIL|SKIP): / {
		cur = $3
		if ($2 == "FAIL:" && !(cur in failed)) { failed[cur] = 1; order[++n] = cur }
		next
	}
	/^(FAIL|ok|PASS)([ \t]|$)/ { cur = ""; next }
	cur != "" && /^ +[A-Za-z0-9_.-]+\.go:[0-9]+: / { count[cur]++; line[cur, count[cur]] = $0 }
	END {
		for (i = 1; i <= n; i++) {
			t = order[i]; c = count[t] + 0
			print "  -- " t
			for (j = (c > 20 ? c - 19 : 1); j <= c; j++) print "  " line[t, j]
		}
	}' "$log"
fi

if [ "${CI:-}" = true ] && [ "$skipped" -gt 0 ]; then
	echo "== $label: CI=true and $skipped e2e tests skipped; in CI every e2e test must run" >&2
	grep -E '^ *--- SKIP: ' "$log" >&2
	exit 1
fi
