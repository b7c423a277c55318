# One entry point for everything the course's developers and CI run.
# `make test` is the one test command: static checks, unit tests of every module, e2e.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
# Every Go module except e2e, whose tests need a Docker engine. Each is tested on its own
# (GOWORK=off), as it must build.
UNIT_MODULES = $(filter-out $(CURDIR)/e2e,$(shell go list -m -f '{{.Dir}}'))
E2E_TIMEOUT ?= 40m

.PHONY: help test check unit e2e e2e-floor e2e-nodes bench docs base-images

help: ## list the targets
	@awk -F ':.*## ' '/^[a-z0-9-]+:.*## / { printf "  make %-12s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

test: check unit e2e e2e-floor ## the one test command: static checks, unit tests, e2e on both Docker toolchains

check: ## static checks: shellcheck, gofmt, go vet, compose config, Dockerfile lint
	@.ci/static-checks.sh

unit: ## unit tests of every module (of e2e, its harness), under the race detector
	@failed=""; for dir in $(UNIT_MODULES); do \
		echo "== unit tests: $${dir#$(CURDIR)/}"; \
		(cd "$$dir" && GOWORK=off go test -race -count=1 ./...) || failed="$$failed $${dir#$(CURDIR)/}"; \
	done; \
	echo "== unit tests: e2e/harness (the rest of e2e needs Docker: make e2e)"; \
	(cd e2e && GOWORK=off go test -race -count=1 ./harness/) || failed="$$failed e2e/harness"; \
	if [ -n "$$failed" ]; then echo "make unit: failed in$$failed" >&2; exit 1; fi

e2e: ## end-to-end tests in real containers, on the current Docker (base images made first)
	@if [ -f /run/bdc-docker.toolchain ] && [ "$$(cat /run/bdc-docker.toolchain)" != current ]; then .ci/provision-docker.sh current; fi
	@if docker info >/dev/null 2>&1; then images/base-images.sh; fi
	@mkdir -p .cache
	cd e2e && go test -p 1 -count=1 -timeout $(E2E_TIMEOUT) -v ./... 2>&1 | tee ../.cache/e2e.log
	@.ci/e2e-summary.sh .cache/e2e.log "$$(cat /run/bdc-docker.toolchain 2>/dev/null || echo unmanaged)"

e2e-floor: ## the e2e tests again on the floor Docker (switches the engine there and back)
	@E2E_TIMEOUT=$(E2E_TIMEOUT) .ci/e2e-floor.sh

e2e-nodes: ## stage 07 on a 3-node swarm of engines in containers, one node stopped under load (not in test)
	@if [ -f /run/bdc-docker.toolchain ] && [ "$$(cat /run/bdc-docker.toolchain)" != current ]; then .ci/provision-docker.sh current; fi
	@images/base-images.sh --registry
	@mkdir -p .cache
	cd e2e && go test -tags multinode -run '^TestSwarmThreeNodes$$' -count=1 -timeout 30m -v . 2>&1 | tee ../.cache/e2e-nodes.log

bench: ## measure sizes (on both image stores), build, start, stop, HTTP into docs/benchmarks.md (not in test)
	@.ci/install-tools.sh wrk
	@mkdir -p .cache
	@docker info >/dev/null 2>&1 || { echo "make bench: no Docker engine answers; run .ci/provision-docker.sh" >&2; exit 1; }
	@images/base-images.sh
	@rm -f .cache/bench-images-floor.json
	.ci/on-floor.sh sh -c "cd e2e && E2E_TOOLCHAIN=floor go test -tags bench -run '^TestBenchImageSizesOnTheFloor$$' -count=1 -timeout 30m -v ." 2>&1 | tee .cache/bench-floor.log
	cd e2e && go test -tags bench -run '^TestBenchmarks$$' -count=1 -timeout 90m -v . 2>&1 | tee ../.cache/bench.log

docs: ## recapture the output the pages show (e2e on both toolchains), regenerate lists and diffs
	UPDATE_CAPTURES=1 $(MAKE) e2e e2e-floor
	go run ./tools/stages docs

base-images: ## pull the course's base images, or bake faithful stand-ins offline
	@images/base-images.sh
