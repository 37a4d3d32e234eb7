#!/usr/bin/env bash
# README command 2: install what is missing, build, run the whole test suite;
# then the same suite under ASan + UBSan + LeakSanitizer (build-asan), and a
# short run of each fuzz target. Measured times: docs/reliability.md.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
ctest --test-dir build --output-on-failure -j2 --timeout 600

# The sanitizer build: the CLI, every test binary and the fuzz targets.
scripts/build.sh asan
# Under the sanitizers: every unit and integration test binary and the
# scenario scripts; not the fault-injection, crash and parallel scripts (they
# run the same code paths many times over and would double CI's time) nor the
# packaging, man page and completion scripts (about the build, not the code).
(
  source tests/sanitize/env.sh
  ctest --test-dir build-asan --output-on-failure -j2 --timeout 900 \
    -E '^script: (faults_.*|crash|parallel|package|man_page|completion)$'
)
# A smoke run of each fuzz target from its seed corpus.
scripts/fuzz.sh "${NETLAB_FUZZ_SECONDS:-20}"
