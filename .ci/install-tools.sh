#!/bin/sh
# Host tools the test command needs besides Docker and Go: shellcheck for the static
# checks, debootstrap to bake base images when no registry answers. Extra commands named as
# arguments are installed too, from Debian packages of the same name (`make bench` asks for wrk).
# Safe to run again.
set -eu
need=""
for tool in shellcheck debootstrap "$@"; do
	command -v "$tool" >/dev/null 2>&1 || need="$need $tool"
done
if [ -z "$need" ]; then
	echo "[install-tools] present: shellcheck debootstrap $*"
	exit 0
fi
echo "[install-tools] installing:$need"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086 # $need is a word list on purpose
apt-get install -y -qq --no-install-recommends $need >/dev/null
