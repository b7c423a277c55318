#!/bin/sh
# The app image's entrypoint: get the database ready, then become the command.
#   1. with DATABASE=postgres, wait until SQL_HOST:SQL_PORT accepts TCP connections
#      (at most WAIT_TIMEOUT seconds);
#   2. before the server starts, create the tables if they are missing (this never drops
#      data: create_db, the reset, stays a command you run on purpose) and, with
#      SEED_DB=true, add the dummy workers that are not there yet;
#   3. exec the command, so that it replaces this shell as PID 1 and receives SIGTERM.
set -eu

say() { printf 'entrypoint: %s\n' "$*"; }

if [ "${DATABASE:-}" = postgres ]; then
	host=${SQL_HOST:?"SQL_HOST must name the database host when DATABASE=postgres"}
	port=${SQL_PORT:-5432}
	timeout=${WAIT_TIMEOUT:-60}
	say "waiting for PostgreSQL at $host:$port (at most ${timeout}s)"
	start=$(date +%s)
	until nc -z -w 2 "$host" "$port" 2>/dev/null; do
		if [ $(($(date +%s) - start)) -ge "$timeout" ]; then
			say "error: $host:$port did not accept connections within ${timeout}s." >&2
			say "Is the database running (docker compose ps)? Are SQL_HOST and SQL_PORT right? WAIT_TIMEOUT sets how long to wait." >&2
			exit 1
		fi
		sleep 1
	done
	say "PostgreSQL accepts connections at $host:$port"
fi

# Only when the container starts the server: `docker compose run app app create_db`
# runs its own command and nothing else.
if [ "$#" -eq 1 ] && [ "$1" = app ]; then
	say "creating the tables if they are missing"
	app init_db
	if [ "${SEED_DB:-false}" = true ]; then
		say "seeding the dummy workers"
		app seed_db
	fi
fi

say "starting: $*"
exec "$@"
