#!/usr/bin/env bash
# Builds the Debian package netlab_<version>_<arch>.deb with CPack.
#
#   scripts/package.sh                    Release build in build-pkg/ (its own tree,
#                                         without the tests), package in build-pkg/
#   scripts/package.sh --build-dir build  package an existing build tree as it is
#                                         (scripts/build.sh's: no second compile)
#   --out DIR                             where the .deb goes (default: the build dir)
#   JOBS=N                                parallel compile jobs (default: nproc)
#
# Prints the path of the package on its last line. Install it with
#   apt-get install ./build-pkg/netlab_*.deb
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=build-pkg
reuse=false
out=
while [ $# -gt 0 ]; do
  case $1 in
    --build-dir) build_dir=${2:?--build-dir needs a directory}; reuse=true; shift 2 ;;
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    *) echo "package.sh: unknown argument '$1' (see the comment at the top of $0)" >&2; exit 1 ;;
  esac
done
out=${out:-$build_dir}

for tool in cpack dpkg-shlibdeps; do
  if ! command -v "$tool" >/dev/null; then
    echo "package.sh: $tool is missing (apt-get install cmake dpkg-dev)" >&2
    exit 1
  fi
done

if $reuse; then
  if [ ! -f "$build_dir/CMakeCache.txt" ]; then
    echo "package.sh: $build_dir is not a configured build tree (run scripts/build.sh first)" >&2
    exit 1
  fi
  # Re-run the configure step only to pick up a changed packaging block.
  cmake -S . -B "$build_dir" >/dev/null
else
  launcher=()
  if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF "${launcher[@]}" \
    >/dev/null
fi
cmake --build "$build_dir" -j"${JOBS:-$(nproc)}"
mkdir -p "$out"
# cpack installs the tree into a staging directory, strips the binary, runs
# dpkg-shlibdeps for the Depends line and writes the .deb.
cpack -G DEB --config "$build_dir/CPackConfig.cmake" -B "$out" >/dev/null
rm -rf "$out/_CPack_Packages"
deb=$(ls -t "$out"/netlab_*.deb | head -n 1)
echo "package.sh: built $deb ($(du -h "$deb" | cut -f1))" >&2
echo "$deb"
