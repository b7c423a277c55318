#!/bin/sh
# Run the API and PostgreSQL in two containers on one network, in four phases:
#   1. create a user-defined network, on which containers find each other by name;
#   2. start postgres:17-trixie on it and wait until it answers;
#   3. build the app image and start it, published on 127.0.0.1 only;
#   4. create the tables and seed them, through the app image.
# `./run-dockered.sh down` removes everything it made: containers, network, image.
# Running it again replaces the containers of an earlier run.
set -eu
cd "$(dirname "$0")"

# Every name starts with NAME (tests set their own); PORT is the API's port on this machine.
NAME=${NAME:-workers-02}
PORT=${PORT:-8080}
NETWORK=$NAME-net
DB=$NAME-db
APP=$NAME-app
IMAGE=$NAME-app:latest
# Development-only credentials: the database is reachable from the network above only.
DB_USER=workers
DB_PASSWORD=workers
DB_NAME=workers
DATABASE_URL="postgres://$DB_USER:$DB_PASSWORD@$DB:5432/$DB_NAME?sslmode=disable"

phase() { printf '\n==> %s\n' "$*"; }
die() {
	printf 'run-dockered.sh: %s\n' "$*" >&2
	exit 1
}
remove_containers() {
	for c in "$APP" "$DB"; do
		if docker container inspect "$c" >/dev/null 2>&1; then
			echo "removing container $c"
			# -v: the database's anonymous data volume goes with it.
			docker rm -f -v "$c" >/dev/null
		fi
	done
}

docker info >/dev/null 2>&1 || die "no Docker engine answers: start Docker and run this again"

case "${1:-up}" in
up) ;;
down)
	phase "Removing what run-dockered.sh made"
	remove_containers
	if docker network inspect "$NETWORK" >/dev/null 2>&1; then
		echo "removing network $NETWORK" && docker network rm "$NETWORK" >/dev/null
	fi
	if docker image inspect "$IMAGE" >/dev/null 2>&1; then
		echo "removing image $IMAGE" && docker image rm "$IMAGE" >/dev/null
	fi
	exit 0
	;;
*) die "unknown argument '$1': use ./run-dockered.sh [up|down]" ;;
esac

phase "1/4 Creating the network $NETWORK"
remove_containers
if docker network inspect "$NETWORK" >/dev/null 2>&1; then
	echo "network $NETWORK exists; reusing it"
else
	docker network create "$NETWORK" >/dev/null
	echo "created network $NETWORK"
fi

phase "2/4 Starting PostgreSQL ($DB) and waiting for it"
docker run --detach --name "$DB" --network "$NETWORK" \
	--env POSTGRES_USER="$DB_USER" --env POSTGRES_PASSWORD="$DB_PASSWORD" --env POSTGRES_DB="$DB_NAME" \
	postgres:17-trixie >/dev/null
# Over TCP (-h 127.0.0.1): during its first start the server answers on its Unix socket
# before it accepts TCP connections, and the app connects over TCP.
tries=0
until docker exec "$DB" pg_isready --quiet -h 127.0.0.1 -U "$DB_USER" -d "$DB_NAME"; do
	tries=$((tries + 1))
	[ "$tries" -lt 60 ] || die "$DB did not accept connections within 60 s: docker logs $DB"
	sleep 1
done
echo "$DB accepts connections"

phase "3/4 Building $IMAGE and starting $APP on http://127.0.0.1:$PORT"
docker build --build-context shared=../shared --tag "$IMAGE" .
docker run --detach --name "$APP" --network "$NETWORK" \
	--env DATABASE_URL="$DATABASE_URL" \
	--publish "127.0.0.1:$PORT:8080" \
	"$IMAGE" >/dev/null ||
	die "could not start $APP (is port $PORT taken? set PORT to a free port)"

phase "4/4 Creating the tables and seeding them"
docker exec "$APP" app create_db
docker exec "$APP" app seed_db

echo
echo "The API: curl http://127.0.0.1:$PORT/api/v1/workers"
echo "Logs:    docker logs -f $APP"
echo "Stop:    ./run-dockered.sh down"
