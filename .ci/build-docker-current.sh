#!/bin/sh
# Build the "current" Docker toolchain (.ci/docker-toolchains.env) from the Go module proxy:
# dockerd and docker-proxy (moby), the docker CLI, the compose and buildx CLI plugins, runc.
#
# No download site or registry is reachable on our machines, but the Go module proxy is, and
# every one of these is a Go module. Each is built as the main module of its own downloaded
# copy (`go install pkg@version` refuses modules whose go.mod has exclude directives).
# The result is kept in $1 (a folder named after the pins), so a second run on the same
# machine builds nothing (.ci/run prints how long provisioning took).
#
# usage: .ci/build-docker-current.sh DEST
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=docker-toolchains.env
. "$here/docker-toolchains.env"

[ $# -eq 1 ] || {
	echo "usage: $0 DEST" >&2
	exit 2
}
dest=$1
say() { printf '[build-docker-current] %s\n' "$*"; }

export GOTOOLCHAIN="$CURRENT_GO" GOFLAGS=-mod=mod
work=$(mktemp -d)
# The plugins' build (below) runs beside this script's own: when this one fails, the other
# ends before its folder goes.
trap '[ -z "${plugins_pid:-}" ] || wait "$plugins_pid" 2>/dev/null; chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$dest/bin.partial"

# fetch MODULE VERSION: print a writable copy of that module's source.
fetch() {
	dir=$(go mod download -json "$1@$2" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	[ -n "$dir" ] || {
		echo "go mod download $1@$2 gave no folder" >&2
		exit 1
	}
	copy=$work/$(echo "$1" | tr / _)
	cp -R "$dir" "$copy"
	chmod -R u+w "$copy"
	echo "$copy"
}

# built NAME: true when bin.partial already has NAME from an interrupted earlier run.
built() { [ -x "$dest/bin.partial/$1" ]; }

step() {
	say "$*"
	step_start=$(date +%s)
}
done_step() { say "  done in $(($(date +%s) - step_start)) s"; }

# Two builds at once: the engine's (runc, dockerd, the CLI) and the CLI plugins' (compose,
# buildx). Each go build is already parallel, but spends much of its time downloading modules
# and linking on one core; side by side they keep both cores busy. The plugins' output goes
# to a log, printed when they are done.
plugins() {
	if ! built docker-compose; then
		step "compose $CURRENT_COMPOSE_VERSION"
		src=$(fetch github.com/docker/compose/v5 "$CURRENT_COMPOSE_VERSION")
		(cd "$src" && go build -trimpath -ldflags "-X github.com/docker/compose/v5/internal.Version=$CURRENT_COMPOSE_VERSION" \
			-o "$dest/bin.partial/docker-compose" ./cmd)
		done_step
	fi

	if ! built docker-buildx; then
		step "buildx $CURRENT_BUILDX_VERSION"
		src=$(fetch github.com/docker/buildx "$CURRENT_BUILDX_VERSION")
		pkg=github.com/docker/buildx/version
		(cd "$src" && go build -trimpath -ldflags "-X $pkg.Version=$CURRENT_BUILDX_VERSION -X $pkg.Revision=$CURRENT_BUILDX_VERSION -X $pkg.Package=github.com/docker/buildx" \
			-o "$dest/bin.partial/docker-buildx" ./cmd/buildx)
		done_step
	fi
}
plugins_log=$work/plugins.log
plugins >"$plugins_log" 2>&1 &
plugins_pid=$!

if ! built runc; then
	step "runc $CURRENT_RUNC_VERSION (needs libseccomp-dev)"
	src=$(fetch github.com/opencontainers/runc "$CURRENT_RUNC_VERSION")
	(cd "$src" && CGO_ENABLED=1 go build -trimpath -tags seccomp \
		-ldflags "-X main.version=${CURRENT_RUNC_VERSION#v} -X main.gitCommit=$CURRENT_RUNC_VERSION" -o "$dest/bin.partial/runc" .)
	done_step
fi

if ! built dockerd; then
	step "dockerd and docker-proxy: $CURRENT_ENGINE_MODULE $CURRENT_ENGINE_MODULE_VERSION = Engine $CURRENT_ENGINE_VERSION"
	src=$(fetch "$CURRENT_ENGINE_MODULE" "$CURRENT_ENGINE_MODULE_VERSION")
	pkg=$CURRENT_ENGINE_MODULE/dockerversion
	flags="-X $pkg.Version=$CURRENT_ENGINE_VERSION -X $pkg.GitCommit=$CURRENT_ENGINE_MODULE_VERSION -X '$pkg.PlatformName=Docker Engine - Community'"
	(cd "$src" && go build -trimpath -ldflags "$flags" -o "$dest/bin.partial/docker-proxy" ./cmd/docker-proxy &&
		go build -trimpath -ldflags "$flags" -o "$dest/bin.partial/dockerd.tmp" ./cmd/dockerd)
	mv "$dest/bin.partial/dockerd.tmp" "$dest/bin.partial/dockerd"
	done_step
fi

if ! built docker; then
	step "docker CLI $CURRENT_CLI_MODULE_VERSION"
	src=$(fetch github.com/docker/cli "$CURRENT_CLI_MODULE_VERSION")
	# The CLI keeps its module file as vendor.mod; its own scripts copy it to go.mod the same way.
	cp "$src/vendor.mod" "$src/go.mod"
	cp "$src/vendor.sum" "$src/go.sum"
	v=${CURRENT_CLI_MODULE_VERSION%+incompatible}
	(cd "$src" && go build -trimpath -ldflags "-X github.com/docker/cli/cli/version.Version=${v#v} -X github.com/docker/cli/cli/version.GitCommit=$v" \
		-o "$dest/bin.partial/docker" ./cmd/docker)
	done_step
fi

plugins_status=0
wait "$plugins_pid" || plugins_status=$?
plugins_pid="" # waited for: the exit trap has no job to wait for
cat "$plugins_log"
[ "$plugins_status" -eq 0 ] || {
	echo "building the CLI plugins failed (their output is above)" >&2
	exit 1
}

rm -rf "${dest:?}/bin"
mv "$dest/bin.partial" "$dest/bin"
say "built into $dest/bin"
