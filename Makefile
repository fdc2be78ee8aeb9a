# Coretex — the two commands that matter: `make run` and `make test`.
SHELL := /bin/bash
SWIFT ?= swift
BUILD_FLAGS ?=

.PHONY: run deps build test chaos bench proto docs format format-lint clean

## Install what is missing, build, start the local stack (nats-server + redis-server + every role)
## and open the operator console on it; quitting the console stops the stack.
run: deps build
	scripts/run.sh

## Install the apt packages the build and the stack need (skipped when all are present).
deps:
	@scripts/install-deps.sh

build:
	$(SWIFT) build $(BUILD_FLAGS)

## Every test: formatting, imports each target declares, unit, integration (real nats-server/redis-server)
## and end-to-end (real binaries).
test: deps format-lint
	scripts/check-imports.py
	$(SWIFT) build --build-tests --explicit-target-dependency-import-check error $(BUILD_FLAGS)
	$(SWIFT) test --skip-build --no-parallel $(BUILD_FLAGS)

## The chaos suite at length: CHAOS_ROUNDS rounds (default 5) of kills and restarts in a random
## order with random pauses, under steady load (`make test` runs one round in a fixed order).
chaos: deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	CHAOS_ROUNDS=$${CHAOS_ROUNDS:-5} CHAOS_RANDOM=1 $(SWIFT) test --skip-build --no-parallel --filter ChaosTests $(BUILD_FLAGS)

## Rewrite the Swift sources in the house style (.swift-format); generated code is left alone.
format:
	scripts/format.sh format

## Fail on any formatting difference (part of `make test`).
format-lint:
	scripts/format.sh lint

## Load benchmark of the echo path (release build); prints jobs/s and latency percentiles.
bench: deps
	$(SWIFT) build -c release
	scripts/bench.sh

## Regenerate docs/configuration.md from the table of environment variables (ConfigVariable.all).
docs:
	$(SWIFT) build --product coretex-server $(BUILD_FLAGS)
	.build/debug/coretex-server env --markdown > docs/configuration.md

## Regenerate the protobuf/gRPC code from proto/ (needs protoc; builds the Swift plugins).
proto:
	scripts/gen-proto.sh

clean:
	rm -rf .build .state
