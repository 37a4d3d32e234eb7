#!/usr/bin/env bash
# Configures and builds netlab.
#   scripts/build.sh               build/: Release with debug info, everything
#   scripts/build.sh asan [TARGET...]
#                                  build-asan/: clang at -O1 with ASan + UBSan
#                                  and libFuzzer's coverage instrumentation
#                                  (cmake/Sanitize.cmake); TARGETs, by default
#                                  the CLI, the test binaries and the fuzz targets
# Uses ccache when it is installed; CCACHE_BASEDIR makes clones of the
# repository share cache hits.
set -euo pipefail
cd "$(dirname "$0")/.."
launcher=()
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR=$PWD
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
if [ "${1:-}" = asan ]; then
  shift
  targets=("${@:-sanitize_targets}")
  # Debug with -O1 instead of RelWithDebInfo's -O2, line tables instead of
  # -g: the cold build of this tree bounds CI's time. Measured cold (no
  # ccache) for sanitize_targets: at most 763 CPU seconds, so about 6.5 min
  # on 2 idle cores.
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-O1 \
    -DCMAKE_CXX_COMPILER=clang++ -DNETLAB_SANITIZE=ON -DNETLAB_FUZZ=ON "${launcher[@]}" >/dev/null
  cmake --build build-asan -j"$(nproc)" --target "${targets[@]}"
  exit 0
fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null
cmake --build build -j"$(nproc)"
