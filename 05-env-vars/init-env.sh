#!/bin/sh
# Create .env from .env.template, with every empty value (a secret) filled with a strong
# random password: 32 letters and digits, with at least one of each kind.
#   ./init-env.sh           create .env; refuse when it exists
#   ./init-env.sh --force   replace .env, after keeping the old one as .env.backup-<time>
# It refuses by default because PostgreSQL applies POSTGRES_PASSWORD only when its volume
# is first initialised: a new password in .env does not change the one an existing database
# has, and the app could no longer log in. See "Rotating the password" in the README.
set -eu
cd "$(dirname "$0")"

TEMPLATE=.env.template
TARGET=.env
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
if [ -e "$TARGET" ] && [ "$force" = false ]; then
	die "$TARGET exists already; it is kept as it is.
  An existing database keeps the password it was initialised with, so a new one would lock
  the app out. To replace .env anyway (the old one is kept as a backup): ./init-env.sh --force"
fi

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

# Write the new file beside the old one, readable by its owner only, and move it into place
# in one step: an interrupted run leaves no half-written .env.
umask 077
tmp=$(mktemp "$TARGET.XXXXXX")
trap 'rm -f "$tmp"' EXIT
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

if [ -e "$TARGET" ]; then
	backup="$TARGET.backup-$(date +%Y%m%d-%H%M%S)"
	cp -p "$TARGET" "$backup"
	say "kept the old $TARGET as $backup"
fi
mv "$tmp" "$TARGET"
trap - EXIT
say "created $TARGET from $TEMPLATE; generated:${generated:- nothing}"
