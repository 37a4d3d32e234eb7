#!/usr/bin/env bash
# Bad input (issue 10): for every file in tests/data/invalid,
# - `netlab validate FILE` exits 1 and prints FILE:LINE:COL for each position
#   the file expects (its "# expect: LINE:COL: ..." header, or NAME.expect);
# - `netlab up FILE` exits non-zero and changes nothing on the machine: the
#   namespaces, root links with their state, OVS bridges and ports, the
#   nftables ruleset, DHCP daemons, the /proc/sys values of every sysctl key
#   the corpus names, and the files under the state directory are the same
#   after it as before the loop.
# The snapshot is taken once before the loop and compared after every `up`,
# so a failure names the file that changed the machine.
# Usage: bad_input.sh SOURCE_DIR NETLAB_BINARY (as root, nothing else running)
set -uo pipefail
src=$1
netlab=$2
corpus="$src/tests/data/invalid"
scratch=$(mktemp -d /run/netlab-bad-input.XXXXXX)
state="$scratch/state"
source "$(dirname "$0")/lib/checks.sh"

cleanup() { rm -rf "$scratch"; }
trap cleanup EXIT

# Every sysctl key the corpus names (dotted or slashed, under the usual
# roots), as a path below /proc/sys; keys with '..' or empty parts are left
# out: they name no file, and the writer refuses them anyway.
sysctl_paths() {
  grep -ahoE '\b(net|kernel|vm|fs|dev|user|abi|debug)[./][A-Za-z0-9_./-]+' "$corpus"/* |
    while read -r key; do
      [[ $key == *..* || $key == *//* || $key == */ || $key == *. ]] && continue
      [[ $key == */* ]] && rel=$key || rel=${key//./\/}
      [[ -f /proc/sys/$rel ]] && echo "$rel"
    done | sort -u
}
mapfile -t watched < <(sysctl_paths)

snapshot() {
  echo "# namespaces"
  ip netns list | awk '{print $1}' | sort
  echo "# root links: name, flags, state, master"
  ip -o link show | awk '{
      name = $2; sub(/:$/, "", name); sub(/@.*/, "", name)
      master = ""; state = ""
      for (i = 3; i < NF; i++) { if ($i == "master") master = $(i + 1); if ($i == "state") state = $(i + 1) }
      print name, $3, state, master }' | sort
  echo "# OVS bridges and ports"
  if ovs-vsctl --timeout=5 show >/dev/null 2>&1; then
    for br in $(ovs-vsctl --timeout=5 list-br); do
      echo "$br: $(ovs-vsctl --timeout=5 list-ports "$br" | sort | tr '\n' ' ')"
    done
  fi
  echo "# nftables ruleset (counters and handles masked: traffic changes them)"
  nft list ruleset 2>/dev/null | sed -E 's/counter packets [0-9]+ bytes [0-9]+/counter/; s/ # handle [0-9]+//'
  echo "# DHCP daemons (zombies excluded)"
  ps -eo stat=,comm=,args= | awk '$1 !~ /^Z/ && ($2 == "dnsmasq" || $2 == "dhclient")' |
    cut -d' ' -f2- | sort
  echo "# sysctls named in the corpus (root namespace)"
  local p
  for p in "${watched[@]}"; do echo "$p = $(tr '\n' ' ' </proc/sys/"$p")"; done
  echo "# files under the state directory and the default state root"
  find "$state" 2>/dev/null | sort
  ls -A /run/netlab 2>/dev/null | sort
}

# The positions a file expects: "LINE:COL" per line.
expected_positions() {
  local f=$1 sidecar="${1%.*}.expect"
  if [[ -f $sidecar ]]; then
    grep -oE '^[0-9]+:[0-9]+' "$sidecar"
  else
    awk '!/^# expect:/ {exit} {print $3}' "$f" | grep -oE '^[0-9]+:[0-9]+'
  fi
}

validate_reports() {  # FILE: exit 1 and every expected FILE:LINE:COL printed
  local f=$1 out status pos missing=0
  out=$("$netlab" validate "$f" 2>&1)
  status=$?
  if [[ $status -ne 1 ]]; then
    echo "validate exited $status, expected 1"
    missing=1
  fi
  local n=0
  while read -r pos; do
    n=$((n + 1))
    if ! grep -qF "$f:$pos:" <<<"$out"; then
      echo "no $f:$pos: in the output"
      missing=1
    fi
  done < <(expected_positions "$f")
  [[ $n -gt 0 ]] || { echo "the file states no expected position"; missing=1; }
  [[ $missing -eq 0 ]] || { echo "$out" | cut -c1-300 | head -5; return 1; }
}

up_changes_nothing() {  # FILE: up fails and the machine matches the snapshot
  local f=$1 out status diff
  out=$("$netlab" up "$f" --state-dir "$state" -q 2>&1)
  status=$?
  if [[ $status -eq 0 ]]; then
    echo "up succeeded on an invalid file: $out"
    return 1
  fi
  if ! diff=$(diff <(cat "$scratch/before") <(snapshot)); then
    echo "up changed the machine (< before, > after):"
    echo "$diff"
    snapshot >"$scratch/before"  # so the next files are judged on their own
    return 1
  fi
}

files=()
for f in "$corpus"/*; do
  [[ $f == *.expect ]] || files+=("$f")
done
check "the corpus holds at least 150 files (${#files[@]})" test "${#files[@]}" -ge 150
check "the corpus names sysctls to watch (${#watched[@]})" test "${#watched[@]}" -gt 0

snapshot >"$scratch/before"
start=$SECONDS
for f in "${files[@]}"; do
  name=$(basename "$f")
  check "validate $name" validate_reports "$f"
  check "up $name changes nothing" up_changes_nothing "$f"
done
echo "${#files[@]} files in $((SECONDS - start)) s"

summary "bad input"
