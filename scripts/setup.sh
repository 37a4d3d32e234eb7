#!/usr/bin/env bash
# Installs what netlab needs from Debian packages (apt-get update only when
# something is missing) and starts Open vSwitch when it is not running.
# Idempotent: a second run installs nothing and starts nothing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libyaml-cpp-dev libnl-3-dev libnl-route-3-dev libspdlog-dev catch2 libcli11-dev
  nlohmann-json3-dev libnftables-dev
  # Packet capture (netlab capture, test --capture) and throughput assertions.
  libpcap-dev libiperf-dev
  openvswitch-switch dnsmasq-base isc-dhcp-client
  iproute2 iputils-ping nftables procps
  # Independent tools the integration tests measure with.
  tcpdump iperf3 curl
  python3 python3-jsonschema python3-yaml graphviz libxml2-utils
  # The multi-machine test (tests/scripts/machines.sh): simulated machines
  # reached over SSH by Ansible. Only the binaries are used: the host's own
  # ssh service is kept from starting (below).
  openssh-server openssh-client ansible-core
  # The sanitizer and fuzz build (scripts/build.sh asan): clang++, the
  # sanitizer and libFuzzer runtimes, llvm-symbolizer for readable reports.
  clang libclang-rt-14-dev llvm ccache
)

if [ "$(id -u)" -ne 0 ]; then
  echo "setup.sh: run as root (netlab creates namespaces and talks to OVS)" >&2
  exit 1
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup.sh: installing ${missing[*]}"
  apt-get update -qq
  # This is a CI machine: a package's service (openssh-server's sshd) must
  # not start or be enabled by the install. invoke-rc.d asks policy-rc.d;
  # exit 101 means "not allowed". Put one in place only for the install when
  # the machine has none, and remove it again.
  policy=/usr/sbin/policy-rc.d
  own_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    own_policy=1
  fi
  rc=0
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || rc=$?
  [ "$own_policy" = 1 ] && rm -f "$policy"
  [ "$rc" = 0 ] || exit "$rc"
fi

# The host's own ssh service stays off, whatever installed it: disabled under
# systemd (nothing to do without it; policy-rc.d kept it from starting).
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
  for unit in ssh.service ssh.socket; do
    systemctl disable --now "$unit" >/dev/null 2>&1 || true
  done
fi

# Open vSwitch: ovsdb-server and ovs-vswitchd. In a container there is no
# init system to start them, so start them the way the package's init script does.
# Both must answer: ovsdb-server alone takes transactions that nothing
# applies (seen after ovs-vswitchd was killed by the OOM killer), and every
# OVS step then times out. ovs-ctl start starts whichever is not running.
if ! ovs-vsctl --timeout=3 show >/dev/null 2>&1 ||
  ! ovs-appctl --timeout=3 -t ovs-vswitchd version >/dev/null 2>&1; then
  echo "setup.sh: starting Open vSwitch"
  /usr/share/openvswitch/scripts/ovs-ctl start --system-id=random >/dev/null 2>&1 || true
  ovs-vsctl --timeout=10 show >/dev/null
  ovs-appctl --timeout=10 -t ovs-vswitchd version >/dev/null
fi
