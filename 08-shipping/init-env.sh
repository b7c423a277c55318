#!/bin/sh
# Create .env from .env.template, and the database password, a Compose secret, in
# secrets/db_password: 32 random letters and digits, with at least one of each kind. An
# empty value in the template would be filled the same way, in .env.
#   ./init-env.sh           create both; refuse when either exists
#   ./init-env.sh --force   replace both, after keeping the old ones as <file>.backup-<time>
# It refuses by default because PostgreSQL applies the password only when its volume is
# first initialised: a new password does not change the one an existing database has, and
# the app could no longer log in. See "Rotating the password" in the README.
set -eu
cd "$(dirname "$0")"

TEMPLATE=.env.template
TARGET=.env
SECRET=secrets/db_password
LENGTH=32

say() { printf 'init-env: %s\n' "$*"; }
die() {
	say "error: $*" >&2
	exit 1
}

force=false
case "${1:-}" in
"") ;;
--force) force=true ;;
*) die "unknown argument '$1'; usage: ./init-env.sh [--force]" ;;
esac

[ -r "$TEMPLATE" ] || die "$TEMPLATE is missing: run this from a checkout of the course"
for existing in "$TARGET" "$SECRET"; do
	if [ -e "$existing" ] && [ "$force" = false ]; then
		die "$existing exists already; it is kept as it is, and so is everything else.
  An existing database keeps the password it was initialised with, so a new one would lock
  the app out. To replace .env and the secret anyway (the old ones are kept as backups):
  ./init-env.sh --force"
	fi
done

# random_password prints LENGTH letters and digits from the best source at hand, drawn again
# until it holds a lower-case letter, an upper-case letter and a digit.
random_password() {
	while :; do
		if command -v pwgen >/dev/null 2>&1; then
			candidate=$(pwgen -s -c -n "$LENGTH" 1)
		elif [ -r /dev/urandom ]; then
			candidate=$(LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | dd bs="$LENGTH" count=1 2>/dev/null)
		elif command -v openssl >/dev/null 2>&1; then
			candidate=$(openssl rand -base64 96 | LC_ALL=C tr -dc 'A-Za-z0-9' | cut -c "1-$LENGTH")
		else
			die "no source of randomness: install pwgen or openssl"
		fi
		case "$candidate" in *[a-z]*) ;; *) continue ;; esac
		case "$candidate" in *[A-Z]*) ;; *) continue ;; esac
		case "$candidate" in *[0-9]*) ;; *) continue ;; esac
		[ "${#candidate}" -eq "$LENGTH" ] && break
	done
	printf '%s' "$candidate"
}

# Write each new file beside the old one and move it into place in one step: an interrupted
# run leaves no half-written file. .env is readable by its owner only.
umask 077
mkdir -p "$(dirname "$SECRET")"
tmp=$(mktemp "$TARGET.XXXXXX")
tmp_secret=$(mktemp "$SECRET.XXXXXX")
trap 'rm -f "$tmp" "$tmp_secret"' EXIT
generated=""
while IFS= read -r line || [ -n "$line" ]; do
	case "$line" in
	[A-Za-z_]*=)
		name=${line%=}
		printf '%s=%s\n' "$name" "$(random_password)" >>"$tmp"
		generated="$generated $name"
		;;
	*) printf '%s\n' "$line" >>"$tmp" ;;
	esac
done <"$TEMPLATE"

random_password >"$tmp_secret"
# Compose mounts a secret file as it is on this machine, owner and mode included, and the
# containers read it as their own non-root users: so the file is readable by all, and its
# folder by its owner only, which keeps the machine's other users out.
chmod 644 "$tmp_secret"
chmod 700 "$(dirname "$SECRET")"

stamp=$(date +%Y%m%d-%H%M%S)
for existing in "$TARGET" "$SECRET"; do
	if [ -e "$existing" ]; then
		cp -p "$existing" "$existing.backup-$stamp"
		say "kept the old $existing as $existing.backup-$stamp"
	fi
done
mv "$tmp" "$TARGET"
mv "$tmp_secret" "$SECRET"
trap - EXIT
say "created $TARGET from $TEMPLATE; generated:${generated:- nothing}"
say "created $SECRET, the database password"
