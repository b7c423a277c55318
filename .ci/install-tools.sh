#!/bin/sh
# Host tools `make ci` needs besides Docker and Go: curl, which the e2e tests run as
# the pages show it; shellcheck for the static checks; debootstrap to bake base images when
# no registry answers; chromium and Node.js with npm to render the pages' mermaid diagrams
# (tools/mermaid; the static checks install its npm packages); QEMU, registered with the
# kernel, so that linux/arm64 containers and build steps run on this amd64 machine (stage 08
# builds its image for linux/amd64 and linux/arm64); cosign, from Debian sid's package (stage 08
# signs its image), and syft, built from the Go module proxy (it makes the SBOM offline). Extra
# commands named as arguments are installed too, from Debian packages of the same name (`make
# bench` asks for wrk). Safe to run again: what is already there is only checked.
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
	xz) echo xz-utils ;;
	*) echo "$1" ;;
	esac
}
need=""
# xz reads Debian's package index, for cosign below.
for tool in curl shellcheck debootstrap chromium node npm qemu-aarch64-static update-binfmts xz "$@"; do
	command -v "$tool" >/dev/null 2>&1 || need="$need $(package "$tool")"
done
if [ -z "$need" ]; then
	say "present: curl shellcheck debootstrap chromium node npm qemu-aarch64-static update-binfmts xz $*"
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

# --- cosign and syft -------------------------------------------------------------------------
# Stage 08 signs its image with cosign; syft writes an image's SBOM (and is what the stand-in
# of BuildKit's SBOM scanner runs: images/buildkit-syft-scanner). No release download site
# answers here, but Debian's mirrors do: cosign comes from Debian sid's package (bookworm has
# none and trixie's is 2.5), whose binary needs only glibc 2.34 or newer, in seconds where its
# build takes about 13 minutes on 2 cores. It is built from the Go module proxy only when sid
# has no cosign 3 that runs here; syft, which Debian does not package, always is. A build uses
# the Go the modules need (the one the current Docker toolchain is built with). Both go into
# BIN, on the PATH of the tests; a tool already there at a fitting version is kept.
COSIGN_VERSION=v3.1.3
SYFT_VERSION=v1.57.2
BIN=${TOOLS_BIN:-/usr/local/bin}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
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

# cosign3 COMMAND: true when COMMAND is a cosign 3, printing which. Debian's build stamps no
# version (`cosign version` says "GitVersion: devel"): such a build counts as 3 when its sign
# command has version 3's default, --use-signing-config=true (2.x has it false, or not at all).
cosign3() {
	cosign_version=$(version_of "$1")
	case "$cosign_version" in
	3.*) echo "$cosign_version" ;;
	devel)
		"$1" sign --help 2>/dev/null | grep -q -- '--use-signing-config=true:' || return 1
		echo "3 (a build that stamps no version, as Debian's: GitVersion devel, version 3's --use-signing-config=true)"
		;;
	*) return 1 ;;
	esac
}

# sha256 FILE: its SHA-256 in hex (sha256sum on Linux, shasum on macOS and the BSDs).
sha256() {
	if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1"; else shasum -a 256 "$1"; fi |
		awk '{ print $1 }'
}

# cosign_from_debian TMP: install the cosign binary of Debian sid's package for this machine's
# architecture as BIN/cosign, working in the folder TMP. Where sid has no cosign 3 that runs
# here, it returns 1 with the reason in $reason, for the build to take over; a package whose
# checksum is not the index's ends the script, as that is no reason to trust a build either.
# (Called as an if's condition, it runs without set -e: each step that must not fail says so.)
cosign_from_debian() {
	for tool in dpkg xz curl; do
		command -v "$tool" >/dev/null 2>&1 || {
			reason="no $tool here to fetch and unpack Debian's package"
			return 1
		}
	done
	arch=$(dpkg --print-architecture)
	index=$MIRROR/dists/sid/main/binary-$arch/Packages.xz
	say "reading sid's package index: $index"
	if ! { curl -fsS -o "$1/Packages.xz" "$index" && xz -dc "$1/Packages.xz" >"$1/Packages"; }; then
		reason="sid's package index for $arch could not be read: $index"
		return 1
	fi
	# The cosign stanza's fields the install needs, one "Field: value" a line.
	awk '$1 == "Package:" { found = ($2 == "cosign") }
		found && ($1 == "Version:" || $1 == "Filename:" || $1 == "SHA256:") { print }
		found && $0 == "" { exit }' "$1/Packages" >"$1/stanza"
	deb_version=$(sed -n 's/^Version: //p' "$1/stanza")
	file=$(sed -n 's/^Filename: //p' "$1/stanza")
	sum=$(sed -n 's/^SHA256: //p' "$1/stanza")
	if [ -z "$deb_version" ]; then
		reason="sid has no cosign package for $arch"
		return 1
	fi
	# A Debian version is [epoch:]upstream-revision; the upstream version must be 3.x.
	case "${deb_version#*:}" in
	3.*) ;;
	*)
		reason="sid's cosign is $deb_version, not 3.x"
		return 1
		;;
	esac
	# The file name becomes part of a URL and a download: only a pool path is taken.
	case "$file" in
	pool/*/cosign_*.deb) ;;
	*) fail "sid's index gives cosign $deb_version the file '$file', not a pool/…/cosign_….deb" ;;
	esac
	say "downloading cosign $deb_version: $MIRROR/$file"
	curl -fsS -o "$1/cosign.deb" "$MIRROR/$file" || {
		reason="downloading $MIRROR/$file failed"
		return 1
	}
	got=$(sha256 "$1/cosign.deb")
	[ "$got" = "$sum" ] ||
		fail "$MIRROR/$file has SHA256 $got, but sid's index says $sum: not installed"
	say "unpacking it (SHA256 $got, as the index says)"
	dpkg -x "$1/cosign.deb" "$1/root" || fail "dpkg -x of $1/cosign.deb failed"
	# Run before it is installed: its Depends names only libc6 (>= 2.34), which a machine's
	# apt cannot check for a sid package, so running it is the check.
	if ! which=$(cosign3 "$1/root/usr/bin/cosign"); then
		reason="sid's cosign $deb_version does not run here as cosign 3 (it needs glibc 2.34 or newer)"
		return 1
	fi
	if ! { mkdir -p "$BIN" && install -m 0755 "$1/root/usr/bin/cosign" "$BIN/cosign"; }; then
		fail "could not install cosign as $BIN/cosign"
	fi
	say "cosign $deb_version from Debian sid installed as $BIN/cosign: cosign $which"
}

say "checking for cosign 3"
if cosign=$(command -v cosign) && which=$(cosign3 "$cosign"); then
	say "cosign $which present: $cosign"
else
	if [ -n "$cosign" ]; then
		say "$cosign is not cosign 3 (cosign version: '$(version_of "$cosign")')"
	fi
	say "installing cosign 3 from Debian sid's package into $BIN"
	start=$(date +%s)
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	reason=""
	if cosign_from_debian "$work"; then
		say "cosign installed from Debian in $(($(date +%s) - start)) s"
	else
		say "no cosign 3 from Debian ($reason): falling back to building cosign $COSIGN_VERSION from the Go module proxy"
		go_tool cosign "$COSIGN_VERSION" github.com/sigstore/cosign/v3/cmd/cosign ""
	fi
	rm -rf "$work"
	trap - EXIT
	# A cosign earlier on the PATH would still be the one the tests run.
	[ "$(command -v cosign)" = "$BIN/cosign" ] ||
		say "note: cosign on the PATH is $(command -v cosign || echo 'none'), not $BIN/cosign: put $BIN first"
fi

# syft's version is an -X flag of its main package (its release build sets it from the tag);
# without it, syft and the SBOMs it writes say "[not provided]". Without cgo: a static
# binary, which also runs in the scanner stand-in's image. Built only when BIN has no syft
# at this version.
go_tool syft "$SYFT_VERSION" github.com/anchore/syft/cmd/syft 0 \
	-trimpath -ldflags "-X main.version=${SYFT_VERSION#v}"
