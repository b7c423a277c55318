#!/bin/sh
# Host tools `make ci` needs besides Docker and Go: curl, which the e2e tests run as
# the pages show it; shellcheck for the static checks; debootstrap to bake base images when
# no registry answers; chromium and Node.js with npm to render the pages' mermaid diagrams
# (tools/mermaid; the static checks install its npm packages). Extra commands named as
# arguments are installed too, from Debian packages of the same name (`make bench` asks for wrk).
# Safe to run again.
set -eu
# The Debian package that brings a command (the same name but for node).
package() { if [ "$1" = node ]; then echo nodejs; else echo "$1"; fi; }
need=""
for tool in curl shellcheck debootstrap chromium node npm "$@"; do
	command -v "$tool" >/dev/null 2>&1 || need="$need $(package "$tool")"
done
if [ -z "$need" ]; then
	echo "[install-tools] present: curl shellcheck debootstrap chromium node npm $*"
	exit 0
fi
echo "[install-tools] installing:$need"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086 # $need is a word list on purpose
apt-get install -y -qq --no-install-recommends $need >/dev/null
