#!/bin/sh
# Run the API on this machine against PostgreSQL in a container, in three phases:
#   1. prepare Go: check the version, download the modules, build the binary;
#   2. start postgres:17-trixie (published on 127.0.0.1 only) and wait until it answers;
#   3. create the tables, seed them, and serve until Ctrl-C.
# Ctrl-C stops the server, then the database container (docker stop: PostgreSQL shuts down
# cleanly), and removes it with its data (docker rm -v); a second Ctrl-C stops the server
# without waiting for requests in flight.
# Running it again while a container of an earlier run is there replaces that container.
# It takes no arguments; DB_PORT and PORT choose other ports than 5432 and 8080.
set -eu
cd "$(dirname "$0")"

# Development-only credentials: this database lives only as long as the script runs, and
# it is reachable from this machine only.
DB_CONTAINER=${DB_CONTAINER:-workers-local-db}
DB_PORT=${DB_PORT:-5432}
DB_USER=workers
DB_PASSWORD=workers
DB_NAME=workers
export PORT="${PORT:-8080}"
export DATABASE_URL="postgres://$DB_USER:$DB_PASSWORD@127.0.0.1:$DB_PORT/$DB_NAME?sslmode=disable"
APP=./bin/app

phase() { printf '\n==> %s\n' "$*"; }
die() {
	printf 'run-local.sh: %s\n' "$*" >&2
	exit 1
}
[ "$#" -eq 0 ] || die "unknown argument '$1'; usage: ./run-local.sh (no arguments; DB_PORT and PORT choose the ports)"

phase "1/3 Preparing the Go environment"
command -v go >/dev/null 2>&1 || die "go is not installed: get Go 1.26 or newer from https://go.dev/dl/"
go_version=$(go env GOVERSION)
case "$go_version" in
go1.2[6-9]* | go1.[3-9][0-9]*) echo "$go_version" ;;
*) die "$go_version is too old: this course needs Go 1.26 or newer" ;;
esac
go mod download
go build -o "$APP" .
echo "built $APP"

phase "2/3 Starting PostgreSQL in a container ($DB_CONTAINER, 127.0.0.1:$DB_PORT)"
docker info >/dev/null 2>&1 || die "no Docker engine answers: start Docker and run this again"
if docker container inspect "$DB_CONTAINER" >/dev/null 2>&1; then
	# Its data is a throwaway: -f kills it at once rather than waiting for a clean stop.
	echo "replacing the container $DB_CONTAINER left by an earlier run"
	docker rm -f -v "$DB_CONTAINER" >/dev/null
fi

# shellcheck disable=SC2317 # called by the EXIT trap, which shellcheck 0.9 does not follow
stop_database() {
	echo "removing the database container $DB_CONTAINER"
	# docker stop sends the image's stop signal (SIGINT for postgres: a fast, clean shutdown)
	# and waits for PostgreSQL to exit; rm -v then deletes the container and its data.
	docker stop "$DB_CONTAINER" >/dev/null 2>&1 || true
	docker rm -v "$DB_CONTAINER" >/dev/null 2>&1 || true
}
trap stop_database EXIT
docker run --detach --name "$DB_CONTAINER" \
	--env POSTGRES_USER="$DB_USER" --env POSTGRES_PASSWORD="$DB_PASSWORD" --env POSTGRES_DB="$DB_NAME" \
	--publish "127.0.0.1:$DB_PORT:5432" \
	postgres:17-trixie >/dev/null ||
	die "could not start $DB_CONTAINER (is port $DB_PORT taken? set DB_PORT to a free port)"
"$APP" ready

phase "3/3 Creating the tables, seeding them, serving on http://127.0.0.1:$PORT/api/v1/workers"
"$APP" create_db
"$APP" seed_db
"$APP" &
app_pid=$!
# Stop the server first (it finishes in-flight requests), then the database. Ctrl-C reaches
# the server itself, as it is in this script's process group: passing it on as well would
# count as a second Ctrl-C. A TERM sent to this script alone is passed on.
trap ':' INT
trap 'kill -TERM "$app_pid" 2>/dev/null || true' TERM
status=0
wait "$app_pid" || status=$?
if [ "$status" -gt 128 ]; then
	# The signal interrupted wait; wait again while the server finishes its shutdown.
	status=0
	wait "$app_pid" || status=$?
fi
exit "$status"
