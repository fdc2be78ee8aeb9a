# Coretex — the two commands that matter: `make run` and `make test`.
SHELL := /bin/bash
SWIFT ?= swift
BUILD_FLAGS ?=

.PHONY: run deps build test test-unit test-integration bench proto format-lint clean

## Install what is missing, build, start the local stack (nats-server + redis-server + every role)
## and open the operator console on it; quitting the console stops the stack.
run: deps build
	scripts/run.sh

## Install the apt packages the build and the stack need (skipped when all are present).
deps:
	@scripts/install-deps.sh

build:
	$(SWIFT) build $(BUILD_FLAGS)

## Every test: unit, integration (real nats-server/redis-server) and end-to-end (real binaries).
test: deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	$(SWIFT) test --skip-build --no-parallel $(BUILD_FLAGS)

## Load benchmark of the echo path (release build); prints jobs/s and latency percentiles.
bench: deps
	$(SWIFT) build -c release
	scripts/bench.sh

## Regenerate the protobuf/gRPC code from proto/ (needs protoc; builds the Swift plugins).
proto:
	scripts/gen-proto.sh

clean:
	rm -rf .build .state
