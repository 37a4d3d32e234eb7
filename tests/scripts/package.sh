#!/usr/bin/env bash
# The Debian package, as a user gets it:
#  - scripts/package.sh packages the build tree of NETLAB_BINARY (no second
#    compile), or NETLAB_DEB names a package built before;
#  - `apt-get install ./netlab_*.deb` installs it without downloading
#    anything (its Depends and Recommends are what scripts/setup.sh installs);
#  - the netlab on PATH is /usr/bin/netlab from the package, and it brings
#    demo 01 up, tests it and takes it down (its own prefix and state dir);
#  - `man -w netlab` finds the page, the bash completion completes a command;
#  - `apt-get purge netlab` leaves no file of the package's file list behind.
# Usage: bash package.sh SOURCE_DIR NETLAB_BINARY
set -u
src=${1:?usage: package.sh SOURCE_DIR NETLAB_BINARY}
netlab_build=${2:?usage: package.sh SOURCE_DIR NETLAB_BINARY}
src=$(cd "$src" && pwd)
build_dir=$(cd "$(dirname "$netlab_build")" && pwd)

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
finish() {
  echo "package: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
}

if [ "$(id -u)" -ne 0 ]; then
  echo "package.sh: run as root (it installs and purges the package)" >&2
  exit 1
fi
# Never overwrite or purge a netlab that someone installed.
if dpkg-query -W -f='${Status}' netlab 2>/dev/null | grep -q "installed"; then
  fail "the package netlab is installed already; this test installs and purges it (apt-get purge netlab first)"
  finish
fi
if [ -e /usr/bin/netlab ]; then
  fail "/usr/bin/netlab exists and belongs to no package; this test would overwrite it"
  finish
fi

tmp=$(mktemp -d /tmp/netlab-package.XXXXXX)
chmod 755 "$tmp"  # apt reads the .deb as user _apt
prefix="pk$$-"
state=$(mktemp -d /run/netlab-package.XXXXXX)
topology=$src/topologies/netns-demo-01.yaml
installed=false
cleanup() {
  if $installed; then
    /usr/bin/netlab down "$topology" --prefix "$prefix" --state-dir "$state" -q >/dev/null 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq -o DPkg::Lock::Timeout=120 netlab \
      >/dev/null 2>&1
  fi
  rm -rf "$tmp" "$state"
}
trap cleanup EXIT

# --- the package --------------------------------------------------------------
if [ -n "${NETLAB_DEB:-}" ]; then
  deb=$NETLAB_DEB
  echo "using NETLAB_DEB=$deb"
else
  t0=$(date +%s%N)
  if ! deb=$(JOBS=2 bash "$src/scripts/package.sh" --build-dir "$build_dir" --out "$tmp" \
    2>"$tmp/package.log" | tail -n 1); then
    fail "scripts/package.sh --build-dir $build_dir failed: $(tail -n 20 "$tmp/package.log")"
    finish
  fi
  ok "scripts/package.sh built $(basename "$deb") ($(du -h "$deb" | cut -f1)) in $((($(date +%s%N) - t0) / 1000000)) ms"
fi
if [ ! -f "$deb" ]; then
  fail "no package at '$deb'"
  finish
fi
cp "$deb" "$tmp/" 2>/dev/null || true
deb=$tmp/$(basename "$deb")

# --- install without the network ------------------------------------------------
# A simulation first: if apt would fetch anything, say what instead of trying.
sim=$(apt-get install -s -y "$deb" 2>&1)
others=$(echo "$sim" | awk '/^Inst / && $2 != "netlab" {print $2}' | tr '\n' ' ')
if [ -n "$others" ]; then
  fail "apt-get would download and install: $others(run scripts/setup.sh, which installs netlab's dependencies, first)"
  finish
fi
if ! echo "$sim" | grep -q '^Inst netlab '; then
  fail "apt-get would not install the package: $sim"
  finish
fi
if ! out=$(DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
  -o DPkg::Lock::Timeout=120 "$deb" 2>&1); then
  fail "apt-get install $deb: $out"
  finish
fi
installed=true
ok "apt-get install ./$(basename "$deb") installed netlab $(dpkg-query -W -f='${Version}' netlab)"
dpkg -L netlab >"$tmp/files"
echo "the package holds $(wc -l <"$tmp/files") paths"

# --- the installed netlab is the one on PATH --------------------------------------
path_without_build=$(echo "$PATH" | tr ':' '\n' | grep -vxF "$build_dir" | paste -sd:)
on_path=$(PATH=$path_without_build command -v netlab)
if [ "$on_path" = /usr/bin/netlab ] && dpkg -S /usr/bin/netlab 2>/dev/null | grep -q '^netlab:'; then
  ok "netlab on PATH is /usr/bin/netlab from the package ($(/usr/bin/netlab --version))"
else
  fail "netlab on PATH is '$on_path', expected /usr/bin/netlab of the package"
fi
for f in /usr/share/netlab/schema/netlab.schema.json /usr/share/doc/netlab/README.md \
  /usr/share/doc/netlab/examples/topologies/netns-demo-01.yaml \
  /usr/lib/cmake/netlab/netlabConfig.cmake /usr/include/netlab/lab.hpp /usr/lib/libnetlab.a; do
  if grep -qxF "$f" "$tmp/files"; then ok "the package installs $f"; else fail "the package lacks $f"; fi
done

# --- demo 01 with the installed binary --------------------------------------------
lab=(--prefix "$prefix" --state-dir "$state")
for step in up test down; do
  if out=$(PATH=$path_without_build netlab "$step" "$topology" "${lab[@]}" 2>&1); then
    ok "netlab $step demo 01: $(echo "$out" | tail -n 1)"
  else
    fail "netlab $step demo 01 exited $?: $out"
  fi
done
if ip netns list | grep -q "^${prefix}"; then
  fail "namespaces ${prefix}* remain after down: $(ip netns list | grep "^${prefix}")"
fi

# --- man page and completion -------------------------------------------------------
if page=$(man -w netlab 2>&1) && [ "$page" = /usr/share/man/man1/netlab.1.gz ]; then
  ok "man -w netlab: $page"
else
  fail "man -w netlab: '$page', expected /usr/share/man/man1/netlab.1.gz"
fi
reply=$(bash -c 'source /usr/share/bash-completion/completions/netlab
  COMP_WORDS=(netlab st); COMP_CWORD=1; _netlab; echo "${COMPREPLY[*]}"' 2>&1)
if [ "$reply" = status ]; then
  ok "the installed completion completes 'netlab st' to status"
else
  fail "the installed completion gives '$reply' for 'netlab st', expected status"
fi

# --- purge leaves nothing -----------------------------------------------------------
if ! out=$(DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq -o DPkg::Lock::Timeout=120 netlab 2>&1); then
  fail "apt-get purge netlab: $out"
  finish
fi
installed=false
if dpkg-query -W -f='${Status}' netlab 2>/dev/null | grep -q installed; then
  fail "dpkg still lists netlab after purge"
fi
# Every file, and every directory no other package shares, is gone.
left=()
while read -r p; do
  [ -e "$p" ] || continue
  if [ -d "$p" ] && [ -n "$(ls -A "$p")" -o -n "$(dpkg -S "$p" 2>/dev/null)" ]; then continue; fi
  left+=("$p")
done <"$tmp/files"
for d in /usr/share/netlab /usr/share/doc/netlab /usr/include/netlab /usr/lib/cmake/netlab; do
  [ -e "$d" ] && left+=("$d")
done
if [ ${#left[@]} -eq 0 ]; then
  ok "apt-get purge netlab left none of its $(wc -l <"$tmp/files") paths"
else
  fail "left after purge: ${left[*]}"
fi
finish
