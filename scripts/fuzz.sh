#!/usr/bin/env bash
# Builds the libFuzzer targets (build-asan, scripts/build.sh asan) and runs
# each for SECONDS (default 60), one after the other, from its seed corpus
# tests/fuzz/corpus/<target>/ (and, for the topology target, topologies/ and
# tests/data/invalid/). New inputs go to a scratch corpus, not into the
# repository. Prints per target: executions, time, coverage (cov/ft), findings.
# A finding (crash, sanitizer report, leak, timeout, out-of-memory) is saved
# under build-asan/fuzz-findings/<target>/ and makes the script exit 1.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]   (TARGET: topology topology_codec ovsdb netlink)
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("${@:-topology topology_codec ovsdb netlink}")
read -r -a targets <<<"${targets[*]}"
scripts/build.sh asan "${targets[@]/#/fuzz_}" >/dev/null || exit 1
source tests/sanitize/env.sh

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
printf '%-10s %10s %8s %7s %7s  %s\n' TARGET EXECS SECONDS COV FT FINDINGS
for t in "${targets[@]}"; do
  seeds=(tests/fuzz/corpus/"$t")
  # The codec's target reads topology files too (and encodes their models).
  [ "$t" = topology_codec ] && seeds=(tests/fuzz/corpus/topology)
  [[ $t = topology* ]] && seeds+=(topologies tests/data/invalid)
  findings=build-asan/fuzz-findings/$t
  mkdir -p "$work/$t" "$findings"
  # -timeout: one input running over 10 s is a hang (a finding);
  # -rss_limit_mb: libFuzzer's default, stated.
  build-asan/fuzz_"$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$findings/" "$work/$t" "${seeds[@]}" \
    >"$work/$t.log" 2>&1
  status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log")
  took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$work/$t.log")
  last=$(grep -E '^#[0-9]+.*cov: ' "$work/$t.log" | tail -1)
  cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.*ft: \([0-9]*\).*/\1/p' <<<"$last")
  if [ "$status" -eq 0 ]; then
    found=none
  else
    failed=1
    found="exit $status: $(ls "$findings" | tr '\n' ' ')"
    cp "$work/$t.log" "$findings/fuzz.log"
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$work/$t.log" | head -5 >&2
  fi
  printf '%-10s %10s %8s %7s %7s  %s\n' "$t" "${execs:-?}" "${took:-?}" "${cov:-?}" "${ft:-?}" "$found"
done
exit "$failed"
