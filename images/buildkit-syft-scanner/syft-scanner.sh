#!/bin/sh
# Entrypoint of the docker/buildkit-syft-scanner stand-in: BuildKit's SBOM scanner protocol,
# as the real scanner (github.com/docker/buildkit-syft-scanner) implements it, with the syft
# CLI doing the scan.
#
# In:  BUILDKIT_SCAN_SOURCE          the root filesystem to scan (required, must exist)
#      BUILDKIT_SCAN_SOURCE_EXTRAS   a folder whose every entry is scanned too (optional: the
#                                    build's other stages, with --sbom=...,scan-stage=true)
#      BUILDKIT_SCAN_DESTINATION     where the results go (required, must exist)
#      BUILDKIT_SCAN_SELECT_CATALOGERS  syft's cataloger selection, used instead of the
#                                    default one below (optional, comma-separated)
#      LOG_LEVEL                     syft's log level (the image says warn)
# Out: in BUILDKIT_SCAN_DESTINATION, for each folder scanned, NAME.spdx.json (NAME: its base
#      name; BuildKit names the core "sbom"), an in-toto v1 statement whose predicate is
#      syft's SPDX JSON document of the folder, which BuildKit attaches to the image.
set -eu
fail() {
	echo "syft-scanner: $*" >&2
	exit 1
}
# path_from VARIABLE: the path it names, which must exist.
path_from() {
	eval "set -- \"\$1\" \"\${$1-}\" \"\${$1+set}\""
	[ "$3" = set ] || fail "required variable \"$1\" not set"
	[ -e "$2" ] || fail "variable \"$1\" (\"$2\") does not exist"
	printf '%s\n' "$2"
}
destination=$(path_from BUILDKIT_SCAN_DESTINATION)
source=$(path_from BUILDKIT_SCAN_SOURCE)

# The real scanner's selection: what syft catalogs in a container image (the installed
# packages' databases, binaries; not lock files), file metadata, and the SBOMs the image
# itself carries (sbom-cataloger).
select=${BUILDKIT_SCAN_SELECT_CATALOGERS:-+sbom-cataloger}
export SYFT_LOG_LEVEL="${LOG_LEVEL:-warn}"

# scan FOLDER: its statement, FOLDER's base name + .spdx.json, in the destination.
scan() {
	name=$(basename "$1")
	out="$destination/$name.spdx.json"
	# --base-path: the SBOM names files as the image has them (/usr/...), not under the mount.
	syft scan "dir:$1" --base-path "$1" --source-name "$name" \
		--override-default-catalogers image,file --select-catalogers "$select" \
		-o "spdx-json=$out.predicate" || fail "syft could not scan $1"
	{
		printf '{"_type":"https://in-toto.io/Statement/v1","predicateType":"https://spdx.dev/Document","subject":null,"predicate":'
		cat "$out.predicate"
		printf '}\n'
	} >"$out"
	rm -f "$out.predicate"
}

scan "$source"
if [ -n "${BUILDKIT_SCAN_SOURCE_EXTRAS+set}" ]; then
	extras=$(path_from BUILDKIT_SCAN_SOURCE_EXTRAS)
	for entry in "$extras"/*; do
		[ -e "$entry" ] || continue
		scan "$entry"
	done
fi
