#!/usr/bin/env bash
# The examples as a user runs them, against an installed netlab:
#  - cmake --install the build into a temporary prefix;
#  - examples/catch2-fixture configured with find_package(netlab) against
#    that prefix only, built, and run (two copies at once, too);
#  - examples/shell-ci/ci-job.sh with the installed netlab binary, and its
#    JUnit report;
#  - a deliberately failing run of each: the exit status says so, and nothing
#    of the lab is left (namespaces, links, state directory).
# The machine holds the same namespaces and links before and after.
# Usage: examples.sh SOURCE_DIR NETLAB_BINARY (the build directory is NETLAB_BINARY's)
set -uo pipefail
src=$(cd "$1" && pwd)
netlab_bin=$2
build=$(cd "$(dirname "$netlab_bin")" && pwd)
start=$SECONDS

# Every name made here starts with x<pid> and a letter per run below; the
# fixture's own default prefix is x<its pid>-. `prefixes` lists them all for
# the cleanup (whole prefixes: x12- must not match x123-).
p=x$$
prefixes=("${p}f-" "${p}g-" "${p}s-" "${p}t-")
work=$(mktemp -d /tmp/netlab-examples.XXXXXX)  # install prefix, builds, logs, reports
state=$(mktemp -d /run/netlab-examples.XXXXXX) # state root of the labs with a known root
prefix=$work/prefix
installed=$prefix/bin/netlab

source "$(dirname "$0")/lib/checks.sh" # check NAME COMMAND..., summary TITLE

# logged LOG COMMAND...: COMMAND with its output in LOG; its tail when it fails.
logged() {
  local log=$1
  shift
  "$@" >"$log" 2>&1 || {
    tail -n 40 "$log"
    return 1
  }
}
# in_log LOG PATTERN: LOG has a line matching PATTERN; else its tail.
in_log() {
  grep -q -- "$2" "$1" || {
    tail -n 40 "$1"
    return 1
  }
}
# exited WANT STATUS LOG: STATUS is WANT; else the tail of LOG (the output of
# the run that exited with STATUS).
exited() {
  [ "$2" -eq "$1" ] || {
    tail -n 40 "$3"
    return 1
  }
}

# The example defaults make their own state directories under /run (deleted
# at their end); the ones that exist now are not ours.
default_dirs() { find /run -maxdepth 1 \( -name 'netlab-fixture.*' -o -name 'netlab-ci.*' \) | sort; }
dirs_before=$(default_dirs)

cleanup() {
  # Labs under our state roots first, properly: our own root, and the
  # examples' default roots (which stay when a lab is left) that hold a lab
  # of ours. Then anything with our prefixes (a run killed before its teardown).
  local root d lab pre ns l
  for root in "$state" $(comm -13 <(echo "$dirs_before") <(default_dirs)); do
    for d in "$root"/*; do # LAB/ and LAB.lock
      [ -e "$d" ] || continue
      lab=$(basename "$d" .lock)
      for pre in "${prefixes[@]}"; do
        [[ $lab == "$pre"* ]] || continue
        "$installed" down "$lab" --state-dir "$root" -q >/dev/null 2>&1 ||
          "$netlab_bin" down "$lab" --state-dir "$root" -q >/dev/null 2>&1
        [ "$root" == "$state" ] || rm -rf "$root"
      done
    done
  done
  rm -rf "$state"
  for pre in "${prefixes[@]}"; do
    for ns in $(ip netns list | awk '{print $1}' | grep "^$pre"); do ip netns del "$ns"; done
    for l in $(ip -j link show | python3 -c 'import json,sys; print(*(l["ifname"] for l in json.load(sys.stdin)))'); do
      [[ $l == "$pre"* ]] && ip link del "$l" 2>/dev/null
    done
  done
  rm -rf "$work"
}
trap cleanup EXIT

# What a lab of ours could leave: namespaces, root-namespace links, and the
# examples' default state directories, one per line (a diff names just what
# changed). Names of other tests' parallel copies (t<digits>...) are left
# out, as in scenarios.sh.
snapshot() {
  ip netns list | awk '$1 !~ /^t[0-9]/ {print "netns " $1}' | sort
  ip -j link show | python3 -c 'import json,sys; [print("link", l["ifname"]) for l in json.load(sys.stdin) if not l["ifname"].startswith("t")]' | sort
  default_dirs | sed 's/^/dir /'
}
# leftovers PREFIX [LAB_DIR]: true when nothing named PREFIX* exists (and no
# state directory LAB_DIR nor its lock file).
leftovers_none() {
  local pre=$1 dir=${2:-}
  local found
  found=$(
    ip netns list | awk '{print $1}' | grep "^$pre"
    ip -j link show | python3 -c 'import json,sys; [print(l["ifname"]) for l in json.load(sys.stdin)]' | grep "^$pre"
    if [ -n "$dir" ]; then ls -d "$dir" "$dir.lock" 2>/dev/null; fi
  )
  [ -z "$found" ] || {
    echo "left behind: ${found//$'\n'/ }" >&2
    return 1
  }
}

before=$(snapshot)

# --- install, and the package as a consumer sees it
check "cmake --install into a temporary prefix" \
  logged "$work/install.log" cmake --install "$build" --prefix "$prefix"
check "installed: bin/netlab" test -x "$installed"
check "installed: libnetlab.a" test -n "$(find "$prefix" -name libnetlab.a)"
check "installed: include/netlab/lab.hpp" test -f "$prefix/include/netlab/lab.hpp"
check "installed: netlabConfig.cmake" test -n "$(find "$prefix" -name netlabConfig.cmake)"
check "installed: netlabConfigVersion.cmake" test -n "$(find "$prefix" -name netlabConfigVersion.cmake)"
check "installed netlab runs" "$installed" --version

# --- examples/catch2-fixture, built against the installed netlab only
fx_build=$work/fixture-build
fx=$fx_build/fixture_test
cxx=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")
check "fixture: configure with find_package(netlab)" \
  logged "$work/fixture-configure.log" \
  cmake -S "$src/examples/catch2-fixture" -B "$fx_build" -DCMAKE_PREFIX_PATH="$prefix" \
  ${cxx:+-DCMAKE_CXX_COMPILER="$cxx"} -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
found_dir=$(sed -n 's/^netlab_DIR:[A-Z]*=//p' "$fx_build/CMakeCache.txt" 2>/dev/null)
check "fixture: netlab found in the install prefix ($found_dir)" \
  test "$found_dir" == "$(dirname "$(find "$prefix" -name netlabConfig.cmake)")"
check "fixture: build" \
  logged "$work/fixture-build.log" nice -n 19 cmake --build "$fx_build" -j1
check "fixture: compiled with the installed headers" \
  grep -q -- "-I$prefix/include\|-isystem $prefix/include" "$fx_build/compile_commands.json"
check "fixture: not with the source tree's headers" \
  bash -c "! grep -q -- '$src/include' '$fx_build/compile_commands.json'"
check "fixture: no compiler warnings" bash -c "! grep 'warning:' '$work/fixture-build.log'"

# The tests pass, with the fixture's defaults for the state root (a private
# /run directory) and an explicit prefix, so that leftovers can be named.
NETLAB_PREFIX=${p}f- "$fx" >"$work/fixture.log" 2>&1
status=$?
check "fixture: passes" exited 0 "$status" "$work/fixture.log"
check "fixture: ran its seven test cases" in_log "$work/fixture.log" "All tests passed (.* in 7 test cases)"
check "fixture: its web lab came up and went down" test "$(grep -c "fixture: lab ${p}f-web is down" "$work/fixture.log")" -eq 1
check "fixture: said each lab is down" test "$(grep -c "fixture: lab ${p}f-fixture is down" "$work/fixture.log")" -eq 6
check "fixture: nothing of ${p}f- left" leftovers_none "${p}f-"

# Two copies at once, with their default prefixes (x<pid>-) and state roots.
"$fx" >"$work/fixture-a.log" 2>&1 &
pid_a=$!
"$fx" >"$work/fixture-b.log" 2>&1 &
pid_b=$!
prefixes+=("x$pid_a-" "x$pid_b-")
wait "$pid_a"
status_a=$?
wait "$pid_b"
status_b=$?
check "fixture: copy A passes beside copy B" exited 0 "$status_a" "$work/fixture-a.log"
check "fixture: copy B passes beside copy A" exited 0 "$status_b" "$work/fixture-b.log"
check "fixture: copy A used its own prefix x$pid_a-" in_log "$work/fixture-a.log" "lab x$pid_a-fixture is down"
check "fixture: nothing of copy A left" leftovers_none "x$pid_a-"
check "fixture: nothing of copy B left" leftovers_none "x$pid_b-"

# A check fails on purpose: the test program fails, and the lab is gone.
NETLAB_PREFIX=${p}g- NETLAB_STATE_ROOT=$state "$fx" "[deliberate-failure]" >"$work/fixture-fail.log" 2>&1
status=$?
check "fixture, failing check: exit status nonzero ($status)" test "$status" -ne 0
check "fixture, failing check: it is the deliberate REQUIRE that failed" \
  in_log "$work/fixture-fail.log" "REQUIRE( ping.exit_code == 0 )"
check "fixture, failing check: the lab was taken down" \
  in_log "$work/fixture-fail.log" "fixture: lab ${p}g-fixture is down"
check "fixture, failing check: no namespace, link or state directory left" \
  leftovers_none "${p}g-" "$state/${p}g-fixture"

# --- examples/shell-ci/ci-job.sh with the installed netlab
# junit FILE TESTS FAILURES NAME...: the report has TESTS testcases (NAMEs, in
# order, with the lab prefix), FAILURES of them failed, the suite says so too.
junit() {
  python3 - "$@" <<'EOF'
import sys, xml.etree.ElementTree as ET
path, tests, failures, *names = sys.argv[1:]
suite = ET.parse(path).getroot()
cases = suite.findall("testcase")
got = [c.get("name") for c in cases]
failed = [c.get("name") for c in cases if c.find("failure") is not None]
ok = (suite.tag == "testsuite" and got == names and len(failed) == int(failures)
      and suite.get("tests") == tests and suite.get("failures") == failures)
if not ok:
    print(f"{path}: testcases {got}, failed {failed}, suite {suite.attrib}", file=sys.stderr)
sys.exit(0 if ok else 1)
EOF
}
ci_job=$src/examples/shell-ci/ci-job.sh

s=${p}s-
(cd "$work" && NETLAB=$installed NETLAB_PREFIX=$s JUNIT=$work/report.xml bash "$ci_job") \
  >"$work/ci.log" 2>&1
status=$?
check "ci-job: exit 0" exited 0 "$status" "$work/ci.log"
check "ci-job: JUnit report written" test -s "$work/report.xml"
check "ci-job: JUnit report has the four assertions, none failed" junit "$work/report.xml" 4 0 \
  "ping ${s}client -> ${s}server:eth0 (10.98.0.2)" \
  "ping ${s}server -> ${s}client:eth0 (10.98.0.1)" \
  "tcp ${s}client -> ${s}server:eth0 (10.98.0.2) port 8080" \
  "ping ${s}client -> 192.0.2.1, expect fail"
check "ci-job: nothing of $s left" leftovers_none "$s"

# The same job on a topology with one more assertion, which fails: netlab
# test exits 3, the job with it, the report has the failure, the lab is gone.
t=${p}t-
sed 's|^tests:|tests:\n  - ping: {from: client, to: 10.98.0.3}  # nobody has it|' \
  "$src/examples/shell-ci/topology.yaml" >"$work/failing.yaml"
(cd "$work" && NETLAB=$installed NETLAB_PREFIX=$t NETLAB_STATE_DIR=$state \
  TOPOLOGY=$work/failing.yaml JUNIT=$work/failing.xml bash "$ci_job") >"$work/ci-fail.log" 2>&1
status=$?
check "ci-job, failing assertion: exit 3 from netlab test" exited 3 "$status" "$work/ci-fail.log"
check "ci-job, failing assertion: the report has it as the one failure" junit "$work/failing.xml" 5 1 \
  "ping ${t}client -> 10.98.0.3" \
  "ping ${t}client -> ${t}server:eth0 (10.98.0.2)" \
  "ping ${t}server -> ${t}client:eth0 (10.98.0.1)" \
  "tcp ${t}client -> ${t}server:eth0 (10.98.0.2) port 8080" \
  "ping ${t}client -> 192.0.2.1, expect fail"
check "ci-job, failing assertion: no namespace, link or state directory left" \
  leftovers_none "$t" "$state/${t}ci-demo"

after=$(snapshot)
check "machine as before (namespaces, links, /run directories)" \
  diff <(echo "$before") <(echo "$after")

# CI logs show the tail: summary repeats every failed check with its output.
summary "examples ($((SECONDS - start)) s)"
