#!/bin/sh
# The official image's entrypoint contract: a configuration file alone is served; a
# subcommand (serve, garbage-collect, help) or an option is given to registry; anything else
# is run as it is.
set -e
case "$1" in
*.yaml | *.yml) set -- registry serve "$@" ;;
serve | garbage-collect | help | -*) set -- registry "$@" ;;
esac
exec "$@"
