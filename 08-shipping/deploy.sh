#!/bin/sh
# Deploy the stack with an image whose signature checks out:
#   ./deploy.sh 127.0.0.1:5000/workers-api@sha256:DIGEST
# 1. It takes the image by digest only: a tag names whatever was pushed last under it, a
#    digest one image for good.
# 2. It checks the image's signature with cosign and cosign.pub, the public half of the key
#    that signed it (README, Part 3): an image your key did not sign is refused, and nothing
#    is deployed.
# 3. It deploys stack.yaml with that image, the variables of .env, and your registry login,
#    which the nodes need to pull (--with-registry-auth).
# STACK_NAME names the stack (workers by default).
set -eu

say() { printf '[deploy] %s\n' "$*"; }
die() {
	printf 'deploy.sh: error: %s\n' "$*" >&2
	exit 1
}

if [ "$#" -ne 1 ] || [ -z "$1" ]; then
	die "usage: ./deploy.sh REGISTRY/workers-api@sha256:DIGEST"
fi
image=$1
stack=${STACK_NAME:-workers}
# A digest is sha256: and 64 lower-case hex digits, at the end of the reference.
digest=${image##*@sha256:}
case "$image" in
-*) die "$image is an option, not an image: give REPOSITORY@sha256:..." ;;
*@sha256:*) ;;
*) die "$image is not named by its digest, and a tag can be moved by the next push: give REPOSITORY@sha256:..., as docker buildx imagetools inspect prints it" ;;
esac
case "$digest" in
*[!0-9a-f]*) die "$image: the digest after sha256: must be 64 hex digits in lower case" ;;
esac
[ "${#digest}" -eq 64 ] || die "$image: the digest after sha256: must be 64 hex digits in lower case"

# .env, stack.yaml and cosign.pub are this stage's: read them from its folder, wherever this
# script is run from.
cd "$(dirname "$0")"
[ -f .env ] || die ".env is missing: run ./init-env.sh first"
[ -f cosign.pub ] || die "cosign.pub is missing: make the key pair with cosign generate-key-pair (README, Part 3)"
command -v cosign >/dev/null 2>&1 || die "cosign is not installed: see https://docs.sigstore.dev/cosign/system_config/installation/"

say "checking the signature of $image with cosign.pub"
# --insecure-ignore-tlog: these signatures are made offline, with no transparency log to
# check them against (README, Part 3); the key alone vouches for them. Its JSON goes nowhere:
# what counts is whether it accepts the image.
if ! cosign verify --key cosign.pub --insecure-ignore-tlog=true -- "$image" >/dev/null; then
	die "cosign verify did not accept $image (its reason is above): nothing was deployed. An image your key never signed: sign it (README, Part 3), or deploy one you signed"
fi

say "deploying $image as the stack $stack"
# The variables of .env, for the stack file (docker stack deploy does not read .env), in a
# subshell so that this shell keeps none of them.
# shellcheck source=/dev/null
(set -a && . ./.env && APP_IMAGE=$image docker stack deploy --detach=true --with-registry-auth -c stack.yaml "$stack")
