#!/bin/sh
# Work that needs no container, run in the background while the e2e tests run: make ci runs
# the unit tests and the static checks beside the current engine's e2e tests.
#
# Why: TestStage07Swarm runs first and alone, for minutes, and leaves the cores mostly idle
# (its rolling updates wait on Swarm's monitor period); the host's compiles and tests fit in
# that time. They run at a lower CPU priority (nice 10), so that the load 07 holds its updates
# to gets the cores first. What they print goes to .cache/beside-NAME.log, printed by report.
#
# usage:
#   .ci/beside.sh start NAME COMMAND [ARG...]   start COMMAND in the background, and return
#   .ci/beside.sh wait NAME                     return once it has ended (prints nothing)
#   .ci/beside.sh report NAME                   print its output and status; exit with it
set -eu
cd "$(dirname "$0")/.."
say() { printf '[beside] %s\n' "$*"; }
usage() {
	sed -n 's/^#   //p' "$0" >&2
	exit 2
}
[ $# -ge 2 ] || usage
action=$1 name=$2
shift 2
log=.cache/beside-$name.log rc=.cache/beside-$name.rc pid=.cache/beside-$name.pid

case "$action" in
start)
	[ $# -ge 1 ] || usage
	mkdir -p .cache
	rm -f "$rc"
	# The status is written to a new file and renamed, so that wait never reads half of it.
	(
		status=0
		nice -n 10 "$@" >"$log" 2>&1 </dev/null || status=$?
		echo "$status" >"$rc.new"
		mv "$rc.new" "$rc"
	) &
	echo "$!" >"$pid"
	say "$name: started beside the e2e tests (nice 10): $*; its output is printed after them"
	;;
wait)
	[ -f "$pid" ] || {
		say "$name: was not started (.ci/beside.sh start $name …)" >&2
		exit 1
	}
	# Polled once a second: the job is another process's child, which this shell cannot wait on.
	until [ -f "$rc" ]; do
		if ! kill -0 "$(cat "$pid")" 2>/dev/null && ! [ -f "$rc" ]; then
			say "$name: ended without a status (killed?); its output so far is in $log" >&2
			exit 1
		fi
		sleep 1
	done
	;;
report)
	"$0" wait "$name"
	status=$(cat "$rc")
	printf '\n== beside the e2e tests: %s (%s)\n' "$name" "$log"
	cat "$log"
	if [ "$status" -eq 0 ]; then
		say "$name: passed"
	else
		say "$name: FAILED (exit status $status; its output is above)" >&2
	fi
	rm -f "$pid"
	exit "$status"
	;;
*) usage ;;
esac
