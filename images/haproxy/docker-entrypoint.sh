#!/bin/sh
# The official image's entrypoint contract: options alone ("-f FILE") are given to haproxy,
# and haproxy itself runs in master-worker mode (-W, reloads on SIGUSR2) in the foreground
# (-db), so that it is the container's main process.
set -e
case "$1" in
-*) set -- haproxy "$@" ;;
esac
if [ "$1" = haproxy ]; then
	shift
	set -- haproxy -W -db "$@"
fi
exec "$@"
