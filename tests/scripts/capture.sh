#!/usr/bin/env bash
# Packet capture (issue 12) on a real two-namespace lab, read back with
# tcpdump (an independent pcap reader):
#  - `netlab capture NS:IF -w FILE FILTER`, stopped by SIGINT, holds exactly
#    the ICMP echo requests and replies of a ping made while it ran;
#  - to a pipe, --count ends it: `netlab capture ... | tcpdump -r -` reads it;
#  - --duration ends it, the file valid; a bad filter, a namespace that is
#    not a lab's and a missing interface are clear errors;
#  - `netlab test --capture DIR` with one passing and one failing assertion
#    leaves exactly the failing one's pcap (with its unanswered ARP, without
#    the other assertion's packets), named after it, and the JUnit report
#    attaches it.
# Usage: capture.sh SOURCE_DIR NETLAB_BINARY
set -uo pipefail
netlab=$2
p=cap$$-
state=$(mktemp -d /run/netlab-capture.XXXXXX)
work=$(mktemp -d /tmp/netlab-capture.XXXXXX)
source "$(dirname "$0")/lib/checks.sh"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  "$netlab" down "${p}capture" --state-dir "$state" -q >/dev/null 2>&1
  rm -rf "$state" "$work"
}
trap cleanup EXIT

cat >"$work/capture.yaml" <<'YAML'
name: capture
namespaces:
  a:
    interfaces:
      e0: {addresses: [10.79.1.1/24]}
  b:
    interfaces:
      e0: {addresses: [10.79.1.2/24]}
links:
  - [a:e0, b:e0]
tests:
  - ping: {from: a, to: b:e0}
  # Nobody holds .99: no ARP reply, the ping fails.
  - ping: {from: a, to: 10.79.1.99}
YAML
lab=(--prefix "$p" --state-dir "$state")
a=${p}a
b=${p}b

# started LOG: waits (up to 5 s) until a capture says it is capturing.
started() {
  local i
  for ((i = 0; i < 100; i++)); do
    grep -q "^capturing on" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "no 'capturing on' line in $1: $(cat "$1")"
  return 1
}
# count FILE PATTERN [FILTER]: packets of FILE whose tcpdump line matches PATTERN.
count() { tcpdump -nn -r "$1" ${3:+"$3"} 2>/dev/null | grep -c "$2"; }

check "up" "$netlab" up "$work/capture.yaml" "${lab[@]}" -q

# --- netlab capture -w FILE FILTER, ended by SIGINT ---------------------------
timeout 20 "$netlab" capture "$a:e0" -w "$work/a.pcap" --state-dir "$state" icmp 2>"$work/a.err" &
pid=$!
pids+=("$pid")
check "capture to a file starts" started "$work/a.err"
check "ping during the capture" "$netlab" exec "$a" --state-dir "$state" -- ping -q -n -c 4 -i 0.01 10.79.1.2
kill -INT "$pid"
wait "$pid"
check "SIGINT ends the capture with status 0 (stderr: $(tail -n 1 "$work/a.err"))" test $? = 0
check "it says how many packets it wrote" grep -q "^8 packets captured$" "$work/a.err"
check "tcpdump reads 4 echo requests" test "$(count "$work/a.pcap" "10.79.1.1 > 10.79.1.2: ICMP echo request")" = 4
check "tcpdump reads 4 echo replies" test "$(count "$work/a.pcap" "10.79.1.2 > 10.79.1.1: ICMP echo reply")" = 4
check "and nothing the filter keeps out" test "$(count "$work/a.pcap" .)" = 8

# --- to a pipe, ended by --count ---------------------------------------------
(timeout 20 "$netlab" capture "$b:e0" -c 2 --state-dir "$state" icmp 2>"$work/b.err" |
  tcpdump -nn -r - >"$work/b.txt" 2>/dev/null) &
pid=$!
pids+=("$pid")
check "capture to a pipe starts" started "$work/b.err"
check "ping during the piped capture" "$netlab" exec "$a" --state-dir "$state" -- ping -q -n -c 3 -i 0.01 10.79.1.2
wait "$pid"
check "--count 2 ends it; tcpdump -r - read 2 packets ($(cat "$work/b.txt"))" \
  test "$(grep -c "ICMP echo" "$work/b.txt")" = 2

# --- --duration, errors --------------------------------------------------------
t0=$(date +%s%N)
"$netlab" capture "$a:any" --duration 0.3 -w "$work/d.pcap" --state-dir "$state" -q
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
check "--duration 0.3 ends the capture with status 0 (${ms} ms)" test "$rc" = 0 -a "$ms" -lt 3000
check "the file of a short capture is valid pcap" tcpdump -r "$work/d.pcap"
bad=$("$netlab" capture "$a:e0" -w "$work/x.pcap" --state-dir "$state" 'icmp and and' 2>&1)
check "a bad filter exits 1" test $? = 1
check "a bad filter is named with pcap's reason ($bad)" \
  grep -q "invalid capture filter 'icmp and and': .*syntax error" <<<"$bad"
other=$("$netlab" capture "${p}zz:e0" -w "$work/x.pcap" --state-dir "$state" 2>&1)
check "a namespace that is not a lab's is refused ($other)" \
  grep -q "'${p}zz' is not a namespace of a lab that is up" <<<"$other"
missing=$("$netlab" capture "$a:nope0" -w "$work/x.pcap" --state-dir "$state" 2>&1)
check "a missing interface is named ($missing)" grep -q "no interface nope0 in namespace $a" <<<"$missing"
nobody=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
  "$netlab" capture "$a:e0" --state-dir "$state" 2>&1)
check "a plain user is told capture needs root ($nobody)" grep -q "netlab capture needs root" <<<"$nobody"
form=$("$netlab" capture "$a" --state-dir "$state" 2>&1)
check "NS without :IF is a usage error ($form)" grep -q "expected NS:IF" <<<"$form"

# --- netlab test --capture DIR -------------------------------------------------
"$netlab" test "$work/capture.yaml" "${lab[@]}" --capture "$work/caps" \
  --junit "$work/junit.xml" >"$work/test.out" 2>"$work/test.err"
check "netlab test: one assertion fails (exit 3)" test $? = 3
kept=$(cd "$work/caps" && ls -A)
want="02-ping_${p}a_to_10.79.1.99.${p}a.e0.pcap"
check "only the failed assertion's capture is kept ($kept)" test "$kept" = "$want"
check "it holds the unanswered ARP requests" \
  test "$(count "$work/caps/$want" "ARP, Request who-has 10.79.1.99")" -ge 1
check "and none of the passing ping's echoes (its filter keeps them out)" \
  test "$(count "$work/caps/$want" "10.79.1.2: ICMP echo")" = 0
check "the JUnit report attaches it" grep -qx "\[\[ATTACHMENT|$work/caps/$want\]\]" "$work/junit.xml"
check "netlab test names it on stderr" grep -q "capture of a failed assertion: $work/caps/$want" "$work/test.err"

check "down" "$netlab" down "${p}capture" --state-dir "$state" -q
check "nothing of the lab is left" test -z "$(ip netns list | grep "^${p}")"
summary capture
