#!/bin/sh
# Host tools `make ci` needs besides Docker and Go: curl, which the e2e tests run as
# the pages show it; shellcheck for the static checks; debootstrap to bake base images when
# no registry answers; chromium and Node.js with npm to render the pages' mermaid diagrams
# (tools/mermaid; the static checks install its npm packages); QEMU, registered with the
# kernel, so that linux/arm64 containers and build steps run on this amd64 machine (stage 08
# builds its image for linux/amd64 and linux/arm64); cosign and syft, built from the Go module
# proxy (stage 08 signs its image; syft makes its SBOM offline). Extra commands named as
# arguments are installed too, from Debian packages of the same name (`make bench` asks for wrk).
# Safe to run again: what is already there is only checked.
set -eu
say() { printf '[install-tools] %s\n' "$*"; }
fail() {
	printf '[install-tools] %s\n' "$*" >&2
	exit 1
}

# --- Debian packages ------------------------------------------------------------------------
say "checking the Debian packages' commands"
# The Debian package that brings a command (the same name but for these).
package() {
	case "$1" in
	node) echo nodejs ;;
	qemu-aarch64-static) echo qemu-user-static ;;
	update-binfmts) echo binfmt-support ;;
	*) echo "$1" ;;
	esac
}
need=""
for tool in curl shellcheck debootstrap chromium node npm qemu-aarch64-static update-binfmts "$@"; do
	command -v "$tool" >/dev/null 2>&1 || need="$need $(package "$tool")"
done
if [ -z "$need" ]; then
	say "present: curl shellcheck debootstrap chromium node npm qemu-aarch64-static update-binfmts $*"
else
	say "installing:$need"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086 # $need is a word list on purpose
	apt-get install -y -qq --no-install-recommends $need >/dev/null
fi

# --- QEMU for linux/arm64 -------------------------------------------------------------------
# The kernel runs an arm64 binary through the interpreter binfmt_misc names for it. The F
# flag ("fix binary") makes the kernel open qemu-aarch64-static once, at registration, so
# that it also runs arm64 binaries inside containers, whose root has no such file.
say "checking that the kernel runs linux/arm64 binaries with QEMU"
BINFMT=/proc/sys/fs/binfmt_misc
case "$(uname -m)" in
aarch64 | arm64) say "this machine is arm64 itself: no emulation needed" ;;
*)
	# In a container, or where systemd did not mount it, binfmt_misc is an empty folder.
	if ! [ -e "$BINFMT/status" ]; then
		say "mounting binfmt_misc at $BINFMT"
		mount -t binfmt_misc binfmt_misc "$BINFMT" ||
			fail "could not mount binfmt_misc at $BINFMT (as root, on a kernel with CONFIG_BINFMT_MISC)"
	fi
	# binfmt-support's own state can say enabled while the kernel lost the entry (a new
	# binfmt_misc mount): the kernel's entry is what counts.
	if ! grep -q '^enabled' "$BINFMT/qemu-aarch64" 2>/dev/null; then
		say "registering qemu-aarch64 with binfmt_misc"
		update-binfmts --enable qemu-aarch64 ||
			fail "update-binfmts --enable qemu-aarch64 failed"
	fi
	flags=$(sed -n 's/^flags: *//p' "$BINFMT/qemu-aarch64")
	case "$flags" in
	*F*) say "qemu-aarch64 registered (flags $flags)" ;;
	*) fail "qemu-aarch64 is registered without the F flag (flags: $flags), so arm64 containers cannot find it: update-binfmts --disable qemu-aarch64, then run this again" ;;
	esac
	;;
esac

# --- cosign and syft, built from the Go module proxy -----------------------------------------
# Stage 08 signs its image with cosign; syft writes an image's SBOM (and is what the stand-in
# of BuildKit's SBOM scanner runs: images/buildkit-syft-scanner). No release download site
# answers here, so both are built from the module proxy, with the Go their modules need (the
# one the current Docker toolchain is built with), into BIN, on the PATH of the tests. A
# tool already at its version is kept; a build takes minutes (see below).
COSIGN_VERSION=v3.1.3
SYFT_VERSION=v1.57.2
BIN=${TOOLS_BIN:-/usr/local/bin}
# shellcheck source-path=SCRIPTDIR source=docker-toolchains.env
. "$(dirname "$0")/docker-toolchains.env"

# version_of COMMAND: the version COMMAND's `version` subcommand reports, without a leading v
# (cosign says "GitVersion:    v3.1.3", syft "Version:           1.57.2"); empty if none.
version_of() {
	"$1" version 2>/dev/null | awk '$1 == "GitVersion:" || $1 == "Version:" { sub(/^v/, "", $2); print $2; exit }'
}

# go_tool COMMAND VERSION PACKAGE CGO [go install options...]: CGO is CGO_ENABLED's value,
# empty for Go's default.
go_tool() {
	name=$1 version=$2 pkg=$3 cgo=$4
	shift 4
	say "checking $name $version in $BIN"
	if [ "$(version_of "$BIN/$name")" = "${version#v}" ]; then
		say "$name ${version#v} present"
		return 0
	fi
	command -v go >/dev/null 2>&1 || fail "go is needed to build $name $version: https://go.dev/dl/"
	say "building $name $version with $CURRENT_GO (several minutes on 2 cores)"
	start=$(date +%s)
	CGO_ENABLED=$cgo GOTOOLCHAIN=$CURRENT_GO GOBIN=$BIN go install "$@" "$pkg@$version" ||
		fail "go install $pkg@$version failed (its output is above)"
	[ "$(version_of "$BIN/$name")" = "${version#v}" ] ||
		fail "$BIN/$name was built but reports version '$(version_of "$BIN/$name")', not ${version#v}"
	say "$name ${version#v} built in $(($(date +%s) - start)) s"
}

go_tool cosign "$COSIGN_VERSION" github.com/sigstore/cosign/v3/cmd/cosign ""
# syft's version is an -X flag of its main package (its release build sets it from the tag);
# without it, syft and the SBOMs it writes say "[not provided]". Without cgo: a static
# binary, which also runs in the scanner stand-in's image.
go_tool syft "$SYFT_VERSION" github.com/anchore/syft/cmd/syft 0 \
	-trimpath -ldflags "-X main.version=${SYFT_VERSION#v}"
