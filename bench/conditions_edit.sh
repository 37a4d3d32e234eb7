#!/usr/bin/env bash
# Changing only the conditions of one link in a standing lab: the lab of
# bench/lib/labs.py (N hosts on Linux bridges, default 1000) with
# `conditions: {rate: 10mbit}` on host 0's link; the edit sets it to 20mbit,
# the next edit back. Each `up` applies one plan row (a tbf change).
#   bench/conditions_edit.sh [N] [REPS]      (root; NETLAB=path/to/netlab)
# Prints the wall time of each `up` with netlab's --timings, and the median.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000}
REPS=${2:-5}
NETLAB=${NETLAB:-build/netlab}
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

write "{rate: 10mbit}"
timed "up (N=$N)" "$NETLAB" up "$dir/topology.yaml" --state-dir "$dir/state"
timed "no-op up" "$NETLAB" up "$dir/topology.yaml" --state-dir "$dir/state"
times=()
for i in $(seq "$REPS"); do
  if [ $((i % 2)) = 1 ]; then write "{rate: 20mbit}"; else write "{rate: 10mbit}"; fi
  line=$(timed "conditions edit $i" "$NETLAB" up "$dir/topology.yaml" --state-dir "$dir/state")
  echo "$line"
  times+=("$(sed -E 's/^conditions edit [0-9]+ +([0-9.]+) s.*/\1/' <<<"$line")")
done
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "median conditions edit: %.3f s of %d\n", a[int((NR+1)/2)], NR}'
