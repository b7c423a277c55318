#!/bin/sh
# Work that needs no container, run in the background while the e2e tests run: make ci runs
# the unit tests and the static checks beside both engines' e2e tests (.ci/e2e-pinned.sh).
#
# Why: TestStage07Swarm runs first on each engine, for minutes, and leaves the cores mostly
# idle (its rolling updates wait on Swarm's monitor period); the host's compiles and tests fit
# in that time. They run at a lower CPU priority (nice 10), so that the load 07 holds its
# updates to gets the cores first. What they print goes to .cache/beside-NAME.log, printed by
# report.
#
# usage:
#   .ci/beside.sh start NAME COMMAND [ARG...]   start COMMAND in the background, and return
#   .ci/beside.sh wait NAME                     return once it has ended (prints nothing)
#   .ci/beside.sh report NAME                   print its output and status; exit with it
#   .ci/beside.sh stop NAME                     end it, and what it started, if it still runs
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
# The job's pid and a token of this start, on two lines: the status it writes at its end
# carries the token, so that a job of an earlier start can never pass for this one.
log=.cache/beside-$name.log rc=.cache/beside-$name.rc pidfile=.cache/beside-$name.pid

job_pid() { sed -n 1p "$pidfile" 2>/dev/null; }
token() { sed -n 2p "$pidfile" 2>/dev/null; }
running() {
	pid=$(job_pid)
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}
# ended: the job of this start wrote its status.
ended() { [ -f "$rc" ] && [ "$(cut -d' ' -f1 "$rc")" = "$(token)" ]; }
# stop_job: where the job is a process group of its own (setsid, below), it ends as a whole.
stop_job() {
	if running; then
		say "$name: ending it (pid $(job_pid)), and what it started"
		kill -TERM "-$(job_pid)" 2>/dev/null || kill -TERM "$(job_pid)" 2>/dev/null || true
	fi
}

case "$action" in
start)
	[ $# -ge 1 ] || usage
	mkdir -p .cache
	stop_job
	rm -f "$rc"
	token=$(date +%s)-$$ command=$*
	# The status goes to a new file, then renamed, so that wait never reads half of it. The
	# job's own output goes to its log, and nothing of it to the caller's (make's tee). With
	# setsid (Linux), the job is a process group of its own, which stop ends as a whole.
	# shellcheck disable=SC2016 # expanded by the job's shell
	runner='status=0; nice -n 10 "$@" >"$BESIDE_LOG" 2>&1 </dev/null || status=$?; echo "$BESIDE_TOKEN $status" >"$BESIDE_RC.new"; mv "$BESIDE_RC.new" "$BESIDE_RC"'
	if command -v setsid >/dev/null 2>&1; then
		set -- setsid sh -c "$runner" sh "$@"
	else
		set -- sh -c "$runner" sh "$@"
	fi
	BESIDE_LOG=$log BESIDE_RC=$rc BESIDE_TOKEN=$token "$@" >/dev/null 2>&1 </dev/null &
	printf '%s\n%s\n' "$!" "$token" >"$pidfile"
	say "$name: started beside the e2e tests (nice 10): $command; its output is printed after them"
	;;
wait)
	[ -f "$pidfile" ] || {
		say "$name: was not started (.ci/beside.sh start $name …)" >&2
		exit 1
	}
	# Polled once a second: the job is another process's child, which this shell cannot wait on.
	until ended; do
		if ! running && ! ended; then
			say "$name: ended without a status (killed?)" >&2
			exit 1
		fi
		sleep 1
	done
	;;
report)
	status=0
	if "$0" wait "$name"; then
		status=$(cut -d' ' -f2 "$rc")
	else
		status=1
	fi
	printf '\n== beside the e2e tests: %s (%s)\n' "$name" "$log"
	cat "$log" 2>/dev/null || true
	if [ "$status" -eq 0 ]; then
		say "$name: passed"
	else
		say "$name: FAILED (exit status $status; its output is above)" >&2
	fi
	rm -f "$pidfile"
	exit "$status"
	;;
stop) stop_job ;;
*) usage ;;
esac
