#!/bin/sh
# Entrypoint of the postgres:17-trixie stand-in: the official image's contract, in POSIX sh.
set -eu

log() { printf '%s [entrypoint] %s\n' "$(date -u '+%Y-%m-%d %H:%M:%S UTC')" "$*"; }
die() {
	log "error: $*" >&2
	exit 1
}

# file_env VAR: VAR may be given directly or as VAR_FILE (a path to read it from), not both.
file_env() {
	var=$1 default=${2:-}
	eval "val=\${$var:-} file=\${${var}_FILE:-}"
	if [ -n "$val" ] && [ -n "$file" ]; then
		die "both $var and ${var}_FILE are set (but are exclusive)"
	fi
	if [ -n "$file" ]; then
		[ -r "$file" ] || die "${var}_FILE=$file cannot be read"
		val=$(cat "$file")
	fi
	[ -n "$val" ] || val=$default
	export "$var=$val"
	unset "${var}_FILE"
}

# Options only (docker run postgres:17-trixie -c fsync=off): they are for the server.
case "${1:-postgres}" in
-*) set -- postgres "$@" ;;
esac

if [ "${1:-}" != postgres ]; then
	exec "$@"
fi

# Read the *_FILE variables first, as root where the container starts as root, as the
# official entrypoint does: a secret file need not be readable by postgres. They are
# exported, so the server's environment has them after the switch of user below.
file_env POSTGRES_PASSWORD
file_env POSTGRES_USER postgres
file_env POSTGRES_DB "$POSTGRES_USER"
file_env POSTGRES_INITDB_ARGS

if [ "$(id -u)" = 0 ]; then
	# Root only prepares the directories, then the server runs as postgres.
	mkdir -p "$PGDATA"
	chown postgres:postgres "$PGDATA"
	chmod 700 "$PGDATA"
	exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
	auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
	if [ -z "$POSTGRES_PASSWORD" ] && [ "$auth" != trust ]; then
		die "the database is uninitialized and no superuser password is set.
  Set POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE) to a non-empty value,
  or POSTGRES_HOST_AUTH_METHOD=trust to allow every connection without a password (unsafe)."
	fi

	log "initializing a new database cluster in $PGDATA"
	pwfile=$(mktemp)
	printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
	# shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of options on purpose
	initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust \
		--auth-host="$auth" $POSTGRES_INITDB_ARGS >/dev/null
	rm -f "$pwfile"
	printf '\n%s\n' "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
	printf '\n%s\n' "host all all all $auth" >>"$PGDATA/pg_hba.conf"

	# A temporary server on the Unix socket only, so nothing outside connects during init.
	pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
	psql_init() { psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc "$@"; }
	if [ "$POSTGRES_DB" != postgres ]; then
		log "creating database $POSTGRES_DB"
		psql_init --dbname postgres --set db="$POSTGRES_DB" -q <<-'SQL'
			CREATE DATABASE :"db";
		SQL
	fi
	for f in /docker-entrypoint-initdb.d/*; do
		[ -e "$f" ] || continue
		case "$f" in
		*.sh)
			if [ -x "$f" ]; then
				log "running $f"
				"$f"
			else
				log "sourcing $f"
				# shellcheck disable=SC1090 # the init scripts are the user's
				. "$f"
			fi
			;;
		*.sql) log "running $f" && psql_init --dbname "$POSTGRES_DB" -f "$f" ;;
		*.sql.gz) log "running $f" && gunzip -c "$f" | psql_init --dbname "$POSTGRES_DB" ;;
		*) log "ignoring $f" ;;
		esac
	done
	pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
	unset POSTGRES_PASSWORD
	log "init done; starting the server"
else
	log "$PGDATA holds a database already: skipping init"
fi

exec "$@"
