# Sourced by the script tests: one result per check, and a summary at the end
# that repeats every failed check by name, because CI logs show only the tail
# of a long output.
passes=0
fails=0
failed=()

check() {  # check NAME COMMAND...: runs COMMAND, counts it as NAME's result
  local name=$1 out status
  shift
  out=$("$@" 2>&1)
  status=$?
  [ -z "$out" ] || echo "$out"
  if [ "$status" -eq 0 ]; then
    passes=$((passes + 1))
  else
    echo "FAIL: $name (exit $status)" >&2
    fails=$((fails + 1))
    # The command's last lines say why; keep them for the summary.
    failed+=("$name (exit $status)${out:+$'\n'$(tail -n 8 <<<"$out" | sed 's/^/    /')}")
  fi
}

summary() {  # summary TITLE: prints the counts and the failed checks; status
  local f
  for f in "${failed[@]}"; do
    echo "failed: $f"
  done
  echo "$1: $passes passed, $fails failed"
  [ "$fails" -eq 0 ]
}

# delete_namespaces PREFIX: a failed run's namespaces whose name starts with
# PREFIX, with every process inside them (a process would keep one alive).
delete_namespaces() {
  local ns
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$1"); do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
    ip netns del "$ns" 2>/dev/null
  done
  return 0
}
