#!/bin/sh
# The static checks: every check that needs no running container of the course's.
#
#   .ci/static-checks.sh test   `make test`'s: what Go and Docker alone can check, on any
#                               Docker (gofmt, go vet, tidy modules, tools/stages check,
#                               actionlint, compose and stack files, HAProxy's configuration,
#                               and docker build --check where the engine's buildx has it)
#   .ci/static-checks.sh [ci]   `make ci`'s: all of those, and shellcheck, the Markdown lint
#                               and the mermaid check (shellcheck, node, npm, chromium), with
#                               docker build --check required
#
# Each phase fails the run on the first problem it reports. `make doctor` names every tool a
# level lacks, with how to get it.
set -eu
cd "$(dirname "$0")/.."
level=${1:-ci}
case "$level" in
test | ci) ;;
*)
	echo "usage: $0 [test | ci]" >&2
	exit 2
	;;
esac

phase() { printf '\n== static checks: %s\n' "$*"; }
die() {
	printf 'static checks: %s\n' "$*" >&2
	exit 1
}
# Files of the checkout (tracked, or new and not ignored) matching git pathspecs.
files() { git ls-files --cached --others --exclude-standard -- "$@"; }

docker compose version >/dev/null 2>&1 || die "docker compose is missing: make doctor says how to get it"
has_check=true
docker build --help 2>/dev/null | grep -q -- '--check' || has_check=false
if [ "$level" = ci ]; then
	for tool in shellcheck node npm "${CHROMIUM:-chromium}"; do
		command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (make ci's checks need it): make doctor says how to get it"
	done
	[ "$has_check" = true ] ||
		die "docker build has no --check (buildx 0.15 or newer has it): make ci runs on the engine .ci/provision-docker.sh starts"
fi
ACTIONLINT_VERSION=v1.7.12

if [ "$level" = ci ]; then
	phase "shellcheck on every shell script"
	# .ci/run is a shell script without the .sh ending.
	files '*.sh' .ci/run | xargs shellcheck --external-sources
	files '*.sh' .ci/run | sed 's/^/  ok /'
fi

phase "gofmt"
# (no xargs -r, which BSD xargs lacks: the checkout always has Go files.)
unformatted=$(files '*.go' | xargs gofmt -l)
[ -z "$unformatted" ] || die "not gofmt-ed (run gofmt -w): $unformatted"
echo "  ok"

phase "every module on its own: tidy, builds alone (GOWORK=off), go vet"
for dir in $(go list -m -f '{{.Dir}}'); do
	name=${dir#"$PWD"/}
	(cd "$dir" && GOWORK=off go mod tidy -diff >/dev/null) ||
		die "$name: go.mod or go.sum is not tidy on its own: run (cd $name && GOWORK=off go mod tidy)"
	(cd "$dir" && GOWORK=off go build -o /dev/null ./... && GOWORK=off go vet ./...) || die "$name does not build alone, or go vet failed"
	echo "  ok $name"
done
# make bench's files build only with the bench tag: vet them too, or they rot unseen.
(cd e2e && GOWORK=off go vet -tags bench ./...) || die "e2e with -tags bench (make bench) fails go vet"
echo "  ok e2e -tags bench"
(cd e2e && GOWORK=off go vet -tags multinode ./...) || die "e2e with -tags multinode (make e2e-nodes) fails go vet"
echo "  ok e2e -tags multinode"

phase "each stage is the previous one plus its lesson (tools/stages check)"
go run ./tools/stages check

# npm_packages NAME: tools/NAME's pinned npm packages go into .cache/NAME, again only when its
# lock changes.
npm_packages() {
	mkdir -p ".cache/$1"
	if ! cmp -s "tools/$1/package-lock.json" ".cache/$1/installed.lock"; then
		cp "tools/$1/package.json" "tools/$1/package-lock.json" ".cache/$1/"
		npm ci --prefix ".cache/$1" --ignore-scripts --no-audit --no-fund --loglevel=error ||
			die "npm ci of tools/$1's packages failed"
		cp "tools/$1/package-lock.json" ".cache/$1/installed.lock"
	fi
}

if [ "$level" = ci ]; then
	phase "every mermaid diagram of the pages renders (tools/mermaid in headless chromium)"
	npm_packages mermaid
	MERMAID_DIR=.cache/mermaid node tools/mermaid/check.mjs

	phase "every page's Markdown (markdownlint-cli2, with the rules of .markdownlint-cli2.jsonc)"
	npm_packages markdownlint
	files '*.md' | xargs node .cache/markdownlint/node_modules/markdownlint-cli2/markdownlint-cli2-bin.mjs ||
		die "markdownlint-cli2 found problems in the pages (above): fix them, or, for a rule that does not fit the course, tune it in .markdownlint-cli2.jsonc and say why"
fi

phase "docker compose config -q on every compose file, once per profile"
# A stage with a .env.template reads its values from .env, which is never committed: check it
# with the template, each empty value (a secret init-env.sh generates) filled with a stand-in.
# check_env DIR writes that .env to .cache/check.env.
check_env() {
	sed 's/^\([A-Za-z_][A-Za-z0-9_]*\)=$/\1=StandIn4ConfigCheck/' "$1/.env.template" >.cache/check.env
}
mkdir -p .cache
for file in $(files '*compose.yaml' '*compose.yml' '*compose.*.yaml' '*docker-compose*.yml'); do
	dir=$(dirname "$file") base=$(basename "$file")
	set -- -f "$base"
	if [ -f "$dir/.env.template" ]; then
		check_env "$dir"
		set -- --env-file "$PWD/.cache/check.env" "$@"
	fi
	(cd "$dir" && docker compose "$@" config -q) || die "$file is not valid"
	echo "  ok $file"
	for profile in $(cd "$dir" && docker compose "$@" config --profiles); do
		(cd "$dir" && docker compose "$@" --profile "$profile" config -q) ||
			die "$file is not valid with --profile $profile"
		echo "  ok $file --profile $profile"
	done
done

phase "GitHub Actions workflows (actionlint), every action pinned to a commit"
# The repository's own workflows, and stage 08's, which a learner copies to their fork's
# .github/workflows/: actionlint finds only the first by itself, so it is given both.
workflows=$(files '.github/workflows/*.yml' '.github/workflows/*.yaml' '08-shipping/.github/workflows/*.yml')
GOTOOLCHAIN=local GOBIN="$PWD/.cache/bin" go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
# shellcheck disable=SC2086 # one path a word: no workflow's path has a space
.cache/bin/actionlint $workflows
# A tag can be moved to other code; a commit cannot: each uses: names a full 40-hex commit SHA,
# the release in a comment after it (a local ./action is part of this commit already).
pinned_workflows=$workflows
# shellcheck disable=SC2086 # as above
unpinned=$(awk '
	/^[ \t]*(-[ \t]+)?uses:/ {
		ref = $0
		sub(/^[ \t]*(-[ \t]+)?uses:[ \t]*/, "", ref)
		sub(/[ \t]+#.*$/, "", ref)
		gsub(/["\047]/, "", ref)
		if (ref ~ /^\.\//) next
		sha = ref
		sub(/^[^@]*@?/, "", sha)
		if (index(ref, "@") == 0 || length(sha) != 40 || sha ~ /[^0-9a-f]/)
			printf "\n  %s:%d: uses: %s", FILENAME, FNR, ref
	}
' $pinned_workflows)
[ -z "$unpinned" ] || die "actions not pinned to a commit:$unpinned
write each as owner/repo@<40-hex commit> # vX.Y.Z: git ls-remote https://github.com/owner/repo 'refs/tags/vX.Y.Z*' gives the commit (the ^{} line where there is one)"
printf '%s\n' "$workflows" | sed 's/^/  ok /'

phase "the base images (images/base-images.sh), which the checks below run or build on"
# Its progress lines and its errors both reach the terminal: a missing image is the usual
# reason the checks below fail.
images/base-images.sh || die "images/base-images.sh could not make the base images (its reason is above)"

phase "Dockerfile lint: docker build --check (BuildKit's own rules)"
# --check lints without building. The base images must be there (nothing is pulled offline),
# and each Dockerfile gets the named build contexts the course passes (--build-context).
if [ "$has_check" = true ]; then
	for file in $(files '*Dockerfile' '*Dockerfile.*' '*.Dockerfile'); do
		docker build --check -q -f "$file" --build-context "shared=$PWD/shared" \
			--build-context "goroot=$(go env GOROOT)" --build-context certs=/etc/ssl/certs "$(dirname "$file")" >.cache/check.out 2>&1 ||
			die "$file: docker build --check found problems:
$(cat .cache/check.out)"
		echo "  ok $file"
	done
else
	# Only at make test's level: make ci required --check above.
	echo "  left out: this engine's docker build has no --check (buildx 0.15 or newer has it); make ci runs it"
fi

phase "Swarm stack files: docker stack config, and HAProxy's own check of its configuration"
# docker stack deploy reads no .env: the check exports the template's values, as the stage's
# README has a learner export .env, with the image the deploy command gives: APP_TAG (07),
# APP_IMAGE (08, by digest, as deploy.sh does).
for file in $(files '*stack.yaml'); do
	dir=$(dirname "$file")
	check_env "$dir"
	# shellcheck disable=SC1091 # written just above
	(cd "$dir" && set -a && . "$OLDPWD/.cache/check.env" && APP_TAG=check APP_IMAGE=127.0.0.1:5000/workers-api@sha256:0000000000000000000000000000000000000000000000000000000000000000 docker stack config -c "$(basename "$file")" >/dev/null) ||
		die "$file is not a valid stack file"
	echo "  ok $file"
done
for file in $(files '*haproxy.cfg'); do
	docker run --rm -v "$PWD/$file:/usr/local/etc/haproxy/haproxy.cfg:ro" haproxy:3.0 \
		haproxy -c -q -f /usr/local/etc/haproxy/haproxy.cfg >.cache/check.out 2>&1 ||
		die "$file: haproxy -c found problems:
$(cat .cache/check.out)"
	echo "  ok $file"
done

if [ "$level" = test ]; then
	printf '\n== static checks: make test'"'"'s level passed; make ci adds shellcheck, the Markdown lint and the mermaid check\n'
fi
