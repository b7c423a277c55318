#!/bin/sh
# Host tools the test command needs besides Docker and Go: shellcheck for the static
# checks, debootstrap to bake base images when no registry answers. Safe to run again.
set -eu
need=""
command -v shellcheck >/dev/null 2>&1 || need="$need shellcheck"
command -v debootstrap >/dev/null 2>&1 || need="$need debootstrap"
if [ -z "$need" ]; then
	echo "[install-tools] shellcheck and debootstrap are present"
	exit 0
fi
echo "[install-tools] installing:$need"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086 # $need is a word list on purpose
apt-get install -y -qq --no-install-recommends $need >/dev/null
