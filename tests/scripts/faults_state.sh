#!/usr/bin/env bash
# Fault injection: the state directory cannot be written. `netlab up` of the
# rich lab (lib/faults.sh) with --state-dir on a read-only bind mount, and on
# small tmpfs mounts that fill up at different points of the apply. `up` must
# fail with an error that names the operation and the path, leave no
# half-written state file (no *.tmp, every *.json parses), and leave the
# machine as it was (rolled back). Then, with room again (the same mount made
# writable or larger), `up` converges and `down` leaves nothing. The mounts
# are removed in the trap.
# Usage: faults_state.sh SOURCE_DIR NETLAB_BINARY
set -uo pipefail
netlab=$2
mounts=()
source "$(dirname "$0")/lib/checks.sh"
source "$(dirname "$0")/lib/faults.sh"
fault_start faults-state
own_state=$state  # fault_start's, removed by fault_cleanup

# use_state DIR: the state root of the next scenario.
use_state() {
  state=$1
  flags=(--prefix "$p" --state-dir "$state" --ovsdb "$ovsdb")
}

cleanup() {
  local m
  for m in "${mounts[@]}"; do
    mount -o remount,rw "$m" 2>/dev/null
    mount -o remount,size=1m "$m" 2>/dev/null
    use_state "$m"
    force_reset
  done
  for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done
  state=$own_state
  fault_cleanup
}
trap cleanup EXIT

# no_half_files: no temporary file and no truncated JSON under $state.
no_half_files() {
  local f bad=0
  for f in $(find "$state" -name '*.tmp*'); do
    echo "half-written: $f" >&2
    bad=1
  done
  for f in $(find "$state" -name '*.json'); do
    python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$f" 2>/dev/null ||
      { echo "not whole JSON: $f" >&2; bad=1; }
  done
  return $bad
}

# up_fails NAME PATTERN...: `up` fails and its error matches every PATTERN.
up_fails() {
  local name=$1 pattern err rc
  shift
  err=$("$netlab" up "$file" "${flags[@]}" -q 2>&1 >/dev/null)
  rc=$?
  echo "$name: up exit $rc: $(head -n 2 <<<"$err")"
  [ "$rc" -ne 0 ] || { echo "up succeeded" >&2; return 1; }
  for pattern in "$@"; do
    grep -qE -- "$pattern" <<<"$err" || { echo "the error does not say /$pattern/" >&2; return 1; }
  done
}

# The machine as it was: nothing of the lab but (on a state root that cannot
# be written) what the root already held.
machine_unchanged() {
  local left
  left=$(lab_leftovers | grep -v "^lock file \|^state directory ")
  [ -z "$left" ] && return 0
  echo "changed:"$'\n'"$left" >&2
  return 1
}

# Read-only: the whole state root, then only the lab's directory in it.
ro="$work/ro"
mkdir -p "$ro"
mount --bind "$ro" "$ro" && mounts+=("$ro") && mount -o remount,bind,ro "$ro"
use_state "$ro"
check "read-only root: up fails and names the path" up_fails "read-only root" \
  "$ro/$lab" "Read-only file system"
check "read-only root: machine unchanged" machine_unchanged
check "read-only root: no half-written file" no_half_files
mount -o remount,bind,rw "$ro"
converges "read-only root, then writable" "$file"

rolab="$work/rolab"
mkdir -p "$rolab/$lab"
mount --bind "$rolab/$lab" "$rolab/$lab" && mounts+=("$rolab/$lab") &&
  mount -o remount,bind,ro "$rolab/$lab"
use_state "$rolab"
check "read-only lab directory: up fails and names the path" up_fails "read-only lab directory" \
  "$rolab/$lab/" "Read-only file system"
check "read-only lab directory: machine unchanged" machine_unchanged
check "read-only lab directory: no half-written file" no_half_files
# Unmounted (not only writable again): `down` removes the directory, which
# it cannot while it is a mount point.
umount "$rolab/$lab"
converges "read-only lab directory, then writable" "$file"

# Full: tmpfs mounts that fill at different points (each file takes a page).
for size in 8k 16k 24k 32k 48k; do
  full="$work/full-$size"
  mkdir -p "$full"
  mount -t tmpfs -o size=$size,mode=0700 tmpfs "$full" && mounts+=("$full")
  use_state "$full"
  check "tmpfs $size: up fails and names the path" up_fails "tmpfs $size" \
    "$full/" "No space left on device"
  check "tmpfs $size: rolled back, nothing left" nothing_left
  check "tmpfs $size: no half-written file" no_half_files
  mount -o remount,size=1m "$full"
  converges "tmpfs $size, then larger" "$file"
  force_reset
done

summary faults_state
