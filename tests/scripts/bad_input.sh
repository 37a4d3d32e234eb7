#!/usr/bin/env bash
# Bad input (issue 10): for every file in tests/data/invalid,
# - `netlab validate FILE` exits 1 and prints FILE:LINE:COL for each position
#   the file expects (its "# expect: LINE:COL: ..." header, or NAME.expect);
# - `netlab up FILE` exits non-zero and changes nothing on the machine: the
#   namespaces, root links with their state, OVS bridges and ports, the
#   nftables ruleset, DHCP daemons, the /proc/sys values of every sysctl key
#   the corpus names, and the files under the state directory are the same
#   after it as before the loop.
# The snapshot is taken once before the loop and compared after every batch
# of 12 `up`s (a failure names the batch); each `up` must also exit non-zero
# and leave the state directory empty.
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
  # The suite's leak check records namespaces, root link names, OVS bridges
  # and ports, nftables tables, DHCP daemons and netlab directories; this
  # adds what an `up` could change beyond those.
  bash "$src/tests/suite/machine_snapshot.sh" before "$scratch/base" >/dev/null
  cat "$scratch/base"
  echo "# root links: name, flags, state, master"
  ip -o link show | awk '{
      name = $2; sub(/:$/, "", name); sub(/@.*/, "", name)
      master = ""; state = ""
      for (i = 3; i < NF; i++) { if ($i == "master") master = $(i + 1); if ($i == "state") state = $(i + 1) }
      print name, $3, state, master }' | sort
  echo "# nftables ruleset (counters and handles masked: traffic changes them)"
  nft list ruleset 2>/dev/null | sed -E 's/counter packets [0-9]+ bytes [0-9]+/counter/; s/ # handle [0-9]+//'
  echo "# DHCP daemons with their arguments (zombies excluded)"
  ps -eo stat=,comm=,args= | awk '$1 !~ /^Z/ && ($2 == "dnsmasq" || $2 == "dhclient")' |
    cut -d' ' -f2- | sort
  echo "# sysctls named in the corpus (root namespace)"
  local p
  for p in "${watched[@]}"; do echo "$p = $(tr '\n' ' ' </proc/sys/"$p")"; done
  echo "# files under the state directory"
  find "$state" 2>/dev/null | sort
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

up_fails() {  # FILE: up exits non-zero and leaves no state behind
  local f=$1 out
  if out=$("$netlab" up "$f" --state-dir "$state" -q 2>&1); then
    echo "up succeeded on an invalid file: $out"
    return 1
  fi
  if [[ -n $(find "$state" -mindepth 1 2>/dev/null | head -1) ]]; then
    echo "up left files in the state directory:"
    find "$state" -mindepth 1
    return 1
  fi
}

machine_unchanged() {  # FILES...: the machine still matches the snapshot
  local diff
  if ! diff=$(diff "$scratch/before" <(snapshot)); then
    echo "one of these files changed the machine: $*"
    echo "(< before, > after; run \`netlab up FILE\` on each to find which)"
    echo "$diff"
    snapshot >"$scratch/before"  # so the next batch is judged on its own
    return 1
  fi
}

files=()
for f in "$corpus"/*; do
  [[ $f == *.expect ]] || files+=("$f")
done
check "the corpus holds at least 150 files (${#files[@]})" test "${#files[@]}" -ge 150
check "the corpus names sysctls to watch (${#watched[@]})" test "${#watched[@]}" -gt 0

# A full snapshot takes ~0.1 s (OVS, nft, ps): compare after every batch of
# files rather than after every file, and name the batch when it differs.
batch_size=12
snapshot >"$scratch/before"
start=$SECONDS
batch=()
for f in "${files[@]}"; do
  name=$(basename "$f")
  check "validate $name" validate_reports "$f"
  check "up $name fails" up_fails "$f"
  batch+=("$name")
  if [[ ${#batch[@]} -eq $batch_size || $f == "${files[-1]}" ]]; then
    check "up changed nothing (${batch[0]} .. ${batch[-1]})" machine_unchanged "${batch[@]}"
    batch=()
  fi
done
echo "${#files[@]} files in $((SECONDS - start)) s"

summary "bad input"
