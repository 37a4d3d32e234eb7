#!/usr/bin/env bash
# A CI job that tests inside a netlab lab, as it would sit in a GitLab CI or
# GitHub Actions step (on a runner where the job is root):
#   up -> checks (netlab exec) -> netlab test --junit -> down, always.
#
# Settings (environment):
#   NETLAB            the netlab binary                  (default: netlab)
#   NETLAB_PREFIX     prefix of every lab name            (default: ci<pid>-)
#   NETLAB_STATE_DIR  netlab's state directory            (default: a new one under /run,
#                                                          removed at the end)
#   TOPOLOGY          the topology file                   (default: topology.yaml here)
#   JUNIT             where the JUnit report goes          (default: ./netlab-junit.xml)
# Exit: 0 when every check passed; otherwise the failing command's status.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NETLAB=${NETLAB:-netlab}
NETLAB_PREFIX=${NETLAB_PREFIX:-ci$$-}
TOPOLOGY=${TOPOLOGY:-$here/topology.yaml}
JUNIT=${JUNIT:-$PWD/netlab-junit.xml}
own_state_dir=false
if [ -z "${NETLAB_STATE_DIR:-}" ]; then
  NETLAB_STATE_DIR=$(mktemp -d /run/netlab-ci.XXXXXX)
  own_state_dir=true
fi
lab=(--prefix "$NETLAB_PREFIX" --state-dir "$NETLAB_STATE_DIR")

# Whatever happens from here on (a failed check, set -e, Ctrl-C, a runner
# cancelling the job with SIGTERM): take the lab down, keep the job's status.
teardown() {
  local status=$?
  trap - EXIT INT TERM
  if ! "$NETLAB" down "$TOPOLOGY" "${lab[@]}" -q; then
    echo "ci-job: netlab down failed" >&2
    [ "$status" -ne 0 ] || status=1
  fi
  if $own_state_dir; then rm -rf "$NETLAB_STATE_DIR"; fi
  exit "$status"
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "--- netlab up (prefix $NETLAB_PREFIX)"
"$NETLAB" up "$TOPOLOGY" "${lab[@]}"

echo "--- checks of our own, inside the lab"
# The names in the topology file get the prefix: client -> ${NETLAB_PREFIX}client.
client=${NETLAB_PREFIX}client
"$NETLAB" exec --state-dir "$NETLAB_STATE_DIR" "$client" -- ping -c 1 -W 2 10.98.0.2
"$NETLAB" exec --state-dir "$NETLAB_STATE_DIR" "$client" -- ip -4 -o addr show dev eth0 |
  grep -F 10.98.0.1/24

echo "--- netlab test (JUnit report: $JUNIT)"
"$NETLAB" test "$TOPOLOGY" "${lab[@]}" --junit "$JUNIT"
