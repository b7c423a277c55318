#!/bin/sh
# Host tools `make ci` needs besides Docker and Go: curl, which the e2e tests run as
# the pages show it; shellcheck for the static checks; debootstrap to bake base images when
# no registry answers; chromium and Node.js with npm to render the pages' mermaid diagrams
# (tools/mermaid; the static checks install its npm packages); QEMU, registered with the
# kernel, so that linux/arm64 containers and build steps run on this amd64 machine (stage 08
# builds its image for linux/amd64 and linux/arm64); cosign, from Debian sid's package, which
# apt fetches and verifies with a sources list of its own (stage 08 signs its image), and syft,
# built from the Go module proxy (it makes the SBOM offline). Extra commands named as arguments
# are installed too, from Debian packages of the same name (`make bench` asks for wrk). Safe to
# run again: what is already there is only checked.
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
	*) echo "$1" ;;
	esac
}
need=""
for tool in curl shellcheck debootstrap chromium node npm "$@"; do
	command -v "$tool" >/dev/null 2>&1 || need="$need $(package "$tool")"
done
# QEMU is checked by its registration files rather than by commands: Debian's qemu packages
# up to bookworm ship binfmt-support's /usr/share/binfmts/qemu-aarch64 (for update-binfmts)
# and qemu-aarch64-static, newer ones may only ship systemd's binfmt.d file and name the
# static binary otherwise. Either file is enough for the registration below; binfmt-support
# is only needed where there is no binfmt.d file to register from.
BINFMT_D_GLOB='/usr/lib/binfmt.d/qemu-aarch64*.conf'
# binfmt_d_conf: the first binfmt.d file for qemu-aarch64, empty if none.
binfmt_d_conf() {
	for conf in $BINFMT_D_GLOB; do
		if [ -f "$conf" ]; then
			echo "$conf"
			return 0
		fi
	done
	return 0
}
qemu_files=""
case "$(uname -m)" in
aarch64 | arm64) ;;
*)
	if [ -f /usr/share/binfmts/qemu-aarch64 ]; then qemu_files=/usr/share/binfmts/qemu-aarch64; fi
	conf=$(binfmt_d_conf)
	if [ -n "$conf" ]; then qemu_files="${qemu_files:+$qemu_files }$conf"; fi
	if [ -z "$qemu_files" ]; then need="$need qemu-user-static"; fi
	if [ -z "$conf" ] && ! command -v update-binfmts >/dev/null 2>&1; then need="$need binfmt-support"; fi
	;;
esac
if [ -z "$need" ]; then
	say "present: curl shellcheck debootstrap chromium node npm $*"
	if [ -n "$qemu_files" ]; then say "QEMU's qemu-aarch64 registration files: $qemu_files"; fi
else
	say "installing:$need"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086 # $need is a word list on purpose
	apt-get install -y -qq --no-install-recommends $need >/dev/null
fi

# --- QEMU for linux/arm64 -------------------------------------------------------------------
# The kernel runs an arm64 binary through the interpreter binfmt_misc names for it. The F
# flag ("fix binary") makes the kernel open the (static) interpreter once, at registration,
# so that it also runs arm64 binaries inside containers, whose root has no such file.
say "checking that the kernel runs linux/arm64 binaries with QEMU"
BINFMT=/proc/sys/fs/binfmt_misc

# binfmt_d_line CONF: CONF's registration line, with the F flag added when it lacks it. A
# binfmt.d line is the string binfmt_misc's register file takes, ":name:type:offset:magic:
# mask:interpreter:flags", whose first character is the separator (any one); its last field
# is the flags. Comment lines (# or ;) and blank ones are skipped; the first other is taken.
binfmt_d_line() {
	line=$(grep -v -e '^[[:space:]]*[#;]' -e '^[[:space:]]*$' "$1" | head -n 1)
	[ -n "$line" ] || return 1
	sep=${line%"${line#?}"}
	flags=${line##*"$sep"}
	case "$flags" in
	*F*) printf '%s\n' "$line" ;;
	*) printf '%s%s%sF\n' "${line%"$sep"*}" "$sep" "$flags" ;;
	esac
}

# binfmt_d_register CONF REGISTER: register CONF's line (with F) by writing it to REGISTER,
# binfmt_misc's register file, as systemd-binfmt does at boot. It is what registers QEMU where
# update-binfmts has no qemu-aarch64 (qemu packages that only ship a binfmt.d file).
binfmt_d_register() {
	reg=$(binfmt_d_line "$1") || fail "$1 holds no registration line"
	say "registering qemu-aarch64 from $1: $reg"
	printf '%s\n' "$reg" >"$2" || fail "writing $1's line to $2 failed (as root?)"
}

case "$(uname -m)" in
aarch64 | arm64) say "this machine is arm64 itself: no emulation needed" ;;
*)
	# In a container, or where systemd did not mount it, binfmt_misc is an empty folder.
	if ! [ -e "$BINFMT/status" ]; then
		say "mounting binfmt_misc at $BINFMT"
		mount -t binfmt_misc binfmt_misc "$BINFMT" ||
			fail "could not mount binfmt_misc at $BINFMT (as root, on a kernel with CONFIG_BINFMT_MISC)"
	fi
	# Which tool owns the registration decides how it is made and how a bad one is redone.
	if command -v update-binfmts >/dev/null 2>&1 && update-binfmts --display qemu-aarch64 >/dev/null 2>&1; then
		via=update-binfmts
		redo="update-binfmts --disable qemu-aarch64, then run this again"
	elif conf=$(binfmt_d_conf) && [ -n "$conf" ]; then
		via=binfmt.d
		redo="echo -1 >$BINFMT/qemu-aarch64 (removes the kernel's entry), then run this again"
	else
		fail "nothing registers qemu-aarch64: neither update-binfmts knows it nor is there a $BINFMT_D_GLOB; apt-get install qemu-user-static"
	fi
	# binfmt-support's own state can say enabled while the kernel lost the entry (a new
	# binfmt_misc mount): the kernel's entry is what counts.
	if ! grep -q '^enabled' "$BINFMT/qemu-aarch64" 2>/dev/null; then
		if [ "$via" = update-binfmts ]; then
			say "registering qemu-aarch64 with binfmt_misc (update-binfmts)"
			update-binfmts --enable qemu-aarch64 ||
				fail "update-binfmts --enable qemu-aarch64 failed"
		elif [ -e "$BINFMT/qemu-aarch64" ]; then
			# Registered but switched off: registering again would fail (the name exists).
			say "enabling the kernel's disabled qemu-aarch64 entry"
			echo 1 >"$BINFMT/qemu-aarch64" || fail "could not write 1 to $BINFMT/qemu-aarch64"
		else
			binfmt_d_register "$conf" "$BINFMT/register"
		fi
	fi
	# Registered is not yet working: binfmt_misc as a whole and the entry must be enabled, and
	# without F no container finds the interpreter.
	status=$(cat "$BINFMT/status" 2>/dev/null || echo "unreadable")
	[ "$status" = enabled ] ||
		fail "binfmt_misc says '$status' in $BINFMT/status, so no binary format runs: echo 1 >$BINFMT/status, then run this again"
	[ -e "$BINFMT/qemu-aarch64" ] ||
		fail "registering qemu-aarch64 ($via) left no $BINFMT/qemu-aarch64: see the messages above, then run this again"
	state=$(head -n 1 "$BINFMT/qemu-aarch64")
	[ "$state" = enabled ] ||
		fail "$BINFMT/qemu-aarch64 says '$state' after registering ($via): echo 1 >$BINFMT/qemu-aarch64"
	flags=$(sed -n 's/^flags: *//p' "$BINFMT/qemu-aarch64")
	case "$flags" in
	*F*) say "qemu-aarch64 registered and enabled, binfmt_misc enabled (flags $flags, via $via)" ;;
	*) fail "qemu-aarch64 is registered without the F flag (flags: $flags), so arm64 containers cannot find it: $redo" ;;
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
# The keyring that must verify sid's InRelease: Debian's archive keys, as the host's own
# sources use; it signs sid with the stable and testing releases' automatic keys.
KEYRING=${DEBIAN_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}
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
	[ -x "$1" ] || return 1
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

# sid_apt TMP apt-get|apt-cache ARGS...: run apt on Debian sid alone, with its sources list,
# index lists and cache all in TMP, so the host's apt never sees sid (nothing in /etc/apt
# changes) and sid's indexes never mix with the host's. apt verifies sid's InRelease against
# KEYRING (signed-by) and each file it fetches against the hashes of what it has verified:
# Packages against InRelease, the .deb against Packages. Only sid's Packages index is fetched
# (target=Packages: no translations, Contents or DEP-11 metadata), for this machine's
# architecture only. Messages in English (LC_ALL=C), as the failures are told apart by them.
sid_apt() {
	dir=$1
	shift
	LC_ALL=C "$@" -q \
		-o Dir::Etc::SourceList="$dir/sid.list" -o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$dir/lists" -o Dir::Cache="$dir/cache" -o Acquire::Languages=none
}

# sid_checked LOG WHAT: end the script when apt's LOG shows that a file did not match its
# signature or checksum (tampered with, or corrupted on the way); that is no reason to trust a
# build either. Any other failure (no network, a keyring too old for sid's keys) is not.
sid_checked() {
	if grep -q -e 'BADSIG' -e 'invalid signature' -e 'Hash Sum mismatch' -e 'Hashes of expected file' "$1"; then
		cat "$1" >&2
		fail "$2: a file from $MIRROR does not match its signature or checksum (above), so nothing from it is installed; if the mirror was mid-sync, run this again later"
	fi
}

# sid_reason LOG WHAT: set $reason to WHAT and apt's first error or warning in LOG, which is
# shown, and return 1, for the build to take over.
sid_reason() {
	cat "$1" >&2
	reason="$2: $(grep -m 1 -e '^E:' -e '^W:' "$1" || echo 'apt said no more')"
	return 1
}

# cosign_from_debian TMP: install the cosign binary of Debian sid's package for this machine's
# architecture as BIN/cosign, working in the folder TMP. Where sid has no cosign 3 that runs
# here, it returns 1 with the reason in $reason, for the build to take over; a file that does
# not match sid's signed index ends the script, as that is no reason to trust a build either.
# (Called as an if's condition, it runs without set -e: each step that must not fail says so.)
cosign_from_debian() {
	for tool in dpkg apt-get apt-cache; do
		command -v "$tool" >/dev/null 2>&1 || {
			reason="no $tool here to fetch and unpack Debian's package"
			return 1
		}
	done
	if ! [ -r "$KEYRING" ]; then
		reason="no $KEYRING to verify sid's index with (apt-get install debian-archive-keyring)"
		return 1
	fi
	arch=$(dpkg --print-architecture)
	# apt drops root for downloads to its _apt user, who must reach TMP and write the .deb.
	chmod 0755 "$1"
	mkdir -p "$1/lists/partial" "$1/cache/archives/partial" "$1/deb"
	if id _apt >/dev/null 2>&1; then chown _apt "$1/deb"; fi
	printf 'deb [arch=%s target=Packages signed-by=%s] %s sid main\n' "$arch" "$KEYRING" "$MIRROR" >"$1/sid.list"
	say "reading sid's package index for $arch with apt (InRelease verified with $KEYRING): $MIRROR"
	# apt-get update can exit 0 with an index it could not fetch or verify (and apt then
	# ignores it): the candidate below says whether sid's index was read; the log, why not.
	sid_apt "$1" apt-get update >"$1/update.log" 2>&1 || true
	sid_checked "$1/update.log" "sid's package index for $arch"
	deb_version=$(sid_apt "$1" apt-cache policy cosign 2>/dev/null | awk '$1 == "Candidate:" { print $2; exit }')
	case "$deb_version" in
	"" | "(none)")
		if grep -q -e '^E:' -e '^W:' "$1/update.log"; then
			sid_reason "$1/update.log" "sid's package index for $arch was not read" || return 1
		fi
		reason="sid has no cosign package for $arch"
		return 1
		;;
	esac
	# A Debian version is [epoch:]upstream-revision; the upstream version must be 3.x.
	case "${deb_version#*:}" in
	3.*) ;;
	*)
		reason="sid's cosign is $deb_version, not 3.x"
		return 1
		;;
	esac
	say "downloading cosign $deb_version with apt-get download (checked against sid's verified index)"
	if ! (cd "$1/deb" && sid_apt "$1" apt-get download "cosign=$deb_version") >"$1/download.log" 2>&1; then
		sid_checked "$1/download.log" "cosign $deb_version"
		sid_reason "$1/download.log" "downloading cosign $deb_version failed" || return 1
	fi
	set -- "$1" "$1"/deb/cosign_*.deb
	[ -f "$2" ] || fail "apt-get download said it fetched cosign $deb_version, but $1/deb has no cosign_*.deb"
	say "unpacking $(basename "$2")"
	dpkg -x "$2" "$1/root" || fail "dpkg -x of $2 failed"
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

# path_note: say when the PATH finds a cosign other than BIN's, which the tests would run.
path_note() {
	on_path=$(command -v cosign || true)
	[ "$on_path" = "$BIN/cosign" ] ||
		say "note: the PATH finds ${on_path:-no cosign} first (cosign version: '$(version_of "${on_path:-/nonexistent}")'), not $BIN/cosign: put $BIN first"
}

# BIN's own cosign is checked first: an older cosign earlier on the PATH must not make every
# run reinstall one that is already there.
say "checking for cosign 3 in $BIN, then on the PATH"
if which=$(cosign3 "$BIN/cosign"); then
	say "cosign $which present: $BIN/cosign"
	path_note
elif cosign=$(command -v cosign) && which=$(cosign3 "$cosign"); then
	say "cosign $which present: $cosign"
else
	if [ -n "${cosign:-}" ]; then
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
	path_note
fi

# syft's version is an -X flag of its main package (its release build sets it from the tag);
# without it, syft and the SBOMs it writes say "[not provided]". Without cgo: a static
# binary, which also runs in the scanner stand-in's image. Built only when BIN has no syft
# at this version.
go_tool syft "$SYFT_VERSION" github.com/anchore/syft/cmd/syft 0 \
	-trimpath -ldflags "-X main.version=${SYFT_VERSION#v}"
