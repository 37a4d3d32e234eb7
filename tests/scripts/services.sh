#!/usr/bin/env bash
# Services on the real kernel: a Python http.server in one namespace
# (readiness: its TCP port), fetched with curl from another.
# - RUNS times (default 3; `SERVICES_RUNS=20` for the acceptance count):
#   `up --allow-services` returns, an immediate curl succeeds, `down` leaves
#   no namespace, process or state;
# - without --allow-services `up` refuses and changes nothing;
# - kill -9 of the server shows in `status`, and the next `up` restarts it
#   and nothing else (the other service keeps its pid);
# - a changed command restarts only it;
# - `netlab logs` shows the server's request log;
# - `down` stops what a service started in the background too (its group,
#   and a child that left it with setsid: every process in a lab namespace);
# - a service that exits at once: `up` exits 1 naming it, with its exit
#   code and the tail of its log, and nothing of the lab is left.
# Usage: services.sh SOURCE_DIR NETLAB_BINARY
set -uo pipefail
netlab=$2
runs=${SERVICES_RUNS:-3}
p=s$$
state=$(mktemp -d /run/netlab-services.XXXXXX)
work=$(mktemp -d)
source "$(dirname "$0")/lib/checks.sh"

cleanup() {
  for lab in $("$netlab" ls --state-dir "$state" 2>/dev/null); do
    "$netlab" down "$lab" --state-dir "$state" -q >/dev/null 2>&1
  done
  delete_namespaces "$p"
  rm -rf "$state" "$work"
}
trap cleanup EXIT

# topology FILE HTTP_ARGS...: web serves HTTP on 10.77.0.1:8080; cli holds a
# second service that must survive restarts of the first, and that leaves a
# process in the background (down must stop it too: no orphan).
topology() {
  local file=$1 extra=${2:-}
  cat >"$file" <<YAML
name: svc
namespaces:
  web:
    interfaces:
      eth0: {addresses: [10.77.0.1/24]}
    services:
      http:
        command: [python3, -m, http.server, "8080", --bind, 10.77.0.1$extra]
        ready: {tcp: 8080}
        timeout: 10s
        workdir: $work
  cli:
    interfaces:
      eth0: {addresses: [10.77.0.2/24]}
    services:
      idle:
        command: [sh, -c, "setsid sleep 1002 & sleep 1001 & exec sleep 1000"]
        after: [http]
links:
  - [web:eth0, cli:eth0]
YAML
}
lab=${p}-svc
nl() { "$netlab" "$@" --state-dir "$state" --prefix "$p-"; }
svc_pid() { awk '{print $1}' "$state/$lab/services/$1.pid" 2>/dev/null; }
fetch() { ip netns exec "$p-cli" curl -sf --max-time 3 -o /dev/null http://10.77.0.1:8080/; }
nothing_left() {
  local left
  left=$(ip netns list | awk '{print $1}' | grep "^$p-")
  [ -z "$left" ] || { echo "namespaces left: $left"; return 1; }
  [ ! -e "$state/$lab" ] || { echo "state left: $(ls -R "$state/$lab")"; return 1; }
  for pid in "$@"; do
    [ -z "$pid" ] || gone "$pid" || { echo "process $pid left"; return 1; }
  done
}
# gone PID: no such process, or a zombie its new parent has not reaped yet.
gone() {
  local st
  st=$(ps -o stat= -p "$1" 2>/dev/null)
  [ -z "$st" ] || [[ $st == Z* ]]
}
echo hello >"$work/index.html"
topology "$work/topo.yaml"

# Refused without the flag, and nothing made.
nl up "$work/topo.yaml" >"$work/refused.log" 2>&1
check "up without --allow-services exits 1" test $? -eq 1
check "  and says why" grep -q -- "--allow-services" "$work/refused.log"
check "  and leaves nothing" nothing_left

ok=0
for ((i = 1; i <= runs; i++)); do
  t0=$(date +%s%N)
  if ! nl up "$work/topo.yaml" --allow-services -q >"$work/up.log" 2>&1; then
    cat "$work/up.log"
    continue
  fi
  t1=$(date +%s%N)
  if fetch; then ok=$((ok + 1)); else echo "run $i: curl right after up failed"; fi
  h=$(svc_pid http)
  echo "run $i: up $(((t1 - t0) / 1000000)) ms"
  nl down "$lab" -q >/dev/null 2>&1
  nothing_left "$h" || echo "run $i: leftovers"
done
check "$runs of $runs: curl right after up succeeds" test "$ok" -eq "$runs"
check "down after the runs left nothing" nothing_left

# Kill -9: status shows it, up restarts only it.
nl up "$work/topo.yaml" --allow-services -q >/dev/null 2>&1
http=$(svc_pid http) idle=$(svc_pid idle)
check "both services recorded" test -n "$http" -a -n "$idle"
fetch
check "curl succeeds" test $? -eq 0
kill -9 "$http"
sleep 0.2
nl status "$lab" >"$work/status.log" 2>&1
cat "$work/status.log"
check "status shows the killed server as exited" grep -Eq "service +[^ ]+ +http +exited" "$work/status.log"
nl up "$work/topo.yaml" --allow-services >"$work/restart.log" 2>&1
check "up after kill -9 exits 0" test $? -eq 0
check "  restarted one service (1 added, 0 changed)" grep -q "1 added, 0 changed, 0 destroyed" "$work/restart.log"
http2=$(svc_pid http)
check "  http has a new pid" test "$http2" != "$http"
check "  idle kept its pid" test "$(svc_pid idle)" = "$idle"
check "  curl succeeds" fetch

# A changed command: restarts only it.
topology "$work/topo.yaml" ', --directory, /'
nl up "$work/topo.yaml" --allow-services >"$work/change.log" 2>&1
check "up after a changed command exits 0" test $? -eq 0
check "  changed one service (0 added, 1 changed)" grep -q "0 added, 1 changed, 0 destroyed" "$work/change.log"
check "  the old server is gone" gone "$http2"
check "  idle kept its pid" test "$(svc_pid idle)" = "$idle"
check "  curl succeeds" fetch
nl logs "$lab" http >"$work/logs.log" 2>&1
tail -3 "$work/logs.log"
check "logs shows the server's requests" grep -q '"GET / HTTP/1.1" 200' "$work/logs.log"
http3=$(svc_pid http)
background=$(pgrep -g "$idle" -f "sleep 1001")
check "idle's background process runs in its group" test -n "$background"
escaped=$(pgrep -f "sleep 1002" | while read -r pid; do
  [ "$(readlink /proc/$pid/ns/net)" = "$(readlink /proc/$idle/ns/net)" ] && echo "$pid"; done)
check "idle's setsid child left its group" test -n "$escaped" -a "$(ps -o pgid= -p "$escaped" 2>/dev/null | tr -d ' ')" != "$idle"
nl down "$lab" -q >/dev/null 2>&1
check "down leaves no process (nor orphan, nor one that left the group), namespace or state" \
  nothing_left "$http3" "$idle" $background $escaped

# A service that exits at once.
cat >"$work/bad.yaml" <<YAML
name: svc
namespaces:
  web:
    interfaces:
      eth0: {addresses: [10.77.0.1/24]}
    services:
      bad:
        command: [python3, -c, "import sys; print('boom-marker', flush=True); sys.exit(3)"]
        ready: {tcp: 8080}
  cli:
    interfaces:
      eth0: {addresses: [10.77.0.2/24]}
links:
  - [web:eth0, cli:eth0]
YAML
nl up "$work/bad.yaml" --allow-services >"$work/bad.log" 2>&1
check "up of a service that exits at once exits 1" test $? -eq 1
check "  names it with its exit code" grep -q "service 'bad' ($p-web) exited.* with exit code 3" "$work/bad.log"
check "  and the tail of its log" grep -q "boom-marker" "$work/bad.log"
check "  and leaves nothing" nothing_left
summary "services"
