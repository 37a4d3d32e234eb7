# Sourced by the whole-lab benchmarks: wall time of one netlab command plus
# the per-phase figures it prints with --timings.
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc; }

timed() {  # timed LABEL COMMAND...: prints "LABEL  seconds  timings"; exits on failure
  local label=$1 t0 t1 err status=0
  shift
  t0=$(now)
  err=$("$@" --timings 2>&1 >/dev/null) || status=$?
  t1=$(now)
  if [ "$status" -ne 0 ]; then
    echo "$label FAILED (exit $status):" >&2
    tail -n 5 <<<"$err" >&2
    exit 1
  fi
  printf '%-22s %7.3f s   %s\n' "$label" "$(secs "$t0" "$t1")" \
    "$(grep '^timings:' <<<"$err" | sed 's/^timings: //')"
}
