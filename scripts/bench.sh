#!/usr/bin/env bash
# Runs the echo benchmark against a release build (see `make bench`). Knobs:
# BENCH_SEQUENTIAL_JOBS (2000), BENCH_CLIENTS (64), BENCH_SECONDS (10); BENCH_ONLY=console for the
# console's figures alone, BENCH_ONLY=jobs for the echo job figures alone.
set -euo pipefail
cd "$(dirname "$0")/.."
CORETEX_SERVER=.build/release/coretex-server CTX=.build/release/ctx exec .build/release/coretex-bench
