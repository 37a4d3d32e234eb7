#!/usr/bin/env bash
# Changing only the conditions of one link in a standing lab: the lab of
# bench/lib/labs.py (N hosts on Linux bridges, default 1000) with
# `conditions: {rate: 10mbit}` on host 0's link; the edit sets it to 20mbit,
# the next edit back. Each `up` applies one plan row per end (a tbf change).
#   bench/conditions_edit.sh [N] [REPS]      (root; NETLAB=path/to/netlab)
# Prints the wall time of each `up` with netlab's --timings, and the median.
# Before/after in one run: NETLAB_B=other/netlab makes each repetition edit
# with NETLAB, then with NETLAB_B, on the same standing lab (built by NETLAB),
# and prints both medians, with the load average at each edit.
# COND_A / COND_B: the two conditions the edits alternate between (default
# "{rate: 10mbit}" / "{rate: 20mbit}"; e.g. "{loss: 10%}" / "{loss: 20%}").
# SETTLE=S: wait S seconds after the build before the edits (default 0).
# For ~10 s after a build the lab's own IPv6 neighbour discovery (DAD, MLD
# reports, router solicitations of every host) is flooded by the bridge to
# all its ports, and every netlink dump competes with it for the CPU: see
# docs/performance.md. SETTLE=15 measures the standing lab after that.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000}
REPS=${2:-5}
NETLAB=${NETLAB:-build/netlab}
NETLAB_B=${NETLAB_B:-}
COND_A=${COND_A:-"{rate: 10mbit}"}
COND_B=${COND_B:-"{rate: 20mbit}"}
SETTLE=${SETTLE:-0}
P=ce$$
LAB=${P}cond
dir=$(mktemp -d /tmp/netlab-conditions-bench.XXXXXX)
source bench/lib/timing.sh
cleanup() {
  "$NETLAB" down "$dir/topology.yaml" --state-dir "$dir/state" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

write() {  # write CONDITIONS
  python3 - "$N" "$P" "$LAB" "$1" >"$dir/topology.yaml" <<'PY'
import sys
sys.path.insert(0, "bench/lib")
import labs
n, p, lab, cond = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
text = labs.topology("linux", n, p, lab)
first = "  - [%sh0:eth0, %sb0:%sv0]" % (p, p, p)
assert first in text
print(text.replace(first, "  - endpoints: [%sh0:eth0, %sb0:%sv0]\n    conditions: %s" % (p, p, p, cond)), end="")
PY
}

write "$COND_A"
timed "up (N=$N)" "$NETLAB" up "$dir/topology.yaml" --state-dir "$dir/state"
timed "no-op up" "$NETLAB" up "$dir/topology.yaml" --state-dir "$dir/state"
if [ "$SETTLE" != 0 ]; then
  sleep "$SETTLE"
  timed "no-op up after ${SETTLE} s" "$NETLAB" up "$dir/topology.yaml" --state-dir "$dir/state"
fi
load() { cut -d' ' -f1 /proc/loadavg; }
edit() {  # edit LABEL BINARY I: one conditions edit; prints its line, appends its time to LABEL's list
  local label=$1 bin=$2 i=$3 line
  if [ $((i % 2)) = 1 ]; then write "$COND_B"; else write "$COND_A"; fi
  line=$(timed "$label edit $i" "$bin" up "$dir/topology.yaml" --state-dir "$dir/state")
  echo "$line  load $(load)"
  sed -E 's/^[a-z]+ edit [0-9]+ +([0-9.]+) s.*/\1/' <<<"$line" >>"$dir/times-$label"
}
median() {  # median LABEL
  sort -n "$dir/times-$1" | awk -v l="$1" '{a[NR]=$1} END {printf "median conditions edit (%s): %.3f s of %d\n", l, a[int((NR+1)/2)], NR}'
}
if [ -z "$NETLAB_B" ]; then
  for i in $(seq "$REPS"); do edit a "$NETLAB" "$i"; done
  median a
else
  # Both binaries edit the same lab in turn; each sets the other rate than
  # the last edit, so every edit is one tbf change.
  k=0
  for i in $(seq "$REPS"); do
    k=$((k + 1)); edit a "$NETLAB" "$k"
    k=$((k + 1)); edit b "$NETLAB_B" "$k"
  done
  echo "a = $NETLAB, b = $NETLAB_B"
  median a
  median b
fi
