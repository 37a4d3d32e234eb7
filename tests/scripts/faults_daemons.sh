#!/usr/bin/env bash
# Fault injection: dnsmasq or dhclient fails during `netlab up` of the rich
# lab (lib/faults.sh). A directory put first in PATH holds a fake program
# that exits 1 at once, or runs but never becomes ready (dnsmasq: no pid
# file; dhclient: no lease). `up` must fail with an error that names the
# daemon, its namespace:interface and its last log line, and roll back:
# nothing of the lab left (no namespace, link, OVS row, nft table, process,
# state directory or lock). Then, with the real programs, `up` converges and
# `down` leaves nothing.
# Usage: faults_daemons.sh SOURCE_DIR NETLAB_BINARY
set -uo pipefail
netlab=$2
source "$(dirname "$0")/lib/checks.sh"
source "$(dirname "$0")/lib/faults.sh"
fault_start faults-daemons
shims="$work/shims"

# fake PROGRAM BODY: the shim directory holds only PROGRAM, a script with BODY.
fake() {
  rm -rf "$shims"
  mkdir -p "$shims"
  printf '#!/bin/bash\n%s\n' "$2" >"$shims/$1"
  chmod +x "$shims/$1"
}

# up_fails NAME PATTERN...: `up` with the fake first in PATH fails, and its
# error output matches every PATTERN (grep -E).
up_fails() {
  local name=$1 pattern err
  shift
  err=$(PATH="$shims:$PATH" "$netlab" up "$file" "${flags[@]}" --wait-timeout 3 -q 2>&1 >/dev/null)
  local rc=$?
  echo "$name: up exit $rc: $(head -n 3 <<<"$err")"
  if [ "$rc" -eq 0 ]; then
    echo "up succeeded with a failing daemon" >&2
    return 1
  fi
  for pattern in "$@"; do
    grep -qE -- "$pattern" <<<"$err" || { echo "the error does not say /$pattern/" >&2; return 1; }
  done
}

# scenario NAME PROGRAM BODY PATTERN...: one failing daemon and its recovery.
scenario() {
  local name=$1 program=$2 body=$3
  shift 3
  fake "$program" "$body"
  check "$name: up fails and says why" up_fails "$name" "$@"
  # The rollback runs before up exits: what is left now stays.
  check "$name: rolled back, nothing left" nothing_left
  force_reset
  converges "$name" "$file"
  force_reset
}

# The log line each fake writes; netlab must show it (the last log lines).
why="fake $$ fails on purpose"

scenario "dnsmasq exits 1" dnsmasq "echo '$why'; exit 1" \
  "dnsmasq" "${p}(dr|db):${p}t[rb]" "$why"
scenario "dnsmasq never writes its pid file" dnsmasq "echo '$why'; while :; do sleep 1; done" \
  "dnsmasq" "${p}(dr|db):${p}t[rb]" "no pid file" "$why"
scenario "dhclient exits 1" dhclient "echo '$why'; exit 1" \
  "dhcp client ${p}(red|blue):eth0" "exited" "$why"
scenario "dhclient never gets a lease" dhclient "echo '$why'; while :; do sleep 1; done" \
  "dhcp client ${p}(red|blue):eth0" "no DHCP lease" "$why"

summary faults_daemons
