# One entry point for everything the course's developers and CI run. Two test levels, each
# one command:
#   make test   on any Docker (Docker Desktop, a distribution's engine, the provisioned one):
#               the preflight, the static checks Go and Docker alone can do, the unit tests,
#               and the e2e tests of behaviour on the engine that answers
#   make ci     the pinned toolchains' level, which .ci/run runs: every static check and the
#               unit tests (beside the e2e tests), the e2e tests holding every capture byte for
#               byte and CONTRIBUTING.md's toolchain table, on the current Docker and the
#               floor at once

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
# Every Go module except e2e, whose tests need a Docker engine. Each is tested on its own
# (GOWORK=off), as it must build.
UNIT_MODULES = $(filter-out $(CURDIR)/e2e,$(shell go list -m -f '{{.Dir}}'))
E2E_TIMEOUT ?= 40m
# How go test runs the e2e tests at once: -p, packages at once; -parallel, the tests of a
# package that call t.Parallel (those with a compose project of their own; the swarm and
# engine-wide ones stay serial, and run first).
E2E_FLAGS ?= -p 1 -parallel 4
# A go test -run pattern that narrows the e2e tests, on both toolchains (for development):
#   make test E2E_RUN='^TestStage02'
# Read with $(value …), so that a pattern's $ reaches go test as written.
E2E_RUN ?= .

.PHONY: help doctor test ci check check-test unit e2e e2e-floor e2e-nodes e2e-arm64 bench docs base-images

help: ## list the targets
	@awk -F ':.*## ' '/^[a-z0-9-]+:.*## / { printf "  make %-12s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

doctor: ## name every tool make test and make ci lack, with how to get it, and the engine that answers
	@.ci/doctor.sh

test: ## on any Docker: preflight, static checks of Go and Docker alone, unit tests, e2e of behaviour
	@.ci/doctor.sh test
	@.ci/static-checks.sh test
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory e2e

# make ci runs against the engines .ci/provision-docker.sh starts, whatever DOCKER_HOST the
# shell had: the current one's env file names its socket, client and plugins. The unit tests
# and the static checks run beside the e2e tests, in the time TestStage07Swarm leaves the
# cores idle (.ci/beside.sh says why); the floor's e2e tests run beside the current engine's,
# the floor engine in a network namespace of its own (.ci/e2e-pinned.sh says how). The base
# images are made first, once, for all of them.
ci: ## the pinned toolchains (.ci/run): every static check, unit, e2e with byte-exact captures on the current Docker and the floor at once
	@if [ -f /run/bdc-docker/env ]; then . /run/bdc-docker/env; fi; \
	.ci/doctor.sh ci; \
	if [ "$$(.ci/doctor.sh --toolchain)" = floor ]; then .ci/provision-docker.sh current; fi; \
	images/base-images.sh; \
	.ci/beside.sh start host sh -c '$(MAKE) --no-print-directory unit; u=$$?; .ci/static-checks.sh ci; s=$$?; [ "$$u" -eq 0 ] && [ "$$s" -eq 0 ]'; \
	trap '.ci/beside.sh stop host >/dev/null' EXIT; \
	E2E_BESIDE=host E2E_FLAGS='$(E2E_FLAGS)' E2E_TIMEOUT=$(E2E_TIMEOUT) E2E_RUN='$(value E2E_RUN)' .ci/e2e-pinned.sh

check: ## every static check (make ci's): shellcheck, gofmt, go vet, Markdown, mermaid, compose, Dockerfiles
	@.ci/static-checks.sh ci

check-test: ## the static checks make test runs: those Go and Docker alone can do
	@.ci/static-checks.sh test

unit: ## unit tests of every module (of e2e, its harness), under the race detector
	@failed=""; for dir in $(UNIT_MODULES); do \
		echo "== unit tests: $${dir#$(CURDIR)/}"; \
		(cd "$$dir" && GOWORK=off go test -race -count=1 ./...) || failed="$$failed $${dir#$(CURDIR)/}"; \
	done; \
	echo "== unit tests: e2e/harness (the rest of e2e needs Docker: make e2e)"; \
	(cd e2e && GOWORK=off go test -race -count=1 ./harness/) || failed="$$failed e2e/harness"; \
	if [ -n "$$failed" ]; then echo "make unit: failed in$$failed" >&2; exit 1; fi

# The summary is printed whatever go test's status, which is the target's: a failing test
# does not end the recipe before it (pipefail would). TestCleanupPage runs in a go test of its
# own, after the rest: it empties the build cache, and Go would run it, a serial test, before
# every parallel one. (make ci runs its e2e tests with .ci/e2e-pinned.sh instead.)
e2e: ## e2e tests in real containers on the engine that answers (E2E_PINNED=1: captures held byte for byte)
	@if [ "$$(.ci/doctor.sh --toolchain)" = floor ]; then echo "make e2e: DOCKER_HOST names the floor engine, whose ports answer in its own network namespace: run make e2e-floor, or . /run/bdc-docker/env for the current engine" >&2; exit 1; fi
	@if docker info >/dev/null 2>&1; then images/base-images.sh && .ci/warm-build-cache.sh; fi
	@mkdir -p .cache
	@toolchain=$$(.ci/doctor.sh --toolchain); \
	echo "== e2e (toolchain: $$toolchain, E2E_PINNED=$${E2E_PINNED:-unset}): go test $(E2E_FLAGS) -run '$(value E2E_RUN)'"; \
	{ status=0; (cd e2e && go test $(E2E_FLAGS) -count=1 -timeout $(E2E_TIMEOUT) -run '$(value E2E_RUN)' -skip '^TestCleanupPage$$' -v ./...) 2>&1 || status=$$?; \
	  if echo TestCleanupPage | grep -Eq -- '$(value E2E_RUN)'; then (cd e2e && go test -count=1 -timeout $(E2E_TIMEOUT) -run '^TestCleanupPage$$' -v .) 2>&1 || status=$$?; fi; \
	  echo "$$status" >.cache/e2e.rc; } | tee .cache/e2e.log; \
	status=$$(cat .cache/e2e.rc); \
	.ci/e2e-summary.sh .cache/e2e.log "$$toolchain" || status=1; \
	exit "$$status"

e2e-floor: ## the e2e tests on the floor Docker (its engine, in its own network namespace, beside the current one; pinned)
	@E2E_PINNED=1 E2E_TIMEOUT=$(E2E_TIMEOUT) E2E_FLAGS='$(E2E_FLAGS)' FLOOR_RUN='$(value E2E_RUN)' .ci/e2e-floor.sh

e2e-nodes: ## stages 07 and 08 on a 3-node swarm of engines in containers: a node stopped under load, the signed image pulled by every node (not in ci)
	@if [ "$$(.ci/doctor.sh --toolchain)" = floor ]; then echo "make e2e-nodes runs on the current engine: . /run/bdc-docker/env" >&2; exit 1; fi
	@images/base-images.sh
	@mkdir -p .cache
	@start=$$(date +%s); status=0; \
	(cd e2e && go test -tags multinode -run '^TestSwarmThreeNodes(Shipped)?$$' -count=1 -timeout 45m -v .) 2>&1 | tee .cache/e2e-nodes.log || status=$$?; \
	echo "== e2e-nodes: status $$status in $$(($$(date +%s) - start)) s"; \
	.ci/e2e-summary.sh .cache/e2e-nodes.log "$$(.ci/doctor.sh --toolchain)" || status=1; \
	exit "$$status"

# make e2e-arm64 runs the tests of stages 02 to 06 for linux/arm64, as a learner on Apple
# Silicon builds and runs those stages (natively there): every image built, pulled and run for
# arm64 (DOCKER_DEFAULT_PLATFORM), and every container the tests made checked to have run an
# arm64 image (E2E_PLATFORM; under QEMU, on an amd64 machine). Emulated, each compile and each
# query is several times slower: its own time limit, and two tests at a time. The compile that
# every stage's build shares (.ci/warm-build-cache.sh says why) is done first, once, for arm64:
# the two kinds of it side by side, as each spends most of its time in one C compile of SQLite.
E2E_ARM64_RUN ?= ^TestStage0[2-6]
e2e-arm64: ## stages 02-06's tests built and run for linux/arm64, as on Apple Silicon (under QEMU on amd64; not in ci)
	@if [ "$$(.ci/doctor.sh --toolchain)" = floor ]; then echo "make e2e-arm64 runs on the current engine: . /run/bdc-docker/env" >&2; exit 1; fi
	@images/base-images.sh --arm64
	@mkdir -p .cache
	@start=$$(date +%s); echo "== e2e-arm64: compiling the stages' dependencies for linux/arm64 into the build cache (emulated: long)"; \
	DOCKER_DEFAULT_PLATFORM=linux/arm64 docker build -q --output type=cacheonly --build-context shared=shared 02-dockerizing >/dev/null & dev=$$!; \
	status=0; DOCKER_DEFAULT_PLATFORM=linux/arm64 docker build -q --output type=cacheonly --build-context shared=shared -f 06-profiles/Dockerfile.prod --target build 06-profiles >/dev/null || status=$$?; \
	wait $$dev || status=$$?; \
	if [ "$$status" -eq 0 ]; then echo "== e2e-arm64: compiled in $$(($$(date +%s) - start)) s"; \
	else echo "== e2e-arm64: a compile failed (above); the tests build the stages and say which fails" >&2; fi
	@start=$$(date +%s); status=0; \
	(cd e2e && E2E_PINNED= E2E_PLATFORM=linux/arm64 DOCKER_DEFAULT_PLATFORM=linux/arm64 go test -count=1 -timeout 90m -parallel 2 -run '$(value E2E_ARM64_RUN)' -v .) 2>&1 | tee .cache/e2e-arm64.log || status=$$?; \
	echo "== e2e-arm64: status $$status in $$(($$(date +%s) - start)) s"; \
	.ci/e2e-summary.sh .cache/e2e-arm64.log "$$(.ci/doctor.sh --toolchain)" || status=1; \
	exit "$$status"

bench: ## measure sizes (on both image stores), build, start, stop, HTTP into docs/benchmarks.md (not in ci)
	@.ci/install-tools.sh wrk
	@mkdir -p .cache
	@docker info >/dev/null 2>&1 || { echo "make bench: no Docker engine answers; run .ci/provision-docker.sh" >&2; exit 1; }
	@images/base-images.sh
	@rm -f .cache/bench-images-floor.json
	.ci/on-floor.sh sh -c "cd e2e && go test -tags bench -run '^TestBenchImageSizesOnTheFloor$$' -count=1 -timeout 30m -v ." 2>&1 | tee .cache/bench-floor.log
	cd e2e && go test -tags bench -run '^TestBenchmarks$$' -count=1 -timeout 90m -v . 2>&1 | tee ../.cache/bench.log

docs: ## record the output the pages show again (pinned e2e on both toolchains), regenerate lists and diffs
	UPDATE_CAPTURES=1 E2E_PINNED=1 $(MAKE) e2e e2e-floor
	go run ./tools/stages docs

base-images: ## pull the course's base images, or bake faithful stand-ins offline
	@images/base-images.sh
